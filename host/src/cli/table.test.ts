import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';

const columns = [{ header: 'model' }, { header: 'board' }, { header: 'container / slot' }, { header: 'bytes', align: 'right' as const }];

/** Where each column starts in a line: the header's words give the columns' left edges. */
function starts(header: string, titles: string[]): number[] {
  return titles.map((title) => header.indexOf(title));
}

describe('renderTable', () => {
  it('sizes every column to its widest cell, so a long path or "TOO BIG" never runs into the next column', () => {
    const longPath = '/tmp/a-rather-long-directory-name/with/nested/parts/lenet-5-a-long-file-name.rtm';
    const lines = renderTable(columns, [
      [longPath, 'netduinoplus2', '50.2 KiB / 25 KiB TOO BIG', '51377'],
      ['cifarnet', 'disco_f469ni', '86.6 KiB / 255 KiB ok', '7'],
    ]);
    const [board, slot] = starts(lines[0]!, ['board', 'container / slot']);
    expect(board).toBe(longPath.length + 2);
    for (const line of lines.slice(1)) {
      // Each cell begins where its header does, with two spaces before it.
      expect(line.slice(board! - 2, board)).toBe('  ');
      expect(line.slice(board!)).toMatch(/^(netduinoplus2|disco_f469ni) /);
      expect(line.slice(slot!)).toMatch(/^\d+\.\d KiB \//);
    }
    // Right-aligned numbers end where the header ends; nothing trails.
    expect(lines.map((line) => line.length)).toEqual(Array(3).fill(lines[0]!.length));
    expect(lines[2]!.endsWith('  7')).toBe(true);
  });

  it('draws a rule under the header and above a total row', () => {
    const lines = renderTable([{ header: 'layer' }, { header: 'params', align: 'right' }], [['conv1', '500'], ['ip1', '400,000'], ['total', '400,500']], { totalRow: true });
    expect(lines).toEqual(['layer   params', '-----  -------', 'conv1      500', 'ip1    400,000', '-----  -------', 'total  400,500']);
  });

  it('measures colour codes and wide symbols as the terminal shows them, and restyles whole rows', () => {
    const lines = renderTable([{ header: 'task' }, { header: 'R p50', align: 'right' }], [['µ-task', '1.000'], ['\u001b[1mbold\u001b[0m', '2.000']], {
      indent: '  ',
      styleRow: (row, line) => (row === 1 ? `!${line}` : line),
    });
    // "bold" is 4 columns wide however many bytes its colour codes take: padded as "µ-task" is.
    expect(lines).toEqual(['  task    R p50', '  µ-task  1.000', '  !\u001b[1mbold\u001b[0m    2.000']);
  });
});

// The per-layer table `rtinfer compress` and `rtinfer inspect` print.
import { formatBytes as bytes } from '../cli/format.js';
import type { CompressionReport, LayerReport } from './compress-model.js';

export function formatCompressionTable(report: CompressionReport): string[] {
  const header = ['layer', 'params', 'kept', 'weight bits', 'index bits', 'before', 'after', 'ratio'];
  const row = (r: Omit<LayerReport, 'codebook'>) => [
    r.layer,
    r.params.toLocaleString('en-US'),
    `${r.keptPercent.toFixed(1)}%`,
    r.weightBits.toFixed(2),
    r.indexBits.toFixed(2),
    bytes(r.bytesBefore),
    bytes(r.bytesAfter),
    `${r.ratio.toFixed(1)}×`,
  ];
  const rows = [header, ...report.layers.map(row), row(report.total)];
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.slice(1, -1).map(line), rule, line(rows.at(-1)!)];
}

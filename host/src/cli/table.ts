// The one table renderer for everything the CLI prints as a table (fit, inspect and compress, run and monitor,
// models, devices, schedule, infer, …). cli-table3 sizes every column to its widest cell, measured in terminal
// columns (ANSI colour, "µ", "×" and "–" count right), so long paths and verdicts never run into the next column.
// Borderless: two spaces between columns, an optional rule under the header and above a totals row.
import Table from 'cli-table3';

export interface Column {
  header: string;
  /** Numbers read best right-aligned; the default is left. */
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** Put before every line, e.g. to nest a table under a labelled line. */
  indent?: string;
  /** A rule of dashes under the header. */
  rule?: boolean;
  /** The last row is a total: a rule above it too (implies `rule`). */
  totalRow?: boolean;
  /** Restyles a body row's finished line (e.g. red for a task with misses); row indexes count from 0. */
  styleRow?: (row: number, line: string) => string;
}

const GAP = '  ';
const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
  middle: GAP,
};

/** The table as lines (no trailing spaces): the header, then one line per row. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const rule = options.rule || options.totalRow;
  const table = new Table({
    head: columns.map((column) => column.header),
    colAligns: columns.map((column) => column.align ?? 'left'),
    // "compact" draws the `mid` line only under the header: that is the rule, when there is one.
    chars: rule ? { ...NO_BORDER, mid: '-', 'mid-mid': GAP } : NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...rows.map((row) => [...row]));
  const lines = table.toString().split('\n').map((line) => line.trimEnd());
  const header = lines.slice(0, rule ? 2 : 1);
  const body = lines.slice(header.length).map((line, row) => options.styleRow?.(row, line) ?? line);
  if (options.totalRow && body.length > 1) body.splice(body.length - 1, 0, header[1]!);
  return [...header, ...body].map((line) => `${options.indent ?? ''}${line}`);
}

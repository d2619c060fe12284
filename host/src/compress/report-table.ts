// The per-layer table `rtinfer compress` and `rtinfer inspect` print.
import { formatBytes as bytes } from '../cli/format.js';
import { renderTable } from '../cli/table.js';
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
  const columns = header.map((title, index) => ({ header: title, align: index === 0 ? ('left' as const) : ('right' as const) }));
  return renderTable(columns, [...report.layers.map(row), row(report.total)], { totalRow: true });
}

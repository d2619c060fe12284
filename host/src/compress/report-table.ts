// The per-layer table `rtinfer compress` and `rtinfer inspect` print.
import { formatBytes as bytes } from '../cli/format.js';
import { renderTable } from '../cli/table.js';
import type { CompressionReport, LayerReport } from './compress-model.js';

/** `accuracy` (compress --data): top-1 with only that layer compressed, and of the whole compressed model. */
export function formatCompressionTable(report: CompressionReport, accuracy?: { layers: Record<string, number>; total: number }): string[] {
  const header = ['layer', 'params', 'kept', 'weight bits', 'index bits', 'before', 'after', 'ratio', ...(accuracy ? ['accuracy'] : [])];
  const row = (r: Omit<LayerReport, 'codebook'>) => [
    r.layer,
    r.params.toLocaleString('en-US'),
    `${r.keptPercent.toFixed(1)}%`,
    r.weightBits.toFixed(2),
    r.indexBits.toFixed(2),
    bytes(r.bytesBefore),
    bytes(r.bytesAfter),
    `${r.ratio.toFixed(1)}×`,
    ...(accuracy ? [`${(100 * (r.layer === 'total' ? accuracy.total : (accuracy.layers[r.layer] ?? NaN))).toFixed(2)}%`] : []),
  ];
  const columns = header.map((title, index) => ({ header: title, align: index === 0 ? ('left' as const) : ('right' as const) }));
  const accuracyNote = accuracy ? ['accuracy is top-1 on held-out data with only that layer compressed; on the total row, of the whole compressed model'] : [];
  return [...renderTable(columns, [...report.layers.map(row), row(report.total)], { totalRow: true }), WEIGHTS_RATIO_NOTE, ...accuracyNote];
}

/** What the table's ratio counts: the paper's measure (Deep Compression, Table 1), the layers' parameters only. */
export const WEIGHTS_RATIO_NOTE = 'ratio is the weights ratio: fp32 weights and biases over their encoded bytes (codes, relative indices, codebook, biases), as the paper counts';

/**
 * The file ratio: the same fp32 weights over the whole container, which also holds the header with the graph,
 * the stored test inputs and the digest. It is the smaller one, and what a device's slot must hold.
 */
export function describeFileRatio(report: CompressionReport, fileBytes: number, testInputs: readonly Float32Array[] = []): { fileRatio: number; text: string } {
  const fileRatio = report.total.bytesBefore / fileBytes;
  const inputBytes = testInputs.reduce((sum, input) => sum + 4 * input.length, 0);
  const inputs = testInputs.length ? `, ${testInputs.length} stored test input${testInputs.length === 1 ? '' : 's'} (${bytes(inputBytes)})` : '';
  const text = `file ratio ${fileRatio.toFixed(1)}× (the fp32 weights over the whole file: the layers' ${bytes(report.total.bytesAfter)} plus ${bytes(fileBytes - report.total.bytesAfter)} of header, graph${inputs} and digest)`;
  return { fileRatio, text };
}

// Deep Compression's published per-layer settings (Han, Mao, Dally, ICLR 2016, Tables 2–5): the fraction of
// weights kept after pruning, the weight bits and index bits after quantisation (P+Q), and the average bits
// after Huffman coding (P+Q+H). They are the defaults for the four networks the paper compressed.

export interface PaperLayer {
  layer: string;
  keep: number;
  weightBits: number;
  indexBits: number;
  huffmanWeightBits: number;
  huffmanIndexBits: number;
}

export interface PaperNetwork {
  /** Published ratio (P+Q+H) and sizes. */
  ratio: number;
  beforeBytes: number;
  afterBytes: number;
  layers: PaperLayer[];
}

const rows = (table: Array<[string, number, number, number, number, number]>): PaperLayer[] =>
  table.map(([layer, keepPercent, weightBits, huffmanWeightBits, indexBits, huffmanIndexBits]) => ({ layer, keep: keepPercent / 100, weightBits, indexBits, huffmanWeightBits, huffmanIndexBits }));

export const paperNetworks: Record<string, PaperNetwork> = {
  'lenet-300-100': {
    ratio: 40, beforeBytes: 1070e3, afterBytes: 27e3,
    layers: rows([['ip1', 8, 6, 4.4, 5, 3.7], ['ip2', 9, 6, 4.4, 5, 4.3], ['ip3', 26, 6, 4.3, 5, 3.2]]),
  },
  'lenet-5': {
    ratio: 39, beforeBytes: 1720e3, afterBytes: 44e3,
    layers: rows([['conv1', 66, 8, 7.2, 5, 1.5], ['conv2', 12, 8, 7.2, 5, 3.9], ['ip1', 8, 5, 4.5, 5, 4.5], ['ip2', 19, 5, 5.2, 5, 3.7]]),
  },
  alexnet: {
    ratio: 35, beforeBytes: 240e6, afterBytes: 6.9e6,
    layers: rows([
      ['conv1', 84, 8, 6.3, 4, 1.2], ['conv2', 38, 8, 5.5, 4, 2.3], ['conv3', 35, 8, 5.1, 4, 2.6], ['conv4', 37, 8, 5.2, 4, 2.5],
      ['conv5', 37, 8, 5.6, 4, 2.5], ['fc6', 9, 5, 3.9, 4, 3.2], ['fc7', 9, 5, 3.6, 4, 3.7], ['fc8', 25, 5, 4, 4, 3.2],
    ]),
  },
  'vgg-16': {
    ratio: 49, beforeBytes: 552e6, afterBytes: 11.3e6,
    layers: rows([
      ['conv1_1', 58, 8, 6.8, 5, 1.7], ['conv1_2', 22, 8, 6.5, 5, 2.6], ['conv2_1', 34, 8, 5.6, 5, 2.4], ['conv2_2', 36, 8, 5.9, 5, 2.3],
      ['conv3_1', 53, 8, 4.8, 5, 1.8], ['conv3_2', 24, 8, 4.6, 5, 2.9], ['conv3_3', 42, 8, 4.6, 5, 2.2], ['conv4_1', 32, 8, 4.6, 5, 2.6],
      ['conv4_2', 27, 8, 4.2, 5, 2.9], ['conv4_3', 34, 8, 4.4, 5, 2.5], ['conv5_1', 35, 8, 4.7, 5, 2.5], ['conv5_2', 29, 8, 4.6, 5, 2.7],
      ['conv5_3', 36, 8, 4.6, 5, 2.3], ['fc6', 4, 5, 3.6, 5, 3.5], ['fc7', 4, 5, 4, 5, 4.3], ['fc8', 23, 5, 4, 5, 3.4],
    ]),
  },
};

/**
 * The paper's storage formula, nnz·(b_w + b_idx) + k·32 bits per layer (fillers left out, as the paper does),
 * against 32 bits per dense weight. With `huffman`, the average P+Q+H bits replace the fixed ones.
 */
export function paperFormulaRatio(network: PaperNetwork, counts: Map<string, number>, huffman: boolean): number {
  let denseBits = 0;
  let storedBits = 0;
  for (const row of network.layers) {
    const count = counts.get(row.layer) ?? 0;
    const nonZero = count * row.keep;
    denseBits += 32 * count;
    const bits = huffman ? row.huffmanWeightBits + row.huffmanIndexBits : row.weightBits + row.indexBits;
    storedBits += nonZero * bits + 2 ** row.weightBits * 32;
  }
  return denseBits / storedBits;
}

// One weighted layer, pruned → shared → sparse → Huffman-coded, and back. The blob is a single MSB-first
// bitstream of entries in weight order; each entry is the gap code (zeros skipped since the previous entry)
// then the weight code (codebook index), so a decoder writes weights as the bytes arrive.
import { RtinferError } from '../errors.js';
import { assignNearest, kMeansSorted } from './kmeans.js';
import { BitWriter, canonicalCodes, codeLengths, CorruptStreamError, HuffmanDecoder } from './huffman.js';
import { keptValues, prune, pruneThreshold, type PruneRule } from './prune.js';

export interface LayerSettings {
  prune: PruneRule;
  /** Bits of a codebook index: the codebook has at most 2^weightBits entries. 1–8. */
  weightBits: number;
  /** Bits of a relative index: gaps above 2^gapBits − 1 zeros take filler entries. 1–8. */
  gapBits: number;
  /** Lloyd iterations after the linear initialisation (0 keeps the linear centroids). */
  iterations: number;
  /** Shared weights already chosen (fine-tuned by retraining, host/src/train): used instead of k-means. */
  codebook?: Float32Array;
}

export interface EncodedLayer {
  layer: string;
  shape: number[];
  /** Dense weight count. */
  count: number;
  /** Non-zero weights after pruning. */
  kept: number;
  /** Entries in the stream: kept weights plus fillers. */
  entries: number;
  weightBits: number;
  gapBits: number;
  /** Shared weights; when the layer has fillers, entry 0 is exactly zero and is what fillers point at. */
  codebook: Float32Array;
  weightCodeLengths: Uint8Array;
  gapCodeLengths: Uint8Array;
  bias: Float32Array;
  /** Bits of the blob spent on gap codes and on weight codes (the rest is padding to a byte). */
  gapStreamBits: number;
  weightStreamBits: number;
  blob: Uint8Array;
}

export class InvalidSettingError extends RtinferError {
  /** `layer` '*' means the setting was given for every layer. */
  constructor(layer: string, setting: string, value: number, expected: string) {
    super('invalid_setting', `${layer === '*' ? '' : `layer "${layer}": `}${setting} ${value} is out of range; expected ${expected}`, { layer: layer === '*' ? undefined : layer, setting, value, expected });
  }
}

export function checkSettings(layer: string, settings: LayerSettings): void {
  const { prune: rule, weightBits, gapBits, iterations } = settings;
  if ('keep' in rule && !(rule.keep >= 0 && rule.keep <= 1)) throw new InvalidSettingError(layer, 'prune ratio', 1 - rule.keep, 'a fraction from 0 to 1');
  if ('qualityFactor' in rule && !(rule.qualityFactor >= 0 && Number.isFinite(rule.qualityFactor))) throw new InvalidSettingError(layer, 'quality factor', rule.qualityFactor, 'a finite number ≥ 0');
  if (!Number.isInteger(weightBits) || weightBits < 1 || weightBits > 8) throw new InvalidSettingError(layer, 'weight bits', weightBits, 'an integer from 1 to 8');
  if (!Number.isInteger(gapBits) || gapBits < 1 || gapBits > 8) throw new InvalidSettingError(layer, 'index bits', gapBits, 'an integer from 1 to 8');
  if (!Number.isInteger(iterations) || iterations < 0) throw new InvalidSettingError(layer, 'iterations', iterations, 'an integer ≥ 0');
}

/** Gap before each entry, −1 marking a filler (which skips 2^gapBits − 1 zeros and writes a zero). */
function relativeIndices(pruned: Float32Array, maxGap: number): Int16Array {
  const walk = (visit: (gap: number) => void) => {
    let previous = -1;
    for (let i = 0; i < pruned.length; i++) {
      if (pruned[i] === 0) continue;
      let gap = i - previous - 1;
      for (; gap > maxGap; gap -= maxGap + 1) visit(-1);
      visit(gap);
      previous = i;
    }
  };
  let entries = 0;
  walk(() => entries++);
  const gaps = new Int16Array(entries);
  let next = 0;
  walk((gap) => (gaps[next++] = gap));
  return gaps;
}

export function encodeLayer(name: string, shape: number[], weights: Float32Array, bias: Float32Array, settings: LayerSettings): EncodedLayer {
  checkSettings(name, settings);
  const { pruned, kept } = prune(weights, pruneThreshold(weights, settings.prune));
  const maxGap = 2 ** settings.gapBits - 1;

  const gaps = relativeIndices(pruned, maxGap);
  const fillers = gaps.length - kept;

  const nonZero = keptValues(pruned, kept);
  const sorted = nonZero.slice().sort();
  const learned = 2 ** settings.weightBits - (fillers > 0 ? 1 : 0);
  if (settings.codebook && settings.codebook.length > learned) throw new InvalidSettingError(name, 'codebook size', settings.codebook.length, `at most ${learned} shared weights`);
  const { centroids } = settings.codebook ? { centroids: Float32Array.from(settings.codebook).sort() } : kMeansSorted(sorted, Math.min(learned, Math.max(1, kept)), settings.iterations);
  const codebook = fillers > 0 ? Float32Array.from([0, ...centroids]) : centroids;
  const symbols = assignNearest(nonZero, centroids, fillers > 0 ? 1 : 0);

  const gapFrequencies = new Float64Array(maxGap + 1);
  const weightFrequencies = new Float64Array(codebook.length);
  for (const gap of gaps) gapFrequencies[gap < 0 ? maxGap : gap]!++;
  for (let i = 0; i < kept; i++) weightFrequencies[symbols[i]!]!++;
  if (fillers > 0) weightFrequencies[0] = fillers;
  const gapCodeLengths = codeLengths(gapFrequencies);
  const weightCodeLengths = codeLengths(weightFrequencies);
  const gapCodes = canonicalCodes(gapCodeLengths);
  const weightCodes = canonicalCodes(weightCodeLengths);

  const writer = new BitWriter(gaps.length * 8);
  let next = 0;
  let gapStreamBits = 0;
  for (const gap of gaps) {
    const gapSymbol = gap < 0 ? maxGap : gap;
    const weightSymbol = gap < 0 ? 0 : symbols[next++]!;
    writer.write(gapCodes[gapSymbol]!, gapCodeLengths[gapSymbol]!);
    writer.write(weightCodes[weightSymbol]!, weightCodeLengths[weightSymbol]!);
    gapStreamBits += gapCodeLengths[gapSymbol]!;
  }
  return {
    layer: name,
    shape,
    count: weights.length,
    kept,
    entries: gaps.length,
    weightBits: settings.weightBits,
    gapBits: settings.gapBits,
    codebook,
    weightCodeLengths,
    gapCodeLengths,
    bias: Float32Array.from(bias),
    gapStreamBits,
    weightStreamBits: writer.bits - gapStreamBits,
    blob: writer.finish(),
  };
}

/** Dense weights from an encoded layer; throws CorruptStreamError (naming the layer and entry) on a bad stream. */
export function decodeLayer(encoded: EncodedLayer): Float32Array {
  const weights = new Float32Array(encoded.count);
  const gaps = new HuffmanDecoder(encoded.gapCodeLengths);
  const symbols = new HuffmanDecoder(encoded.weightCodeLengths);
  const limit = encoded.blob.length * 8;
  const fail = (entry: number, what: string) =>
    new CorruptStreamError('corrupt_layer', `layer "${encoded.layer}": entry ${entry} of ${encoded.entries}: ${what}`, { layer: encoded.layer, entry, entries: encoded.entries });
  let bit = 0;
  let position = -1;
  for (let entry = 0; entry < encoded.entries; entry++) {
    const [gap, afterGap] = gaps.decode(encoded.blob, bit, limit);
    if (gap < 0) throw fail(entry, 'invalid or truncated gap code');
    const [symbol, afterSymbol] = symbols.decode(encoded.blob, afterGap, limit);
    if (symbol < 0 || symbol >= encoded.codebook.length) throw fail(entry, 'invalid or truncated weight code');
    bit = afterSymbol;
    position += gap + 1;
    if (position >= encoded.count) throw fail(entry, `position ${position} is past the layer's ${encoded.count} weights`);
    weights[position] = encoded.codebook[symbol]!;
  }
  return weights;
}

/** Bytes the layer occupies in a container: the blob, the codebook, the code-length tables and the bias. */
export function encodedBytes(encoded: EncodedLayer): number {
  return encoded.blob.length + 4 * encoded.codebook.length + encoded.weightCodeLengths.length + encoded.gapCodeLengths.length + 4 * encoded.bias.length;
}

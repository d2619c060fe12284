// The .rtm container (protocol/CONTAINER.md): a CBOR sequence of the header (a byte string wrapping a CBOR map,
// behind the self-described-CBOR tag), one byte string per weighted layer in execution order, and a SHA-256
// over every byte before it.
import { createHash } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import { RtinferError } from '../errors.js';
import { bytesToFloat32 as floatsFrom, float32ToBytes as floatBytes } from '../model/float32-bytes.js';
import { elementCount, isWeighted, type Graph, type Layer } from '../model/ir.js';
import type { CompressedModel } from './compress-model.js';
import { MAX_CODE_BITS } from './huffman.js';
import type { EncodedLayer } from './layer-codec.js';
import { int8FromData, layerInt8ToData, quantizationToData } from './quantize-container.js';

export const CONTAINER_VERSION = 1;
/** CBOR tag 55799 (self-described CBOR): the file's first three bytes. */
export const CONTAINER_MAGIC = Uint8Array.of(0xd9, 0xd9, 0xf7);
const DIGEST_BYTES = 32;

export class ContainerError extends RtinferError {
  constructor(code: 'container_truncated' | 'container_digest' | 'container_format', file: string, what: string, facts: Record<string, string | number | undefined> = {}) {
    super(code, `${file}: ${what}`, { file, ...facts });
  }
}

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true, variableMapSize: true, pack: false } as ConstructorParameters<typeof Encoder>[0]);
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true } as ConstructorParameters<typeof Decoder>[0]);


/** The CBOR head of a byte string of `length` bytes (major type 2, shortest form). */
export function byteStringHead(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length < 0x100) return Uint8Array.of(0x58, length);
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  return Uint8Array.of(0x5a, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/** The architecture as plain data: weighted layers without their weights, which travel in the blobs. */
function graphToData(graph: Graph): unknown {
  return {
    name: graph.name,
    input: graph.input,
    outputs: graph.outputs,
    layers: graph.layers.map((layer) => {
      if (layer.op === 'batchNorm') throw new RtinferError('unfolded_batch_norm', `layer "${layer.name}": fold batch norm into the convolution before writing a container`, { layer: layer.name });
      if (!isWeighted(layer)) return { ...layer };
      const { weights: _weights, bias: _bias, ...rest } = layer;
      return rest;
    }),
  };
}

export function encodeContainer(model: CompressedModel, modelId = model.graph.name): Uint8Array {
  let offset = 0;
  const codecs = model.layers.map((layer, index) => {
    const codec = {
      layer: layer.layer,
      shape: layer.shape,
      count: layer.count,
      kept: layer.kept,
      entries: layer.entries,
      weightBits: layer.weightBits,
      gapBits: layer.gapBits,
      codebook: floatBytes(layer.codebook),
      weightCodeLengths: layer.weightCodeLengths,
      gapCodeLengths: layer.gapCodeLengths,
      bias: floatBytes(layer.bias),
      gapStreamBits: layer.gapStreamBits,
      weightStreamBits: layer.weightStreamBits,
      offset,
      size: layer.blob.length,
      ...(model.int8 ? { int8: layerInt8ToData(model.int8.layers[index]!) } : {}),
    };
    offset += byteStringHead(layer.blob.length).length + layer.blob.length;
    return codec;
  });
  const inputCount = elementCount(model.graph.input.shape);
  for (const [index, input] of (model.testInputs ?? []).entries()) {
    if (input.length !== inputCount) throw new RtinferError('bad_test_input', `test input ${index} has ${input.length} values; the graph input ${JSON.stringify(model.graph.input.shape)} takes ${inputCount}`, { index, values: input.length, expected: inputCount });
  }
  const testInputs = model.testInputs?.length ? { testInputs: model.testInputs.map(floatBytes) } : {};
  const quantization = model.int8 ? { quantization: quantizationToData(model.int8.activations) } : {};
  const header = encoder.encode({ format: 'rtm', version: CONTAINER_VERSION, model: modelId, maxCodeBits: MAX_CODE_BITS, graph: graphToData(model.graph), codecs, ...testInputs, ...quantization });
  const parts: Uint8Array[] = [CONTAINER_MAGIC, byteStringHead(header.length), header];
  for (const layer of model.layers) parts.push(byteStringHead(layer.blob.length), layer.blob);
  const content = concat(parts);
  const digest = createHash('sha256').update(content).digest();
  return concat([content, byteStringHead(DIGEST_BYTES), digest]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Reads a byte-string item at `at`; returns its payload bounds, or throws naming what was expected there. */
export function readByteString(bytes: Uint8Array, at: number, file: string, what: string): { start: number; end: number } {
  const truncated = () => new ContainerError('container_truncated', file, `ends at byte ${bytes.length}, inside ${what} (at byte ${at})`, { at, length: bytes.length, expected: what });
  if (at >= bytes.length) throw truncated();
  const initial = bytes[at]!;
  if (initial >> 5 !== 2) throw new ContainerError('container_format', file, `expected ${what} (a CBOR byte string) at byte ${at}, found initial byte 0x${initial.toString(16)}`, { at, expected: what });
  const info = initial & 0x1f;
  let length: number;
  let start: number;
  if (info < 24) [length, start] = [info, at + 1];
  else if (info >= 24 && info <= 26) {
    const size = 1 << (info - 24);
    if (at + 1 + size > bytes.length) throw truncated();
    length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + bytes[at + 1 + i]!;
    start = at + 1 + size;
  } else throw new ContainerError('container_format', file, `${what} at byte ${at} has an unsupported length encoding (${info})`, { at, expected: what });
  if (start + length > bytes.length) throw truncated();
  return { start, end: start + length };
}

type Data = Record<string, unknown>;

function field<T>(file: string, where: string, object: Data, key: string, check: (value: unknown) => value is T, expected: string): T {
  const value = object[key];
  if (!check(value)) throw new ContainerError('container_format', file, `${where}: "${key}" should be ${expected}`, { where, key, expected });
  return value;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2 ** 31;
const isBits = (value: unknown): value is number => isCount(value) && value >= 1 && value <= 8;
const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const isString = (value: unknown): value is string => typeof value === 'string';
const isShape = (value: unknown): value is number[] => Array.isArray(value) && value.length > 0 && value.length <= 4 && value.every((v) => isCount(v) && v > 0);

/** Kraft sum of a code-length table ≤ 1 and every length ≤ maxCodeBits, as a decoder needs. */
function checkCodeLengths(file: string, where: string, lengths: Uint8Array): void {
  let kraft = 0;
  for (const length of lengths) {
    if (length > MAX_CODE_BITS) throw new ContainerError('container_format', file, `${where}: code length ${length} exceeds ${MAX_CODE_BITS}`, { where });
    if (length > 0) kraft += 2 ** (MAX_CODE_BITS - length);
  }
  if (kraft > 2 ** MAX_CODE_BITS) throw new ContainerError('container_format', file, `${where}: code lengths are oversubscribed (not a prefix code)`, { where });
}

function codecFromData(file: string, raw: unknown, index: number): Omit<EncodedLayer, 'blob'> & { size: number } {
  if (typeof raw !== 'object' || raw === null) throw new ContainerError('container_format', file, `codec ${index} is not a map`);
  const data = raw as Data;
  const layer = field(file, `codec ${index}`, data, 'layer', isString, 'a layer name');
  const where = `layer "${layer}"`;
  const shape = field(file, where, data, 'shape', isShape, 'a list of 1–4 positive sizes');
  const count = field(file, where, data, 'count', isCount, 'a weight count');
  if (count !== elementCount(shape)) throw new ContainerError('container_format', file, `${where}: count ${count} does not match shape [${shape.join(', ')}]`, { where });
  const weightBits = field(file, where, data, 'weightBits', isBits, 'an integer 1–8');
  const gapBits = field(file, where, data, 'gapBits', isBits, 'an integer 1–8');
  const codebookBytes = field(file, where, data, 'codebook', isBytes, 'a byte string');
  const weightCodeLengths = Uint8Array.from(field(file, where, data, 'weightCodeLengths', isBytes, 'a byte string'));
  const gapCodeLengths = Uint8Array.from(field(file, where, data, 'gapCodeLengths', isBytes, 'a byte string'));
  const biasBytes = field(file, where, data, 'bias', isBytes, 'a byte string');
  if (codebookBytes.length % 4 || codebookBytes.length / 4 > 2 ** weightBits || codebookBytes.length === 0 && count > 0 && data.entries !== 0) {
    throw new ContainerError('container_format', file, `${where}: codebook of ${codebookBytes.length} bytes does not hold up to ${2 ** weightBits} float32 values`, { where });
  }
  if (weightCodeLengths.length !== codebookBytes.length / 4) throw new ContainerError('container_format', file, `${where}: expected ${codebookBytes.length / 4} weight code lengths, got ${weightCodeLengths.length}`, { where });
  if (gapCodeLengths.length !== 2 ** gapBits) throw new ContainerError('container_format', file, `${where}: expected ${2 ** gapBits} gap code lengths, got ${gapCodeLengths.length}`, { where });
  if (biasBytes.length % 4) throw new ContainerError('container_format', file, `${where}: bias is not whole float32 values`, { where });
  checkCodeLengths(file, `${where} weight codes`, weightCodeLengths);
  checkCodeLengths(file, `${where} gap codes`, gapCodeLengths);
  return {
    layer,
    shape,
    count,
    kept: field(file, where, data, 'kept', isCount, 'a count'),
    entries: field(file, where, data, 'entries', isCount, 'a count'),
    weightBits,
    gapBits,
    codebook: floatsFrom(codebookBytes),
    weightCodeLengths,
    gapCodeLengths,
    bias: floatsFrom(biasBytes),
    gapStreamBits: field(file, where, data, 'gapStreamBits', isCount, 'a bit count'),
    weightStreamBits: field(file, where, data, 'weightStreamBits', isCount, 'a bit count'),
    size: field(file, where, data, 'size', isCount, 'a byte count'),
  };
}

const knownOps = new Set(['conv', 'dense', 'maxPool', 'avgPool', 'globalAvgPool', 'relu', 'leakyRelu', 'concat', 'add', 'flatten', 'reshape', 'softmax', 'upsample']);

/** The architecture from header data; weighted layers get empty weights until their blobs are decoded. */
function graphFromData(file: string, raw: unknown): Graph {
  const data = (typeof raw === 'object' && raw !== null ? raw : {}) as Data;
  const layersData = field(file, 'graph', data, 'layers', Array.isArray, 'a list of layers') as unknown[];
  const input = field(file, 'graph', data, 'input', (v): v is Data => typeof v === 'object' && v !== null, 'the input') as Data;
  const layers = layersData.map((rawLayer, index) => {
    const layer = (typeof rawLayer === 'object' && rawLayer !== null ? rawLayer : {}) as Data;
    const name = field(file, `graph layer ${index}`, layer, 'name', isString, 'a name');
    const op = field(file, `layer "${name}"`, layer, 'op', (v): v is string => isString(v) && knownOps.has(v), `one of ${[...knownOps].join(', ')}`);
    field(file, `layer "${name}"`, layer, 'inputs', (v): v is string[] => Array.isArray(v) && v.every(isString), 'a list of layer names');
    const weighted = op === 'conv' || op === 'dense';
    return (weighted ? { ...layer, weights: new Float32Array(0), bias: new Float32Array(0) } : layer) as unknown as Layer;
  });
  return {
    name: field(file, 'graph', data, 'name', isString, 'a name'),
    input: { name: field(file, 'graph input', input, 'name', isString, 'a name'), shape: field(file, 'graph input', input, 'shape', isShape, 'a shape') },
    layers,
    outputs: field(file, 'graph', data, 'outputs', (v): v is string[] => Array.isArray(v) && v.every(isString), 'a list of layer names'),
  };
}

export interface DecodedContainer extends CompressedModel {
  modelId: string;
  version: number;
  /** Hex SHA-256 over the bytes before the digest item (CONTAINER.md §4), as verified: the container's own check. */
  contentDigest: string;
  /** Hex SHA-256 of the whole file: what MODEL_BEGIN sends, the device verifies and MODEL_STATUS reports (SPEC.md
   *  §4.3), and what sha256sum prints. Not the content digest: that one leaves out its own 34 bytes. */
  fileSha256: string;
}

/** Parses and verifies a container; every failure is a ContainerError naming `file`, the place and what was expected. */
export function decodeContainer(bytes: Uint8Array, file = 'container'): DecodedContainer {
  // What the file is not comes first; the bytes that show it follow.
  const hex = (part: Uint8Array) => Buffer.from(part).toString('hex').replace(/(..)(?=.)/g, '$1 ');
  if (bytes.length < CONTAINER_MAGIC.length) throw new ContainerError('container_truncated', file, `not an rtinfer model container (.rtm): ${bytes.length} bytes is too short for one`, { length: bytes.length });
  if (!CONTAINER_MAGIC.every((byte, i) => bytes[i] === byte)) {
    const start = hex(bytes.subarray(0, CONTAINER_MAGIC.length));
    throw new ContainerError('container_format', file, `not an rtinfer model container (.rtm): it starts with ${start}, where every .rtm starts with the self-described CBOR tag ${hex(CONTAINER_MAGIC)}`, { start });
  }
  // Check the digest first when the trailer is where it belongs, so tampering is reported as such rather than
  // as whatever structural damage it happens to cause.
  const trailerAt = bytes.length - 2 - DIGEST_BYTES;
  let contentDigest: string | undefined;
  if (trailerAt > CONTAINER_MAGIC.length && bytes[trailerAt] === 0x58 && bytes[trailerAt + 1] === DIGEST_BYTES) {
    const actual = createHash('sha256').update(bytes.subarray(0, trailerAt)).digest('hex');
    const expected = Buffer.from(bytes.subarray(trailerAt + 2)).toString('hex');
    if (actual !== expected) throw new ContainerError('container_digest', file, `content digest mismatch: the bytes before the trailer hash (SHA-256) to ${actual}, the trailer says ${expected} (tampered or corrupted)`, { expected, actual });
    contentDigest = actual;
  }
  const headerItem = readByteString(bytes, CONTAINER_MAGIC.length, file, 'the header');
  let header: Data;
  try {
    header = decoder.decode(bytes.subarray(headerItem.start, headerItem.end)) as Data;
  } catch (error) {
    throw new ContainerError('container_format', file, `the header is not valid CBOR: ${(error as Error).message}`, {});
  }
  if (typeof header !== 'object' || header === null || header.format !== 'rtm') throw new ContainerError('container_format', file, 'the header is not an rtm header map', {});
  const version = field(file, 'header', header, 'version', isCount, 'a version number');
  if (version !== CONTAINER_VERSION) throw new ContainerError('container_format', file, `format version ${version}; this rtinfer reads version ${CONTAINER_VERSION}`, { version });
  const codecs = field(file, 'header', header, 'codecs', Array.isArray, 'a list of layer codecs') as unknown[];
  let at = headerItem.end;
  const layers: EncodedLayer[] = codecs.map((raw, index) => {
    const codec = codecFromData(file, raw, index);
    const item = readByteString(bytes, at, file, `the blob of layer "${codec.layer}"`);
    if (item.end - item.start !== codec.size) throw new ContainerError('container_format', file, `layer "${codec.layer}": blob is ${item.end - item.start} bytes, header says ${codec.size}`, { layer: codec.layer });
    at = item.end;
    const { size: _size, ...rest } = codec;
    return { ...rest, blob: bytes.slice(item.start, item.end) };
  });
  const digestItem = readByteString(bytes, at, file, 'the SHA-256 trailer');
  if (digestItem.end - digestItem.start !== DIGEST_BYTES) throw new ContainerError('container_format', file, `the trailer holds ${digestItem.end - digestItem.start} bytes, expected a ${DIGEST_BYTES}-byte SHA-256`, {});
  if (digestItem.end !== bytes.length) throw new ContainerError('container_format', file, `${bytes.length - digestItem.end} unexpected bytes after the SHA-256 trailer`, {});
  // Only reachable with the trailer in place, which was verified above.
  if (contentDigest === undefined || at !== trailerAt) throw new ContainerError('container_format', file, 'the SHA-256 trailer is not where the layers end', { at });
  const graph = graphFromData(file, header.graph);
  const weighted = new Set(graph.layers.filter(isWeighted).map((layer) => layer.name));
  const coded = new Set(layers.map((layer) => layer.layer));
  for (const name of weighted) if (!coded.has(name)) throw new ContainerError('container_format', file, `graph layer "${name}" has no codec`, { layer: name });
  for (const name of coded) if (!weighted.has(name)) throw new ContainerError('container_format', file, `codec "${name}" names no conv or dense layer of the graph`, { layer: name });
  const testInputs = readTestInputs(file, header.testInputs, elementCount(graph.input.shape));
  const int8 = int8FromData(file, header, codecs, graph);
  const fileSha256 = createHash('sha256').update(bytes).digest('hex');
  return { modelId: field(file, 'header', header, 'model', isString, 'a model id'), version, contentDigest, fileSha256, graph, layers, testInputs, ...(int8 ? { int8 } : {}) };
}

/** The model id from the header item alone: no blob is read and nothing is verified (a sealer, which checks the
 *  digest itself, names the model with it without decoding megabytes of weights). */
export function containerModelId(bytes: Uint8Array, file = 'container'): string {
  if (!CONTAINER_MAGIC.every((byte, i) => bytes[i] === byte)) throw new ContainerError('container_format', file, 'not an rtinfer model container (.rtm): no self-described CBOR tag (d9 d9 f7) at its start', {});
  const item = readByteString(bytes, CONTAINER_MAGIC.length, file, 'the header');
  let header: Data;
  try {
    header = decoder.decode(bytes.subarray(item.start, item.end)) as Data;
  } catch (error) {
    throw new ContainerError('container_format', file, `the header is not valid CBOR: ${(error as Error).message}`, {});
  }
  if (typeof header !== 'object' || header === null || header.format !== 'rtm') throw new ContainerError('container_format', file, 'the header is not an rtm header map', {});
  return field(file, 'header', header, 'model', isString, 'a model id');
}

/** The optional `testInputs` header key: float32 LE byte strings, each one graph input. */
function readTestInputs(file: string, raw: unknown, inputCount: number): Float32Array[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ContainerError('container_format', file, 'header key testInputs is not a list of byte strings', {});
  return raw.map((item: unknown, index) => {
    if (!(item instanceof Uint8Array) || item.length !== inputCount * 4) {
      throw new ContainerError('container_format', file, `test input ${index} is not ${inputCount * 4} bytes of float32 (the graph input's size)`, { index, expected: inputCount * 4 });
    }
    return floatsFrom(item);
  });
}

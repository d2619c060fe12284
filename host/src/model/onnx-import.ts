// ONNX → IR, through the official schema (onnx-proto's generated protobufjs code). Batch norm is folded into
// the convolution before it. Anything outside the IR is refused with the node's name and operator.
import onnxProto from 'onnx-proto';
import { foldBatchNorm } from './fold-batch-norm.js';
import { bytesToFloat32 } from './float32-bytes.js';
import { elementCount, type Graph, type Layer, type Pads, type Pair } from './ir.js';
import { inFile, ModelFormatError, UnsupportedOperatorError } from './model-errors.js';
import { inferShapes, layerOutputShape } from './shapes.js';
import { validateWeights } from './validate-weights.js';

type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type LongLike = number | { toNumber(): number };

const toNumber = (value: LongLike | null | undefined): number => (value == null ? 0 : typeof value === 'number' ? value : value.toNumber());
const FLOAT = 1;
const INT64 = 7;

export const SUPPORTED_OPSETS = { min: 7, max: 18 } as const;

function tensorValues(file: string, tensor: TensorProto): Float32Array {
  const dataType = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  if (dataType === FLOAT) {
    return raw && raw.length ? bytesToFloat32(raw) : Float32Array.from(tensor.floatData ?? []);
  }
  if (dataType === INT64) {
    if (raw && raw.length) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: raw.length >> 3 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
    return Float32Array.from((tensor.int64Data ?? []).map(toNumber));
  }
  throw new ModelFormatError(file, `initializer "${tensor.name}" has data type ${dataType}; expected float (1) or int64 (7)`, { tensor: tensor.name ?? '' });
}

class NodeReader {
  constructor(
    private readonly file: string,
    readonly node: NodeProto,
  ) {}

  get name(): string {
    return this.node.name || this.node.output?.[0] || this.node.opType || '?';
  }

  private attribute(name: string) {
    return this.node.attribute?.find((attribute) => attribute.name === name);
  }

  int(name: string, fallback: number): number {
    const attribute = this.attribute(name);
    return attribute ? toNumber(attribute.i) : fallback;
  }

  float(name: string, fallback: number): number {
    return this.attribute(name)?.f ?? fallback;
  }

  string(name: string, fallback: string): string {
    const bytes = this.attribute(name)?.s;
    return bytes && bytes.length ? Buffer.from(bytes).toString('utf8') : fallback;
  }

  ints(name: string): number[] | undefined {
    const attribute = this.attribute(name);
    return attribute ? (attribute.ints ?? []).map(toNumber) : undefined;
  }

  fail(what: string): never {
    throw new ModelFormatError(this.file, `node "${this.name}" (${this.node.opType}): ${what}`, { node: this.name, operator: this.node.opType ?? '' });
  }

  pair(name: string, fallback: number): Pair {
    const values = this.ints(name) ?? [fallback, fallback];
    if (values.length !== 2) this.fail(`${name} should have 2 values for a 2-D operator, got ${values.length}`);
    return [values[0]!, values[1]!];
  }

  pads(): Pads {
    const autoPad = this.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') this.fail(`auto_pad ${autoPad} is not supported; export with explicit pads`);
    const pads = this.ints('pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) this.fail(`pads should have 4 values, got ${pads.length}`);
    return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
  }
}

export function decodeOnnxModel(bytes: Uint8Array, file: string) {
  try {
    return onnxProto.onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ModelFormatError(file, `not a valid ONNX model (truncated or corrupt protobuf): ${(error as Error).message}`, { length: bytes.length });
  }
}

export function importOnnx(bytes: Uint8Array, file = 'model.onnx'): Graph {
  const model = decodeOnnxModel(bytes, file);
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new ModelFormatError(file, 'has no graph or no nodes; expected an ONNX ModelProto');
  const opset = toNumber(model.opsetImport?.find((entry) => !entry.domain || entry.domain === 'ai.onnx')?.version ?? 0);
  if (opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new ModelFormatError(file, `uses opset ${opset}; expected ${SUPPORTED_OPSETS.min}–${SUPPORTED_OPSETS.max}`, { opset });
  }
  const initializers = new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor]));
  const input = (graph.input ?? []).find((value) => !initializers.has(value.name ?? ''));
  if (!input) throw new ModelFormatError(file, 'has no graph input that is not an initializer');
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  const inputShape = dims.slice(1).map((dim) => toNumber(dim.dimValue));
  if (inputShape.length === 0 || inputShape.some((size) => !(size > 0))) {
    throw new ModelFormatError(file, `graph input "${input.name}" needs fixed sizes after the batch axis, got [${dims.map((d) => d.dimParam || toNumber(d.dimValue)).join(', ')}]`, { input: input.name ?? '' });
  }

  // Tensor name → the IR layer that produces it (the graph input keeps its own name).
  const producer = new Map<string, string>([[input.name!, input.name!]]);
  const layers: Layer[] = [];
  const usedNames = new Set<string>([input.name!]);
  // Shape arithmetic PyTorch emits around view()/reshape() (Shape, Gather, Unsqueeze, Concat, Cast) is folded
  // into constants here, since every shape is static once the input's is.
  const constants = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>([[input.name!, inputShape]]);
  const weight = (reader: NodeReader, index: number, what: string, required = true): Float32Array | undefined => {
    const name = reader.node.input?.[index];
    if (!name) {
      if (required) reader.fail(`missing ${what} (input ${index})`);
      return undefined;
    }
    const tensor = initializers.get(name);
    if (tensor) return tensorValues(file, tensor);
    const constant = constants.get(name);
    if (constant) return constant;
    return reader.fail(`${what} "${name}" must be an initializer or a Constant`);
  };
  const dataInput = (reader: NodeReader, index = 0): string => {
    const tensor = reader.node.input?.[index] ?? '';
    const layer = producer.get(tensor);
    if (!layer) reader.fail(`reads "${tensor}", which no earlier node produces`);
    return layer;
  };

  for (const node of graph.node) {
    // Annotated so that reader.fail() (returns never) narrows types after it.
    const reader: NodeReader = new NodeReader(file, node);
    const op = node.opType ?? '';
    const output = node.output?.[0] ?? '';
    let name = reader.name;
    while (usedNames.has(name)) name = `${name}_`;
    const passThrough = () => producer.set(output, dataInput(reader));
    const add = (layer: Layer) => {
      shapes.set(layer.name, inFile(file, () => layerOutputShape(layer, layer.inputs.map((source) => shapes.get(source)!), { checkWeights: false })));
      layers.push(layer);
      usedNames.add(layer.name);
      producer.set(output, layer.name);
    };
    const base = () => ({ name, inputs: [dataInput(reader)] });
    switch (op) {
      case 'Constant': {
        const tensor = node.attribute?.find((attribute) => attribute.name === 'value')?.t;
        if (!tensor) reader.fail('only tensor-valued Constants are supported');
        constants.set(output, tensorValues(file, tensor as TensorProto));
        break;
      }
      case 'Identity':
      case 'Dropout':
        passThrough();
        break;
      case 'Conv': {
        const weights = weight(reader, 1, 'weight')!;
        const shape = initializers.get(node.input![1]!)?.dims?.map(toNumber) ?? [];
        if (shape.length !== 4) reader.fail(`weight should be 4-D [out, in/groups, kH, kW], got [${shape.join(', ')}]`);
        const outChannels = shape[0]!;
        add({
          op: 'conv', ...base(), outChannels, kernel: [shape[2]!, shape[3]!], stride: reader.pair('strides', 1), pads: reader.pads(), groups: reader.int('group', 1),
          weights, bias: weight(reader, 2, 'bias', false) ?? new Float32Array(outChannels),
        });
        if (reader.ints('dilations')?.some((d) => d !== 1)) reader.fail('dilated convolution is not supported');
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const tensor = initializers.get(node.input?.[1] ?? '');
        const shape = tensor?.dims?.map(toNumber) ?? [];
        if (shape.length !== 2) reader.fail(`weight should be a 2-D initializer, got [${shape.join(', ')}]`);
        if (op === 'Gemm' && (reader.float('alpha', 1) !== 1 || reader.float('beta', 1) !== 1 || reader.int('transA', 0) !== 0)) reader.fail('only alpha = beta = 1 and transA = 0 are supported');
        const transposed = op === 'Gemm' && reader.int('transB', 0) === 1;
        let weights = weight(reader, 1, 'weight')!;
        const units = transposed ? shape[0]! : shape[1]!;
        const inputs = transposed ? shape[1]! : shape[0]!;
        if (!transposed) {
          const rowMajor = new Float32Array(weights.length);
          for (let i = 0; i < inputs; i++) for (let u = 0; u < units; u++) rowMajor[u * inputs + i] = weights[i * units + u]!;
          weights = rowMajor;
        }
        const bias = op === 'Gemm' ? weight(reader, 2, 'bias', false) : undefined;
        if (bias && bias.length !== units) reader.fail(`bias has ${bias.length} values, expected ${units} (broadcast biases are not supported)`);
        add({ op: 'dense', ...base(), units, weights, bias: bias ?? new Float32Array(units) });
        break;
      }
      case 'Relu':
        add({ op: 'relu', ...base() });
        break;
      case 'LeakyRelu':
        add({ op: 'leakyRelu', ...base(), alpha: reader.float('alpha', 0.01) });
        break;
      case 'MaxPool':
      case 'AveragePool':
        if (op === 'AveragePool' && reader.int('count_include_pad', 0) !== 0) reader.fail('count_include_pad = 1 is not supported');
        if ((node.output?.length ?? 1) > 1 && node.output![1]) reader.fail('the Indices output is not supported');
        add({ op: op === 'MaxPool' ? 'maxPool' : 'avgPool', ...base(), kernel: reader.pair('kernel_shape', 1), stride: reader.pair('strides', 1), pads: reader.pads(), ceilMode: reader.int('ceil_mode', 0) === 1 });
        break;
      case 'GlobalAveragePool':
        add({ op: 'globalAvgPool', ...base() });
        break;
      case 'Flatten':
        if (reader.int('axis', 1) !== 1) reader.fail('only axis = 1 is supported');
        add({ op: 'flatten', ...base() });
        break;
      case 'Reshape': {
        const source = dataInput(reader);
        const from = [1, ...shapes.get(source)!];
        // ONNX: 0 copies the input's size on that axis, −1 takes what is left; axis 0 is the batch.
        const target = [...weight(reader, 1, 'shape')!].map((size, axis) => (size === 0 ? from[axis] ?? 0 : size));
        const known = target.filter((size) => size !== -1).reduce((a, b) => a * b, 1);
        const resolved = target.map((size) => (size === -1 ? elementCount(from) / known : size));
        if (resolved[0] !== 1 || target.filter((size) => size === -1).length > 1) reader.fail(`cannot reshape [${from.join(', ')}] to [${target.join(', ')}] keeping a batch of 1`);
        // x.view(x.size(0), -1) before a Linear, as PyTorch writes it, is a flatten: importing it as one lets every
        // path that knows flatten's layout run it (the int8 path feeds dense layers [h, w, c] and reorders their columns).
        if (resolved.length === 2) add({ op: 'flatten', name, inputs: [source] });
        else add({ op: 'reshape', name, inputs: [source], shape: resolved.slice(1) });
        break;
      }
      case 'Shape': {
        const tensor = node.input?.[0] ?? '';
        const layer = producer.get(tensor);
        if (!layer) reader.fail(`reads "${tensor}", which no earlier node produces`);
        constants.set(output, Float32Array.from([1, ...shapes.get(layer)!]));
        break;
      }
      case 'Gather': {
        const data = constants.get(node.input?.[0] ?? '');
        const indices = constants.get(node.input?.[1] ?? '');
        if (!data || !indices || reader.int('axis', 0) !== 0) reader.fail('only Gather on constant shapes (axis 0) is supported');
        constants.set(output, indices.map((index) => data[index < 0 ? data.length + index : index] ?? NaN));
        break;
      }
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Cast': {
        const value = constants.get(node.input?.[0] ?? '');
        if (!value) reader.fail(`${op} is only supported on constant shapes`);
        constants.set(output, value);
        break;
      }
      case 'Softmax':
        add({ op: 'softmax', ...base() });
        break;
      case 'Concat':
        if ((node.input ?? []).every((tensor) => constants.has(tensor))) {
          constants.set(output, Float32Array.from((node.input ?? []).flatMap((tensor) => [...constants.get(tensor)!])));
          break;
        }
        if (reader.int('axis', 1) !== 1) reader.fail('only concatenation along channels (axis 1) is supported');
        add({ op: 'concat', name, inputs: (node.input ?? []).map((_, i) => dataInput(reader, i)) });
        break;
      case 'Add':
        add({ op: 'add', name, inputs: (node.input ?? []).map((_, i) => dataInput(reader, i)) });
        break;
      case 'Upsample':
      case 'Resize': {
        if (reader.string('mode', 'nearest') !== 'nearest') reader.fail('only nearest-neighbour resizing is supported');
        const scales = weight(reader, op === 'Resize' ? 2 : 1, 'scales')!;
        const scale = scales[2] ?? 0;
        if (!Number.isInteger(scale) || scale < 1 || scales[3] !== scale) reader.fail(`only equal integer spatial scales are supported, got [${[...scales].join(', ')}]`);
        add({ op: 'upsample', ...base(), scale });
        break;
      }
      case 'BatchNormalization':
        add({
          op: 'batchNorm', ...base(), scale: weight(reader, 1, 'scale')!, bias: weight(reader, 2, 'bias')!, mean: weight(reader, 3, 'mean')!, variance: weight(reader, 4, 'variance')!,
          epsilon: reader.float('epsilon', 1e-5),
        });
        break;
      default:
        throw new UnsupportedOperatorError(file, op, reader.name);
    }
  }
  const outputs = (graph.output ?? []).map((value) => {
    const layer = producer.get(value.name ?? '');
    if (!layer) throw new ModelFormatError(file, `graph output "${value.name}" is not produced by any node`, { output: value.name ?? '' });
    return layer;
  });
  validateWeights(file, layers);
  const imported = foldBatchNorm({ name: graph.name || file.replace(/^.*\//, '').replace(/\.onnx$/, ''), input: { name: input.name!, shape: inputShape }, layers, outputs });
  if (layers.some((layer) => layer.op === 'batchNorm')) validateWeights(file, imported.layers, 'after folding batch norm into it');
  inFile(file, () => inferShapes(imported));
  return imported;
}

// IR → ONNX (opset 13), through the official schema, in the form PyTorch's exporter writes: NCHW with a batch
// axis of 1, Conv/Gemm weights as initializers, dense layers behind a Flatten when their input is a map.
import onnxProto from 'onnx-proto';
import { float32ToBytes } from './float32-bytes.js';
import { elementCount, type Graph, type Layer } from './ir.js';
import { inferShapes } from './shapes.js';

type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

export const EXPORT_OPSET = 13;
const { AttributeType } = onnxProto.onnx.AttributeProto;

const ints = (name: string, values: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, value: number): AttributeProto => ({ name, type: AttributeType.INT, i: value });
const float = (name: string, value: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f: value });
const text = (name: string, value: string): AttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(value) });

function floatTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return { name, dims, dataType: onnxProto.onnx.TensorProto.DataType.FLOAT, rawData: float32ToBytes(values) };
}

function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], dataType: onnxProto.onnx.TensorProto.DataType.INT64, int64Data: values };
}

const valueInfo = (name: string, shape: number[]) => ({
  name,
  type: { tensorType: { elemType: onnxProto.onnx.TensorProto.DataType.FLOAT, shape: { dim: [1, ...shape].map((dimValue) => ({ dimValue })) } } },
});

export function exportOnnx(graph: Graph): Uint8Array {
  const shapes = inferShapes(graph);
  const nodes: NodeProto[] = [];
  const initializer: TensorProto[] = [];
  const node = (layer: Layer, opType: string, inputs: string[], attribute: AttributeProto[] = []) =>
    nodes.push({ name: layer.name, opType, input: inputs, output: [layer.name], attribute });
  for (const layer of graph.layers) {
    const [first = ''] = layer.inputs;
    switch (layer.op) {
      case 'conv': {
        const inChannels = shapes.get(first)![0]! / layer.groups;
        initializer.push(floatTensor(`${layer.name}.weight`, [layer.outChannels, inChannels, ...layer.kernel], layer.weights), floatTensor(`${layer.name}.bias`, [layer.outChannels], layer.bias));
        node(layer, 'Conv', [first, `${layer.name}.weight`, `${layer.name}.bias`], [ints('kernel_shape', layer.kernel), ints('strides', layer.stride), ints('pads', layer.pads), int('group', layer.groups), ints('dilations', [1, 1])]);
        break;
      }
      case 'dense': {
        let source = first;
        const inputs = elementCount(shapes.get(first)!);
        if (shapes.get(first)!.length !== 1) {
          source = `${layer.name}.flatten`;
          nodes.push({ name: source, opType: 'Flatten', input: [first], output: [source], attribute: [int('axis', 1)] });
        }
        initializer.push(floatTensor(`${layer.name}.weight`, [layer.units, inputs], layer.weights), floatTensor(`${layer.name}.bias`, [layer.units], layer.bias));
        node(layer, 'Gemm', [source, `${layer.name}.weight`, `${layer.name}.bias`], [float('alpha', 1), float('beta', 1), int('transB', 1)]);
        break;
      }
      case 'relu':
        node(layer, 'Relu', [first]);
        break;
      case 'leakyRelu':
        node(layer, 'LeakyRelu', [first], [float('alpha', layer.alpha)]);
        break;
      case 'maxPool':
      case 'avgPool':
        node(layer, layer.op === 'maxPool' ? 'MaxPool' : 'AveragePool', [first], [
          ints('kernel_shape', layer.kernel), ints('strides', layer.stride), ints('pads', layer.pads), int('ceil_mode', layer.ceilMode ? 1 : 0),
          ...(layer.op === 'avgPool' ? [int('count_include_pad', 0)] : []),
        ]);
        break;
      case 'globalAvgPool':
        node(layer, 'GlobalAveragePool', [first]);
        break;
      case 'flatten':
        node(layer, 'Flatten', [first], [int('axis', 1)]);
        break;
      case 'reshape':
        initializer.push(int64Tensor(`${layer.name}.shape`, [1, ...layer.shape]));
        node(layer, 'Reshape', [first, `${layer.name}.shape`]);
        break;
      case 'softmax':
        node(layer, 'Softmax', [first], [int('axis', 1)]);
        break;
      case 'concat':
        node(layer, 'Concat', layer.inputs, [int('axis', 1)]);
        break;
      case 'add':
        node(layer, 'Add', layer.inputs);
        break;
      case 'upsample':
        initializer.push(floatTensor(`${layer.name}.scales`, [4], Float32Array.of(1, 1, layer.scale, layer.scale)));
        node(layer, 'Resize', [first, '', `${layer.name}.scales`], [text('mode', 'nearest'), text('coordinate_transformation_mode', 'asymmetric'), text('nearest_mode', 'floor')]);
        break;
      case 'batchNorm':
        initializer.push(
          floatTensor(`${layer.name}.scale`, [layer.scale.length], layer.scale), floatTensor(`${layer.name}.bias`, [layer.bias.length], layer.bias),
          floatTensor(`${layer.name}.mean`, [layer.mean.length], layer.mean), floatTensor(`${layer.name}.variance`, [layer.variance.length], layer.variance),
        );
        node(layer, 'BatchNormalization', [first, ...['scale', 'bias', 'mean', 'variance'].map((part) => `${layer.name}.${part}`)], [float('epsilon', layer.epsilon)]);
        break;
    }
  }
  const model = onnxProto.onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'rtinfer',
    opsetImport: [{ domain: '', version: EXPORT_OPSET }],
    graph: {
      name: graph.name,
      node: nodes,
      initializer,
      input: [valueInfo(graph.input.name, graph.input.shape)],
      output: graph.outputs.map((output) => valueInfo(output, shapes.get(output)!)),
    },
  });
  return onnxProto.onnx.ModelProto.encode(model).finish();
}

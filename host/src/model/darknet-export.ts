// IR → Darknet .cfg + .weights (format 0.2, 64-bit "seen"). Layers darknet cannot express (ceil-mode or
// non-global average pools, standalone activations that do not follow a conv or fc) are refused by name.
import { RtinferError } from '../errors.js';
import type { Graph, Layer } from './ir.js';
import { formatCfg } from './darknet-cfg.js';
import { float32ToBytes } from './float32-bytes.js';
import { inferShapes } from './shapes.js';

type Section = { type: string; options: Array<[string, string | number]> };

export class NotExpressibleError extends RtinferError {
  constructor(format: string, layer: string, why: string) {
    super('not_expressible', `layer "${layer}" cannot be written as ${format}: ${why}`, { format, layer });
  }
}

/** yolov3-tiny's detection head settings, used for every output of a multi-output (detector) graph. */
function yoloSection(channels: number, outputIndex: number): Section {
  const masks = ['3,4,5', '0,1,2'];
  return {
    type: 'yolo',
    options: [['mask', masks[outputIndex] ?? '0,1,2'], ['anchors', '10,14,  23,27,  37,58,  81,82,  135,169,  344,319'], ['classes', channels / 3 - 5], ['num', 6], ['jitter', '.3'], ['ignore_thresh', '.7'], ['truth_thresh', 1], ['random', 1]],
  };
}

export function exportDarknet(graph: Graph): { cfg: string; weights: Uint8Array } {
  const shapes = inferShapes(graph);
  const [channels, height, width] = graph.input.shape;
  if (graph.input.shape.length !== 3) throw new NotExpressibleError('darknet', graph.input.name, 'darknet inputs are [channels, height, width] images');
  const sections: Section[] = [{ type: 'net', options: [['batch', 1], ['subdivisions', 1], ['width', width!], ['height', height!], ['channels', channels!]] }];
  const floats: Float32Array[] = [];
  const indexOf = new Map<string, number>([[graph.input.name, -1]]);
  const readers = new Map<string, Layer[]>();
  for (const layer of graph.layers) for (const input of layer.inputs) readers.set(input, [...(readers.get(input) ?? []), layer]);
  const multiOutput = graph.outputs.length > 1;
  let last = -1;
  const emit = (section: Section, ...names: string[]) => {
    sections.push(section);
    last = sections.length - 2;
    for (const name of names) indexOf.set(name, last);
  };
  /** Darknet layers read the previous layer; anything else needs a route first. */
  const from = (name: string) => {
    const index = indexOf.get(name);
    if (index === undefined) throw new NotExpressibleError('darknet', name, 'is read before it is written');
    if (index !== last) emit({ type: 'route', options: [['layers', index]] });
  };
  const fusedActivation = (layer: Layer): { activation: string; absorbed?: Layer } => {
    const next = readers.get(layer.name);
    const only = next?.length === 1 && !graph.outputs.includes(layer.name) ? next[0] : undefined;
    if (only?.op === 'leakyRelu') return { activation: 'leaky', absorbed: only };
    if (only?.op === 'relu') return { activation: 'relu', absorbed: only };
    return { activation: 'linear' };
  };
  const absorbed = new Set<string>();

  for (const layer of graph.layers) {
    if (absorbed.has(layer.name)) continue;
    const [first = ''] = layer.inputs;
    switch (layer.op) {
      case 'conv': {
        const [top, left, bottom, right] = layer.pads;
        if (top !== left || top !== bottom || top !== right || layer.kernel[0] !== layer.kernel[1] || layer.stride[0] !== layer.stride[1]) {
          throw new NotExpressibleError('darknet', layer.name, 'darknet convolutions are square with symmetric padding');
        }
        from(first);
        const { activation, absorbed: fused } = fusedActivation(layer);
        if (fused) absorbed.add(fused.name);
        emit(
          { type: 'convolutional', options: [['batch_normalize', 0], ['filters', layer.outChannels], ['size', layer.kernel[0]], ['stride', layer.stride[0]], ['padding', top], ...(layer.groups > 1 ? [['groups', layer.groups] as [string, number]] : []), ['activation', activation]] },
          layer.name,
          ...(fused ? [fused.name] : []),
        );
        floats.push(layer.bias, layer.weights);
        break;
      }
      case 'dense': {
        from(first);
        const { activation, absorbed: fused } = fusedActivation(layer);
        if (fused) absorbed.add(fused.name);
        emit({ type: 'connected', options: [['output', layer.units], ['activation', activation]] }, layer.name, ...(fused ? [fused.name] : []));
        floats.push(layer.bias, layer.weights);
        break;
      }
      case 'maxPool': {
        const padding = layer.pads[0] + layer.pads[2];
        const before = Math.floor(padding / 2);
        if (layer.ceilMode || layer.kernel[0] !== layer.kernel[1] || layer.stride[0] !== layer.stride[1] || layer.pads[0] !== before || layer.pads[1] !== before || layer.pads[3] !== layer.pads[2]) {
          throw new NotExpressibleError('darknet', layer.name, 'darknet max pools are square, round down, and pad floor(p/2) before and the rest after');
        }
        from(first);
        emit({ type: 'maxpool', options: [['size', layer.kernel[0]], ['stride', layer.stride[0]], ['padding', padding]] }, layer.name);
        break;
      }
      case 'globalAvgPool':
        from(first);
        emit({ type: 'avgpool', options: [] }, layer.name);
        break;
      case 'softmax':
        from(first);
        emit({ type: 'softmax', options: [['groups', 1]] }, layer.name);
        break;
      case 'upsample':
        from(first);
        emit({ type: 'upsample', options: [['stride', layer.scale]] }, layer.name);
        break;
      case 'concat':
        emit({ type: 'route', options: [['layers', layer.inputs.map((input) => indexOf.get(input)!).join(',')]] }, layer.name);
        break;
      case 'add': {
        const [a = '', b = ''] = layer.inputs;
        const [main, other] = indexOf.get(a) === last ? [a, b] : [b, a];
        from(main);
        emit({ type: 'shortcut', options: [['from', indexOf.get(other)!], ['activation', 'linear']] }, layer.name);
        break;
      }
      case 'flatten':
      case 'reshape':
        // Darknet activations are flat already.
        indexOf.set(layer.name, indexOf.get(first)!);
        break;
      default:
        throw new NotExpressibleError('darknet', layer.name, `darknet has no ${layer.op} layer here`);
    }
    if (multiOutput && graph.outputs.includes(layer.name)) emit(yoloSection(shapes.get(layer.name)![0]!, graph.outputs.indexOf(layer.name)));
  }

  const total = floats.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(20 + total * 4);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, 0, true);
  view.setInt32(4, 2, true);
  view.setInt32(8, 0, true);
  view.setBigUint64(12, 0n, true);
  let at = 20;
  for (const part of floats) {
    bytes.set(float32ToBytes(part), at);
    at += part.length * 4;
  }
  return { cfg: formatCfg(sections), weights: bytes };
}

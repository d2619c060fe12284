// Darknet .cfg + .weights → IR. The weights file is the header (major, minor, revision, seen) then, per
// convolutional or connected layer in cfg order: biases, then scales/mean/variance when batch_normalize=1,
// then the weights. Batch norm is folded into the layer with darknet's own formula.
import { RtinferError } from '../errors.js';
import { elementCount, type Graph, type Layer } from './ir.js';
import { inFile, ModelFormatError } from './model-errors.js';
import { parseCfg, type CfgSection } from './darknet-cfg.js';
import { bytesToFloat32 } from './float32-bytes.js';
import { layerOutputShape } from './shapes.js';
import { WeightsCheck } from './validate-weights.js';
import { DARKNET_LEAKY_SLOPE } from './zoo/builder.js';

export class DarknetWeightsSizeError extends RtinferError {
  constructor(weightsFile: string, cfgFile: string, expectedBytes: number, actualBytes: number, layer?: string) {
    super(
      'darknet_weights_size',
      layer
        ? `${weightsFile}: ends inside layer "${layer}": ${cfgFile} needs ${expectedBytes} bytes of weights, the file has ${actualBytes}`
        : `${weightsFile}: ${actualBytes} bytes of weights, but ${cfgFile} needs exactly ${expectedBytes}`,
      { file: weightsFile, cfg: cfgFile, expectedBytes, actualBytes, layer },
    );
  }
}

/** Reads float32 values in order from the weights file, reporting the layer that runs out. */
class WeightsReader {
  private at: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly cfgFile: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 16) throw new ModelFormatError(file, `${bytes.length} bytes is too short for a darknet weights header (at least 16)`, { length: bytes.length });
    const major = this.view.getInt32(0, true);
    const minor = this.view.getInt32(4, true);
    // "seen" grew from 32 to 64 bits in format 0.2.
    this.at = major * 10 + minor >= 2 ? 20 : 16;
    if (major > 1000 || minor > 1000) throw new ModelFormatError(file, `header says version ${major}.${minor}: not a darknet weights file`, { major, minor });
  }

  /** The first layer that ran out of bytes; reading goes on (with zeros) so the error can give the full size. */
  private shortAt: string | undefined;

  floats(count: number, layer: string): Float32Array {
    let out: Float32Array = new Float32Array(count);
    if (this.at + count * 4 > this.bytes.length) this.shortAt ??= layer;
    else out = bytesToFloat32(this.bytes, this.at, count);
    this.at += count * 4;
    return out;
  }

  finish(): void {
    if (this.at !== this.bytes.length) throw new DarknetWeightsSizeError(this.file, this.cfgFile, this.at, this.bytes.length, this.shortAt);
  }
}

export function importDarknet(cfgText: string, weights: Uint8Array, cfgFile = 'model.cfg', weightsFile = 'model.weights'): Graph {
  const sections = parseCfg(cfgText);
  const net = sections[0];
  if (!net || (net.type !== 'net' && net.type !== 'network')) throw new ModelFormatError(cfgFile, 'must start with a [net] section');
  const integer = (section: CfgSection, key: string, fallback?: number): number => {
    const text = section.options.get(key);
    if (text === undefined) {
      if (fallback === undefined) throw new ModelFormatError(cfgFile, `line ${section.line}: [${section.type}] needs ${key}=`, { line: section.line, key });
      return fallback;
    }
    const value = Number(text);
    if (!Number.isInteger(value)) throw new ModelFormatError(cfgFile, `line ${section.line}: ${key}=${text} is not an integer`, { line: section.line, key });
    return value;
  };
  const inputShape = [integer(net, 'channels', 3), integer(net, 'height'), integer(net, 'width')];
  const reader = new WeightsReader(weights, weightsFile, cfgFile);
  // Tensors by darknet's own names, as the file holds them; then what folding batch norm made of them.
  const stored = new WeightsCheck(weightsFile);
  const folded = new WeightsCheck(weightsFile, 'after folding batch norm into it');
  const layers: Layer[] = [];
  const shapes = new Map<string, number[]>([['input', inputShape]]);
  // Darknet layer index → the IR layer holding its output.
  const outputOf: string[] = [];
  const outputs: string[] = [];
  let previous = 'input';

  const add = (layer: Layer): string => {
    shapes.set(layer.name, layerOutputShape(layer, layer.inputs.map((input) => shapes.get(input)!), { checkWeights: false }));
    layers.push(layer);
    return layer.name;
  };
  const activation = (section: CfgSection, source: string): string => {
    const kind = section.options.get('activation') ?? 'logistic';
    if (kind === 'linear') return source;
    if (kind === 'leaky') return add({ op: 'leakyRelu', name: `${source}_leaky`, inputs: [source], alpha: DARKNET_LEAKY_SLOPE });
    if (kind === 'relu') return add({ op: 'relu', name: `${source}_relu`, inputs: [source] });
    throw new ModelFormatError(cfgFile, `line ${section.line}: activation=${kind} is not supported (linear, leaky, relu)`, { line: section.line, activation: kind });
  };
  const layerIndex = (section: CfgSection, index: number, text: string): string => {
    const value = Number(text.trim());
    const target = value < 0 ? index + value : value;
    const name = outputOf[target];
    if (!Number.isInteger(value) || name === undefined) throw new ModelFormatError(cfgFile, `line ${section.line}: [${section.type}] refers to layer ${text.trim()}, which is not an earlier layer`, { line: section.line });
    return name;
  };
  /** Reads biases, optional batch norm and weights; returns them with the batch norm folded in. */
  const readParameters = (section: CfgSection, name: string, outputs: number, perOutput: number) => {
    const bias = reader.floats(outputs, name);
    const weightsOut = new Float32Array(outputs * perOutput);
    let scales: Float32Array | undefined;
    let mean: Float32Array | undefined;
    let variance: Float32Array | undefined;
    if (integer(section, 'batch_normalize', 0)) {
      scales = reader.floats(outputs, name);
      mean = reader.floats(outputs, name);
      variance = reader.floats(outputs, name);
    }
    weightsOut.set(reader.floats(outputs * perOutput, name));
    stored.finite(name, { biases: bias, scales, rolling_mean: mean, rolling_variance: variance, weights: weightsOut }).variance(name, variance);
    if (scales && mean && variance) {
      for (let o = 0; o < outputs; o++) {
        // darknet normalises as (x − mean) / (sqrt(variance) + .000001f), then scales and adds the bias.
        const factor = scales[o]! / (Math.sqrt(variance[o]!) + 0.000001);
        for (let i = 0; i < perOutput; i++) weightsOut[o * perOutput + i]! *= factor;
        bias[o] = bias[o]! - mean[o]! * factor;
      }
      folded.finite(name, { biases: bias, weights: weightsOut });
    }
    return { weights: weightsOut, bias };
  };

  inFile(cfgFile, () => sections.slice(1).forEach((section, index) => {
    const input = previous;
    const inShape = shapes.get(input)!;
    let output: string;
    switch (section.type) {
      case 'convolutional':
      case 'conv': {
        const name = `conv${index}`;
        const filters = integer(section, 'filters');
        const size = integer(section, 'size', 1);
        const stride = integer(section, 'stride', 1);
        const groups = integer(section, 'groups', 1);
        const pad = section.options.has('padding') ? integer(section, 'padding') : integer(section, 'pad', 0) ? Math.floor(size / 2) : 0;
        const perOutput = (inShape[0]! / groups) * size * size;
        const { weights: w, bias } = readParameters(section, name, filters, perOutput);
        output = activation(section, add({ op: 'conv', name, inputs: [input], outChannels: filters, kernel: [size, size], stride: [stride, stride], pads: [pad, pad, pad, pad], groups, weights: w, bias }));
        break;
      }
      case 'connected': {
        const name = `fc${index}`;
        const units = integer(section, 'output');
        const { weights: w, bias } = readParameters(section, name, units, elementCount(inShape));
        output = activation(section, add({ op: 'dense', name, inputs: [input], units, weights: w, bias }));
        break;
      }
      case 'maxpool': {
        const size = integer(section, 'size', 1);
        const stride = integer(section, 'stride', size);
        const padding = integer(section, 'padding', size - 1);
        const before = Math.floor(padding / 2);
        output = add({ op: 'maxPool', name: `pool${index}`, inputs: [input], kernel: [size, size], stride: [stride, stride], pads: [before, before, padding - before, padding - before], ceilMode: false });
        break;
      }
      case 'avgpool':
        output = add({ op: 'globalAvgPool', name: `avgpool${index}`, inputs: [input] });
        break;
      case 'softmax':
        output = add({ op: 'softmax', name: `softmax${index}`, inputs: [input] });
        break;
      case 'upsample':
        output = add({ op: 'upsample', name: `upsample${index}`, inputs: [input], scale: integer(section, 'stride', 2) });
        break;
      case 'route': {
        const sources = (section.options.get('layers') ?? '').split(',').filter((s) => s.trim()).map((text) => layerIndex(section, index, text));
        if (sources.length === 0) throw new ModelFormatError(cfgFile, `line ${section.line}: [route] needs layers=`, { line: section.line });
        output = sources.length === 1 ? sources[0]! : add({ op: 'concat', name: `route${index}`, inputs: sources });
        break;
      }
      case 'shortcut': {
        const from = layerIndex(section, index, section.options.get('from') ?? '');
        output = activation(section.options.has('activation') ? section : { ...section, options: new Map([['activation', 'linear']]) }, add({ op: 'add', name: `shortcut${index}`, inputs: [input, from] }));
        break;
      }
      case 'yolo':
      case 'region':
      case 'detection':
        outputs.push(input);
        output = input;
        break;
      case 'dropout':
        output = input;
        break;
      default:
        throw new ModelFormatError(cfgFile, `line ${section.line}: section [${section.type}] is not supported`, { line: section.line, section: section.type });
    }
    outputOf.push(output);
    previous = output;
  }));
  reader.finish();
  stored.done();
  folded.done();
  if (outputs.length === 0 || !outputs.includes(previous)) {
    if (sections.at(-1)?.type !== 'yolo') outputs.push(previous);
  }
  return { name: cfgFile.replace(/^.*\//, '').replace(/\.cfg$/, ''), input: { name: 'input', shape: inputShape }, layers, outputs };
}

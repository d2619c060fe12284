// A small builder for zoo architectures: tracks shapes as layers are added, and gives each weighted
// layer He-normal weights drawn lazily (on first read) from a seed derived from the model seed and the layer.
import { elementCount, type Graph, type Layer, type Pads } from '../ir.js';
import { heNormal, seededRandom } from '../random.js';
import { layerOutputShape } from '../shapes.js';

/** Darknet's leaky slope is the C float 0.1f; keeping it exact makes exports read back bit for bit. */
export const DARKNET_LEAKY_SLOPE = Math.fround(0.1);

interface WindowOptions {
  stride?: number;
  pad?: number | Pads;
  from?: string;
}

function padsOf(pad: number | Pads | undefined): Pads {
  if (Array.isArray(pad)) return pad;
  const p = pad ?? 0;
  return [p, p, p, p];
}

/** Defines `weights` as a lazily drawn, cached He-normal tensor, so big architectures cost nothing until used. */
function lazyHeNormal(layer: Layer & { weights: Float32Array }, count: number, fanIn: number, seed: number): void {
  let cached: Float32Array | undefined;
  Object.defineProperty(layer, 'weights', {
    enumerable: true,
    configurable: true,
    get: () => (cached ??= heNormal(count, fanIn, seededRandom(seed))),
    set: (value: Float32Array) => {
      cached = value;
    },
  });
}

export class ZooBuilder {
  private readonly layers: Layer[] = [];
  private readonly shapes = new Map<string, number[]>();
  private current: string;

  constructor(
    private readonly name: string,
    private readonly inputShape: number[],
    private readonly seed: number,
  ) {
    this.current = 'input';
    this.shapes.set('input', inputShape);
  }

  shapeOf(name = this.current): number[] {
    return this.shapes.get(name)!;
  }

  get last(): string {
    return this.current;
  }

  add(layer: Layer): this {
    const shape = layerOutputShape(layer, layer.inputs.map((input) => this.shapeOf(input)), { checkWeights: false });
    this.layers.push(layer);
    this.shapes.set(layer.name, shape);
    this.current = layer.name;
    return this;
  }

  conv(name: string, outChannels: number, kernel: number, options: WindowOptions & { groups?: number } = {}): this {
    const from = options.from ?? this.current;
    const inChannels = this.shapeOf(from)[0]!;
    const groups = options.groups ?? 1;
    const fanIn = (inChannels / groups) * kernel * kernel;
    const layer = {
      op: 'conv' as const,
      name,
      inputs: [from],
      outChannels,
      kernel: [kernel, kernel] as [number, number],
      stride: [options.stride ?? 1, options.stride ?? 1] as [number, number],
      pads: padsOf(options.pad),
      groups,
      weights: new Float32Array(0),
      bias: new Float32Array(outChannels),
    };
    lazyHeNormal(layer, outChannels * fanIn, fanIn, this.layerSeed());
    return this.add(layer);
  }

  dense(name: string, units: number, from = this.current): this {
    const fanIn = elementCount(this.shapeOf(from));
    const layer = { op: 'dense' as const, name, inputs: [from], units, weights: new Float32Array(0), bias: new Float32Array(units) };
    lazyHeNormal(layer, units * fanIn, fanIn, this.layerSeed());
    return this.add(layer);
  }

  relu(name = `${this.current}_relu`): this {
    return this.add({ op: 'relu', name, inputs: [this.current] });
  }

  leakyRelu(name = `${this.current}_leaky`, alpha = DARKNET_LEAKY_SLOPE): this {
    return this.add({ op: 'leakyRelu', name, inputs: [this.current], alpha });
  }

  pool(op: 'maxPool' | 'avgPool', name: string, kernel: number, options: WindowOptions & { ceilMode?: boolean } = {}): this {
    const stride = options.stride ?? kernel;
    return this.add({ op, name, inputs: [options.from ?? this.current], kernel: [kernel, kernel], stride: [stride, stride], pads: padsOf(options.pad), ceilMode: options.ceilMode ?? false });
  }

  simple(op: 'globalAvgPool' | 'flatten' | 'softmax', name: string, from = this.current): this {
    return this.add({ op, name, inputs: [from] });
  }

  join(op: 'concat' | 'add', name: string, inputs: string[]): this {
    return this.add({ op, name, inputs });
  }

  upsample(name: string, scale: number): this {
    return this.add({ op: 'upsample', name, inputs: [this.current], scale });
  }

  build(outputs: string[] = [this.current]): Graph {
    return { name: this.name, input: { name: 'input', shape: this.inputShape }, layers: this.layers, outputs };
  }

  private layerSeed(): number {
    // Distinct, reproducible stream per (model seed, layer position).
    return (Math.imul(this.seed + 1, 0x9e3779b1) ^ Math.imul(this.layers.length + 1, 0x85ebca77)) >>> 0;
  }
}

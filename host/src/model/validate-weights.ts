// Refuses parameters no device can compute with: a NaN or ±Infinity in a layer's tensors, or a batch-norm
// variance below zero (its square root is NaN). Left in, either makes every output NaN, while the container,
// `inspect` and `fit` look normal. The importers check the parameters as the file holds them, before batch
// norm is folded (folding would turn a negative variance into anonymous NaN weights of the conv), and the
// folded graph once more (a tiny variance under a large scale can overflow float32 there).
import { RtinferError } from '../errors.js';
import type { Layer } from './ir.js';

type Tensors = Record<string, Float32Array | undefined>;

interface Problem {
  code: 'non_finite_weights' | 'negative_variance';
  layer: string;
  message: string;
  facts: Record<string, string | number>;
}

export class InvalidWeightsError extends RtinferError {
  constructor(file: string, first: Problem, all: Problem[]) {
    const others = [...new Set(all.map((problem) => problem.layer).filter((layer) => layer !== first.layer))];
    const more = others.length ? `; ${others.length} more layer${others.length === 1 ? '' : 's'} too (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''})` : '';
    super(first.code, `${file}: layer "${first.layer}" ${first.message}, so every output would be NaN${more}`, {
      file,
      layer: first.layer,
      ...first.facts,
      layersAffected: others.length + 1,
    });
  }
}

/** Collects the problems of every layer and refuses the model, naming the first layer, in `done()`. */
export class WeightsCheck {
  private readonly problems: Problem[] = [];

  /** @param context what happened to the values before this check, for the message (e.g. "after folding batch norm"). */
  constructor(
    private readonly file: string,
    private readonly context = '',
  ) {}

  /** Every value of every tensor must be finite; tensors are named as the model's format names them. */
  finite(layer: string, tensors: Tensors): this {
    for (const [tensor, values] of Object.entries(tensors)) {
      if (!values) continue;
      let nan = 0;
      let infinite = 0;
      let firstIndex = -1;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (Number.isFinite(value)) continue;
        if (Number.isNaN(value)) nan++;
        else infinite++;
        if (firstIndex < 0) firstIndex = i;
      }
      const count = nan + infinite;
      if (count === 0) continue;
      const kinds = [nan && `${nan} NaN`, infinite && `${infinite} ±Infinity`].filter(Boolean).join(', ');
      this.problems.push({
        code: 'non_finite_weights',
        layer,
        message: `has ${count} non-finite value${count === 1 ? '' : 's'} in its ${tensor}${this.context ? ` ${this.context}` : ''} (${kinds}; the first at index ${firstIndex} of ${values.length})`,
        facts: { tensor, count, nan, infinite, firstIndex, size: values.length },
      });
    }
    return this;
  }

  /** A variance is a mean of squares: below zero it is corrupt, and sqrt() of it is NaN. */
  variance(layer: string, variance: Float32Array | undefined): this {
    if (!variance) return this;
    let count = 0;
    let firstIndex = -1;
    for (let c = 0; c < variance.length; c++) {
      if (!(variance[c]! < 0)) continue;
      count++;
      if (firstIndex < 0) firstIndex = c;
    }
    if (count) {
      this.problems.push({
        code: 'negative_variance',
        layer,
        message: `has ${count} negative batch-norm variance${count === 1 ? '' : 's'} (the first, ${variance[firstIndex]}, at channel ${firstIndex} of ${variance.length})`,
        facts: { count, firstIndex, firstValue: variance[firstIndex]!, channels: variance.length },
      });
    }
    return this;
  }

  /** The parameters of IR layers: weights and bias of conv and dense, all four tensors and epsilon of batch norm. */
  layers(layers: readonly Layer[]): this {
    for (const layer of layers) {
      if (layer.op === 'conv' || layer.op === 'dense') this.finite(layer.name, { weights: layer.weights, bias: layer.bias });
      if (layer.op === 'batchNorm') {
        this.finite(layer.name, { scale: layer.scale, bias: layer.bias, mean: layer.mean, variance: layer.variance, epsilon: Float32Array.of(layer.epsilon) });
        this.variance(layer.name, layer.variance);
      }
    }
    return this;
  }

  done(): void {
    const first = this.problems[0];
    if (first) throw new InvalidWeightsError(this.file, first, this.problems);
  }
}

/** Refuses `layers` if any parameter is non-finite or any batch-norm variance negative. */
export function validateWeights(file: string, layers: readonly Layer[], context = ''): void {
  new WeightsCheck(file, context).layers(layers).done();
}

/**
 * A container's layers (shared weights and biases): one written before import validation, or by other tools,
 * may carry NaN; `inspect` refuses it as an import would, instead of showing its table as normal.
 */
export function validateContainerWeights(file: string, layers: readonly { layer: string; codebook?: Float32Array; bias?: Float32Array }[]): void {
  const check = new WeightsCheck(file);
  for (const layer of layers) check.finite(layer.layer, { codebook: layer.codebook, bias: layer.bias });
  check.done();
}

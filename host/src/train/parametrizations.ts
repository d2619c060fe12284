// What Deep Compression's retraining trains (Han et al. 2016, §2 and §3.2):
// - after pruning, the surviving weights, with the mask fixed: pruned weights get no gradient and stay zero;
// - after weight sharing, the centroids: each layer's weights are gather(codebook, assignment), so TensorFlow's
//   gather gradient makes each centroid's gradient the sum of its members' gradients, and no assignment changes.
// Biases stay trainable in both (the container keeps them in fp32).
import type { WeightedLayer } from '../model/ir.js';
import type { TrainableGraph } from './graph.js';
import { tf, type Tensor, type Variable } from './tf.js';
import type { Parametrization } from './trainer.js';

/** 1 where a weight survives, 0 where it is pruned, per weighted layer, in IR layout. */
export type Masks = Map<string, Float32Array>;

export function maskedParametrization(model: TrainableGraph, masks: Masks): Parametrization {
  const maskTensors = new Map([...masks].map(([layer, mask]) => [layer, tf.tensor(mask, model.weights.get(layer)!.shape)]));
  const byVariable = new Map([...model.weights].map(([layer, variable]) => [variable.name, maskTensors.get(layer)]));
  return {
    variables: [...model.weights.values(), ...model.biases.values()],
    source: (layer) => model.weights.get(layer.name)!,
    adjustGradients: (grads) => Object.fromEntries(Object.entries(grads).map(([name, grad]) => [name, byVariable.get(name) ? tf.mul(grad, byVariable.get(name)!) : grad])),
    dispose: () => maskTensors.forEach((tensor) => tensor.dispose()),
    // Adam's update of a zero-gradient weight is zero, but re-zeroing makes the mask exact whatever the optimizer.
    afterStep: () => {
      for (const [layer, mask] of maskTensors) {
        const variable = model.weights.get(layer)!;
        tf.tidy(() => variable.assign(tf.mul(variable, mask)));
      }
    },
  };
}

/** A layer's shared weights: the learned centroids and, per weight, its centroid (−1: pruned, exactly zero). */
export interface SharedLayer {
  centroids: Float32Array;
  assignment: Int32Array;
}

export interface SharedParametrization extends Parametrization {
  centroids: Map<string, Variable>;
}

export function sharedParametrization(model: TrainableGraph, shared: Map<string, SharedLayer>): SharedParametrization {
  const centroids = new Map<string, Variable>();
  const indices = new Map<string, Tensor>();
  for (const [layer, { centroids: values, assignment }] of shared) {
    centroids.set(layer, tf.variable(tf.tensor1d(values), true, `${model.weights.get(layer)!.name}/centroids`));
    // Index 0 of the gathered table is the pruned weights' zero, which has no variable behind it.
    indices.set(layer, tf.tensor1d(Int32Array.from(assignment, (cluster) => cluster + 1), 'int32'));
  }
  const source = (layer: WeightedLayer) => {
    const table = centroids.get(layer.name);
    if (!table) return model.weights.get(layer.name)!;
    return tf.reshape(tf.gather(tf.concat([tf.zeros([1]), table]), indices.get(layer.name)!), model.weights.get(layer.name)!.shape);
  };
  return {
    centroids,
    variables: [...centroids.values(), ...model.biases.values()],
    source,
    dispose: () => [...centroids.values(), ...indices.values()].forEach((tensor) => tensor.dispose()),
  };
}

/** The masks of the weights that are non-zero now. */
export function nonZeroMasks(model: TrainableGraph): Masks {
  return new Map([...model.weights].map(([layer, variable]) => [layer, Float32Array.from(variable.dataSync() as Float32Array, (w) => (w !== 0 ? 1 : 0))]));
}

// Runnable graphs built from the scheduler's layer shapes (host/src/sched/zoo-shapes.ts), so that a profile measured on
// a device is a profile of exactly the network the schedulability experiment schedules. Only AlexNet-squeezed needs
// one: the zoo's `alexnet-squeezed` is a CIFAR-10 network of the same spirit but other shapes, while the zoo's
// `tiny-darknet` and `yolov3-tiny` already have the sched networks' conv, pool and fc shapes (profile-network.ts
// matches them by shape; zoo.test.ts checks it).
import type { Graph } from '../ir.js';
import { zooNetworks as schedNetworks, type ZooNetworkName as SchedNetworkName } from '../../sched/zoo-shapes.js';
import { ZooBuilder } from './builder.js';

/**
 * A sequential graph of the sched network's layers, named as there, with a ReLU after every conv and fc but the
 * last (in place, as darknet counts it: profile-network.ts folds it back into its layer). Every sched layer must
 * have a shape, and each must read what the one before it produced.
 */
export function graphFromSchedShapes(network: SchedNetworkName, seed: number, modelName = `deeptrust-${network}`): Graph {
  const layers = schedNetworks[network];
  const first = layers[0]?.shape;
  if (!first || first.kind !== 'conv') throw new Error(`${network}: a runnable graph is built from a network that starts with a conv`);
  const builder = new ZooBuilder(modelName, [first.inChannels, first.inHeight, first.inWidth], seed);
  layers.forEach((layer, index) => {
    const shape = layer.shape;
    if (!shape) throw new Error(`${network}: layer ${layer.name} has no shape, so it cannot be built`);
    const [channels, height] = builder.shapeOf() as [number, number, number];
    const last = index === layers.length - 1;
    switch (shape.kind) {
      case 'conv':
        if (shape.inChannels !== channels || shape.inHeight !== height) throw new Error(`${network}: ${layer.name} reads ${shape.inChannels}×${shape.inHeight}, the layer before gives ${channels}×${height}`);
        builder.conv(layer.name, shape.outChannels, shape.kernel, { stride: shape.stride, pad: shape.padding });
        if (!last) builder.relu();
        break;
      case 'pool':
        if (shape.channels !== channels || shape.inHeight !== height) throw new Error(`${network}: ${layer.name} reads ${shape.channels}×${shape.inHeight}, the layer before gives ${channels}×${height}`);
        builder.pool('maxPool', layer.name, shape.kernel, { stride: shape.stride });
        break;
      case 'fc':
        builder.dense(layer.name, shape.outputs);
        if (!last) builder.relu();
        break;
    }
  });
  return builder.build();
}

/** The DeepTrust^RT evaluation's AlexNet-squeezed (227×227 input), runnable. */
export function deeptrustAlexnetSqueezed(seed: number): Graph {
  return graphFromSchedShapes('alexnet-squeezed', seed);
}

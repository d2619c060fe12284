// The model zoo: seeded, deterministic He-normal weights on the reference architectures.
import { RtinferError } from '../../errors.js';
import type { Graph } from '../ir.js';
import { zooNetworks } from './networks.js';

export type ZooName = keyof typeof zooNetworks;
export const zooNames = Object.keys(zooNetworks) as ZooName[];
export const DEFAULT_ZOO_SEED = 1;

export function isZooName(name: string): name is ZooName {
  return Object.hasOwn(zooNetworks, name);
}

/** The named architecture; its weights are drawn on first read, so asking for VGG-16's shapes is free. */
export function zooModel(name: string, seed = DEFAULT_ZOO_SEED): Graph {
  if (!isZooName(name)) throw new RtinferError('unknown_model', `no zoo model "${name}"; known: ${zooNames.join(', ')}`, { model: name, known: zooNames.join(', ') });
  return zooNetworks[name](seed);
}

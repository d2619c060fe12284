// The --trec flag: per-layer TREC parameters as LAYER=L:H, the layer by graph name or index.
import { RtinferError } from '../errors.js';
import type { Graph } from '../model/ir.js';
import type { TrecLayerParams } from '../device/infer.js';

export function parseTrecFlag(spec: string, graph: Graph | undefined): TrecLayerParams[] {
  return spec.split(',').map((entry) => {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*:\s*(\d+)\s*$/.exec(entry);
    if (!match) throw new RtinferError('bad_flag', `--trec "${entry}": write LAYER=L:H, e.g. conv2=25:8 (L: sub-vector length, H: hash bits)`, { flag: 'trec', entry });
    const [, name, L, H] = match as unknown as [string, string, string, string];
    let layer = /^\d+$/.test(name) ? Number(name) : graph?.layers.findIndex((candidate) => candidate.name === name);
    if (layer === undefined) throw new RtinferError('bad_flag', `--trec "${entry}": name layers by index, or give --model to name them`, { flag: 'trec', entry });
    if (layer < 0) throw new RtinferError('bad_flag', `--trec "${entry}": the model has no layer "${name}" (its conv layers: ${graph!.layers.filter((candidate) => candidate.op === 'conv').map((candidate) => candidate.name).join(', ')})`, { flag: 'trec', entry });
    const params = { layer, L: Number(L), H: Number(H) };
    if (params.H < 1 || params.H > 32 || params.L < 1 || params.L > 0xffff) throw new RtinferError('bad_flag', `--trec "${entry}": need 1 ≤ H ≤ 32 and 1 ≤ L ≤ 65535`, { flag: 'trec', entry });
    return params;
  });
}

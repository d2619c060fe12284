// A zoo network at a smaller input, its layers and weights unchanged: the network exported as darknet cfg +
// weights (model/darknet-export.ts) with the [net] width and height set to `size`. Only networks whose weights do
// not depend on the input size can be scaled so (all convolutions and pools, then a global pool: Tiny Darknet,
// YOLOv3-tiny), which the import checks (the weights must fill the cfg's layers exactly).
//
// Why: the Pi agent's dispatcher sends each job's input inside an entry, at most 64 KiB
// (AGENT_DISPATCH_MAX_INPUT_BYTES), and Tiny Darknet's 224×224×3 float input is 588 KiB; at 64×64 it is 48 KiB.
import { writeFileSync } from 'node:fs';
import { exportDarknet } from '../../model/darknet-export.js';
import { zooModel } from '../../model/zoo/index.js';

/** Writes `<base>.cfg` and `<base>.weights`; returns the .cfg path (what loadModel and `rtinfer compress` take). */
export function writeReducedInputDarknet(network: string, size: number, base: string): string {
  const { cfg, weights } = exportDarknet(zooModel(network));
  const scaled = cfg.replace(/^width=\d+$/m, `width=${size}`).replace(/^height=\d+$/m, `height=${size}`);
  if (scaled === cfg && !cfg.includes(`width=${size}`)) throw new Error(`${network}: the exported cfg has no [net] width/height to scale`);
  writeFileSync(`${base}.cfg`, scaled);
  writeFileSync(`${base}.weights`, weights);
  return `${base}.cfg`;
}

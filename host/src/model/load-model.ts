// Resolves what a user names as a model: a zoo name, an .onnx file, or a darknet .cfg (weights beside it).
// Both importers fold batch norm themselves, so every graph returned here has it folded where it can be.
import { existsSync, readFileSync } from 'node:fs';
import { RtinferError } from '../errors.js';
import type { Graph } from './ir.js';
import { importDarknet } from './darknet-import.js';
import { importOnnx } from './onnx-import.js';
import { DEFAULT_ZOO_SEED, isZooName, zooModel, zooNames } from './zoo/index.js';

export interface LoadOptions {
  /** Darknet weights file; defaults to the .cfg path with .weights. */
  weights?: string;
  /** Seed for zoo weights. */
  seed?: number;
}

export function loadModel(spec: string, options: LoadOptions = {}): Graph {
  if (isZooName(spec)) return zooModel(spec, options.seed ?? DEFAULT_ZOO_SEED);
  const fileMissing = (file: string, what: string) =>
    new RtinferError('model_not_found', `${file}: no such file (${what}); a model is a zoo name (${zooNames.join(', ')}), an .onnx file or a darknet .cfg`, { file });
  if (spec.endsWith('.onnx')) {
    if (!existsSync(spec)) throw fileMissing(spec, 'ONNX model');
    return importOnnx(readFileSync(spec), spec);
  }
  if (spec.endsWith('.cfg')) {
    const weights = options.weights ?? spec.replace(/\.cfg$/, '.weights');
    if (!existsSync(spec)) throw fileMissing(spec, 'darknet cfg');
    if (!existsSync(weights)) throw fileMissing(weights, `darknet weights for ${spec}`);
    return importDarknet(readFileSync(spec, 'utf8'), readFileSync(weights), spec, weights);
  }
  throw new RtinferError('unknown_model', `"${spec}" is not a zoo model (${zooNames.join(', ')}), an .onnx file or a darknet .cfg`, { model: spec });
}

// Which settings each layer gets: the paper's per-layer table for the networks it compressed, otherwise the
// std-based threshold and the paper's conv/fc bit widths; then the user's overrides ('*', 'conv', 'fc', or a
// layer name, most specific last).
import { RtinferError } from '../errors.js';
import type { WeightedLayer } from '../model/ir.js';
import { InvalidSettingError, type LayerSettings } from './layer-codec.js';
import { paperNetworks } from './paper-settings.js';

export type SettingsOverrides = Record<string, Partial<LayerSettings>>;

/** Quality factors (threshold = factor × standard deviation) for networks without published rates. */
export const DEFAULT_QUALITY_FACTOR = { conv: 0.5, fc: 1.0 } as const;
export const DEFAULT_BITS = { conv: 8, fc: 5 } as const;
export const DEFAULT_ITERATIONS = 20;

export const layerKind = (layer: WeightedLayer): 'conv' | 'fc' => (layer.op === 'conv' ? 'conv' : 'fc');

export function defaultSettings(model: string, layer: WeightedLayer): LayerSettings {
  const kind = layerKind(layer);
  const paper = paperNetworks[model]?.layers.find((row) => row.layer === layer.name);
  if (paper) return { prune: { keep: paper.keep }, weightBits: paper.weightBits, gapBits: paper.indexBits, iterations: DEFAULT_ITERATIONS };
  return { prune: { qualityFactor: DEFAULT_QUALITY_FACTOR[kind] }, weightBits: DEFAULT_BITS[kind], gapBits: DEFAULT_BITS[kind], iterations: DEFAULT_ITERATIONS };
}

export function resolveSettings(model: string, layers: WeightedLayer[], overrides: SettingsOverrides = {}): Map<string, LayerSettings> {
  const names = new Set(layers.map((layer) => layer.name));
  for (const key of Object.keys(overrides)) {
    if (key !== '*' && key !== 'conv' && key !== 'fc' && !names.has(key)) {
      throw new RtinferError('unknown_layer', `no weighted layer "${key}" in ${model}; use *, conv, fc or one of: ${[...names].join(', ')}`, { model, layer: key });
    }
  }
  return new Map(
    layers.map((layer) => [layer.name, { ...defaultSettings(model, layer), ...overrides['*'], ...overrides[layerKind(layer)], ...overrides[layer.name] }]),
  );
}

/**
 * Parses a CLI setting such as "0.9", "fc=5" or "conv=0.5,fc6=0.91" into per-key numbers,
 * checking each value against [min, max] (and integrality) so `--bits 0` is refused with the flag's name.
 */
export function parseSettingSpec(flag: string, text: string, range: { min: number; max: number; integer: boolean; expected: string }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.includes('=') ? (part.split('=', 2) as [string, string]) : ['*', part];
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < range.min || number > range.max || (range.integer && !Number.isInteger(number))) {
      throw new InvalidSettingError(key.trim(), `--${flag}`, Number.isFinite(number) ? number : NaN, range.expected);
    }
    out[key.trim()] = number;
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { structuredInput } from './structured-input.js';

describe('structured inputs', () => {
  it('are deterministic per seed and differ between seeds', () => {
    expect(structuredInput([3, 32, 32], 5)).toEqual(structuredInput([3, 32, 32], 5));
    expect(structuredInput([3, 32, 32], 5)).not.toEqual(structuredInput([3, 32, 32], 6));
  });

  it('are smooth like natural images, unlike white noise: neighbours differ far less than the range', () => {
    const image = structuredInput([1, 32, 32], 3);
    let step = 0;
    for (let y = 0; y < 32; y++) for (let x = 1; x < 32; x++) step += Math.abs(image[y * 32 + x]! - image[y * 32 + x - 1]!);
    const meanStep = step / (32 * 31);
    const range = Math.max(...image) - Math.min(...image);
    expect(range).toBeGreaterThan(0.3);
    expect(meanStep).toBeLessThan(range / 10);
    expect(Math.max(...image)).toBeLessThanOrEqual(1);
    expect(Math.min(...image)).toBeGreaterThanOrEqual(-1);
  });
});

// fast-check generators derived from the schema tables, so every message type's
// property tests follow the catalogue automatically.
import fc from 'fast-check';
import { type DeviceMessage, deviceBodies, type Direction, type HostMessage, hostBodies } from '../messages.js';
import type { Shape } from '../schema.js';

export function arbitraryOf(shape: Shape): fc.Arbitrary<unknown> {
  switch (shape.kind) {
    case 'uint':
      return fc.integer({ min: shape.min, max: shape.max });
    case 'u64':
      return fc.oneof(fc.bigInt({ min: shape.min, max: 2n ** 64n - 1n }), fc.bigInt({ min: shape.min, max: shape.min + 300n }));
    case 'bool':
      return fc.boolean();
    case 'tstr':
      return fc.string({ unit: 'grapheme', maxLength: shape.maxBytes }).filter((text) => Buffer.byteLength(text) <= shape.maxBytes);
    case 'bstr':
      return shape.exact !== undefined
        ? fc.uint8Array({ minLength: shape.exact, maxLength: shape.exact })
        : fc.uint8Array({ maxLength: Math.min(shape.max ?? 300, 300) });
    case 'array':
      return fc.array(arbitraryOf(shape.item), { minLength: shape.min, maxLength: Math.min(shape.max, 20) });
    case 'tuple':
      return fc.tuple(...shape.items.map(arbitraryOf));
    case 'oneOrMany':
      return fc.oneof(arbitraryOf(shape.item), fc.array(arbitraryOf(shape.item), { maxLength: shape.max }));
    case 'struct': {
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of shape.fields) record[field.name] = arbitraryOf(field.shape);
      const requiredKeys = shape.fields.filter((field) => !field.optional).map((field) => field.name);
      const value = fc.record(record, { requiredKeys });
      const rule = shape.rule as ((v: unknown) => string | undefined) | undefined;
      return rule ? value.filter((v) => rule(v) === undefined) : value;
    }
  }
}

export function arbitraryMessage(direction: 'h2d'): fc.Arbitrary<HostMessage>;
export function arbitraryMessage(direction: 'd2h'): fc.Arbitrary<DeviceMessage>;
export function arbitraryMessage(direction: Direction): fc.Arbitrary<HostMessage | DeviceMessage> {
  const bodies = direction === 'h2d' ? hostBodies : deviceBodies;
  return fc.oneof(
    ...Object.entries(bodies).map(([type, body]) =>
      fc.record({ type: fc.constant(type), id: fc.integer({ min: 0, max: 0xffffffff }), body: arbitraryOf(body.shape) }),
    ),
  ) as fc.Arbitrary<HostMessage | DeviceMessage>;
}

import { Capability } from '@rtinfer/protocol';
import { describe, expect, it } from 'vitest';
import { compressGraph } from '../compress/compress-model.js';
import { encodeContainer } from '../compress/container.js';
import { quantizeModel } from '../compress/quantize.js';
import { zooModel } from '../model/zoo/index.js';
import { structuredInputs } from '../nn/structured-input.js';
import { thrownRtinferError } from '../util/thrown.js';
import { isInt8Container, refuseInt8WithoutCapability } from './int8-capability.js';

describe('int8 containers and the int8 capability', () => {
  const graph = zooModel('lenet-5-classic');
  const compressed = compressGraph(graph);
  const inputs = structuredInputs(graph.input.shape, 1, 3);
  const fp32 = encodeContainer({ ...compressed, testInputs: inputs });
  const int8 = encodeContainer({ ...compressed, testInputs: inputs, int8: quantizeModel(compressed, inputs) });
  const withoutInt8 = Capability.MODEL_STORE | Capability.DENSE_INFERENCE | Capability.TREC;

  it('tells an int8 container from an fp32 one by its header', () => {
    expect(isInt8Container(int8)).toBe(true);
    expect(isInt8Container(fp32)).toBe(false);
    expect(isInt8Container(Uint8Array.of(1, 2, 3))).toBe(false);
  });

  it('refuses an int8 container for a device without caps bit 6, with need and have', () => {
    const error = thrownRtinferError(() => refuseInt8WithoutCapability(withoutInt8, int8, 'old-board'));
    expect(error.code).toBe('device_lacks_int8');
    expect(error.facts).toMatchObject({ need: Capability.INT8, have: withoutInt8, device: 'old-board' });
    expect(() => refuseInt8WithoutCapability(withoutInt8, fp32, 'old-board')).not.toThrow();
    expect(() => refuseInt8WithoutCapability(withoutInt8 | Capability.INT8, int8, 'new-board')).not.toThrow();
  });
});

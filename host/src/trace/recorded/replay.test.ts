import { describe, it } from 'vitest';
import type { ReceivedDeviceMessage } from '../from-device-messages.js';
import { testScheduler } from '../test-support/marbles.js';
import { replay } from './replay.js';

const at = (ms: number, batch: number): ReceivedDeviceMessage => ({ rxNs: 1_767_225_600_000_000_000n + BigInt(ms) * 1_000_000n, message: { type: 'TRACE', id: 0, body: { batch, events: [] } } });

describe('replay', () => {
  it('paces records by their receive times on a scheduler, and at a speed-up', () => {
    const records = [at(0, 0), at(3, 1), at(10, 2)];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(replay(records, { scheduler })).toBe('a 2ms b 6ms (c|)', { a: records[0], b: records[1], c: records[2] });
    });
    const even = [at(0, 0), at(4, 1), at(10, 2)];
    const faster = testScheduler();
    faster.run(({ expectObservable }) => {
      expectObservable(replay(even, { scheduler: faster, speed: 2 })).toBe('a - b 2ms (c|)', { a: even[0], b: even[1], c: even[2] });
    });
  });

  it('emits the good records, then the reader\'s error', () => {
    function* broken(): Generator<ReceivedDeviceMessage> {
      yield at(0, 0);
      throw new Error('line 3 is cut short');
    }
    testScheduler().run(({ expectObservable }) => {
      expectObservable(replay(broken())).toBe('(a#)', { a: at(0, 0) }, new Error('line 3 is cut short'));
    });
  });
});

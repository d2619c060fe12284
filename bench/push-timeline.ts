// Instrumented single push through the fault relay on the paced sim: a timeline of
// chunk sends, ACKs and retransmissions, and the host → device line's idle time
// (modelled as a FIFO draining at baud/10 bytes/s). For finding where goodput goes.
// Usage: [WINDOW=n] npx tsx --conditions=source bench/push-timeline.ts [corrupt|loss|clean] [chunk] [seed] [gap|nogap]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceSession, pushModel, SerialTransport, startSerialRelay, startSim } from 'rtinfer';

const [kind = 'corrupt', chunkArg = '1024', seedArg = '1', gapArg = 'gap'] = process.argv.slice(2);
const baud = 921_600;
const line = baud / 10;
const dir = mkdtempSync(join(tmpdir(), 'rtinfer-push-timeline-'));
const sim = await startSim({ deviceId: 'timeline', storage: join(dir, 'flash.bin'), baud, gapFillAck: gapArg === 'gap' });
const plan = kind === 'corrupt' ? { corruptByteRate: 1e-4 } : kind === 'loss' ? { dropFrameRate: 0.01 } : {};
const relay = await startSerialRelay(sim.pty, { ...plan, seed: Number(seedArg) });
const session = await DeviceSession.connect(new SerialTransport({ path: relay.hostPath }), { timeoutMs: 300, helloAttempts: 10, helloTimeoutMs: 300 });
const events: string[] = [];
let t0 = 0;
let lineFreeAt = 0;
let idleMs = 0;
let firstSend = -1;
const sentOffsets = new Map<number, number>();
const stats = session.transport.statistics.bind(session.transport);
let lastOut = stats().bytesOut;
const origPost = session.post.bind(session);
(session as unknown as { post: typeof session.post }).post = async (message, channel) => {
  const now = performance.now() - t0;
  const result = await origPost(message, channel);
  const out = stats().bytesOut;
  const wire = out - lastOut;
  lastOut = out;
  if (message.type === 'MODEL_CHUNK') {
    const body = message.body as { offset: number; data: Uint8Array };
    if (firstSend < 0) {
      firstSend = now;
      lineFreeAt = now;
    }
    if (now > lineFreeAt) idleMs += now - lineFreeAt;
    lineFreeAt = Math.max(lineFreeAt, now) + (wire / line) * 1000;
    const times = (sentOffsets.get(body.offset) ?? 0) + 1;
    sentOffsets.set(body.offset, times);
    events.push(`${now.toFixed(1).padStart(8)} SEND ${body.offset / body.data.length} ${times > 1 ? `RETX#${times - 1}` : ''} wire=${wire} queue=${(lineFreeAt - now).toFixed(1)}ms`);
  }
  return result;
};
session.on('unsolicited', (m) => {
  if (m.type === 'MODEL_ACK') {
    const now = performance.now() - t0;
    const b = m.body as { next: number; sack?: [number, number][] };
    events.push(`${now.toFixed(1).padStart(8)} ACK next=${b.next} sack=${JSON.stringify(b.sack ?? [])}`);
  }
});
t0 = performance.now();
const bytes = 200_000;
const summary = await pushModel(session, randomBytes(bytes), { modelId: 'timeline', chunkBytes: Number(chunkArg), beginTimeoutMs: 1000, commitTimeoutMs: 2000, ...(process.env.WINDOW ? { window: Number(process.env.WINDOW) } : {}) });
const lastSendEnd = lineFreeAt;
console.log(events.join('\n'));
const c = relay.counters();
console.log(JSON.stringify({ ...summary, fraction: summary.goodputBytesPerSecond / line, idleMsBeforeLastSend: idleMs, firstSend, lastSendEnd, relay: c }, null, 1));
await session.close();
await relay.stop();
await sim.stop();
rmSync(dir, { recursive: true, force: true });

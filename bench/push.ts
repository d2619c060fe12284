// npm run bench:push — model push goodput over the sim's UART paced to 115200
// and 921600 baud, against two stop-and-wait baselines over the same paced
// link in the same run, and over MQTT through Aedes and Mosquitto on loopback.
//
// The baselines move their payload the way SMP and EEMBC-style runners do: one
// packet per round trip, base64 (93 raw bytes as 124 characters, SMP's line
// size) or hex (31 raw bytes as 62 characters, the EEMBC runner's `db`
// command). Each packet rides in a PING's padding, so the device receives
// every byte through its paced UART and answers before the next is sent; our
// framing (about 25 bytes) stands in for theirs (SMP: 8-byte header, CRC16,
// line markers), which is about the same size.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel, encodeFrame, encodeMessage } from '@rtinfer/protocol';
import {
  DeviceSession,
  type MqttDeviceBridge,
  MqttTransport,
  pushModel,
  type RunningBroker,
  SerialTransport,
  type FaultPlan,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSerialRelay,
  startSim,
} from 'rtinfer';
import { announceQuick, sized } from './quick.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-bench-push-'));
let simCount = 0;

async function withSim<T>(baud: number | undefined, run: (pty: string) => Promise<T>, gapFillAck = true): Promise<T> {
  const sim = await startSim({ deviceId: `bench-push-${simCount}`, storage: join(dir, `flash-${simCount++}.bin`), ...(baud ? { baud } : {}), gapFillAck });
  try {
    return await run(sim.pty);
  } finally {
    await sim.stop();
  }
}

async function ourGoodput(session: DeviceSession, bytes: number): Promise<number> {
  const summary = await pushModel(session, randomBytes(bytes), { modelId: `bench-${bytes}` });
  return summary.goodputBytesPerSecond;
}

/** Stop-and-wait: one encoded packet per round trip, in a PING's padding. */
async function stopAndWaitGoodput(session: DeviceSession, bytes: number, rawPerPacket: number, encode: (raw: Buffer) => string): Promise<number> {
  const payload = randomBytes(bytes);
  const started = performance.now();
  for (let at = 0; at < bytes; at += rawPerPacket) {
    const text = encode(payload.subarray(at, at + rawPerPacket));
    await session.request('PING', { t1: BigInt(at), pad: new Uint8Array(Buffer.from(text, 'ascii')) }, { timeoutMs: 5000 });
  }
  return bytes / ((performance.now() - started) / 1000);
}

const base64 = (raw: Buffer) => raw.toString('base64');
const hex = (raw: Buffer) => `db ${raw.toString('hex')}%`;
const kib = (bytesPerSecond: number) => `${(bytesPerSecond / 1024).toFixed(1)} KiB/s`;

async function serialRow(baud: number, oursBytes: number, baselineBytes: number) {
  return withSim(baud, async (pty) => {
    const session = await DeviceSession.connect(new SerialTransport({ path: pty }));
    try {
      const lineRate = baud / 10;
      const ours = await ourGoodput(session, oursBytes);
      const b64 = await stopAndWaitGoodput(session, baselineBytes, 93, base64);
      const hx = await stopAndWaitGoodput(session, baselineBytes, 31, hex);
      return { baud, lineRate, ours, oursFraction: ours / lineRate, base64: b64, hex: hx };
    } finally {
      await session.close();
    }
  });
}

async function mqttRow(name: string, startBroker: () => Promise<RunningBroker>, bytes: number) {
  const broker = await startBroker();
  try {
    return await withSim(undefined, async (pty) => {
      const bridge: MqttDeviceBridge = await startMqttDeviceBridge({ devicePath: pty, brokerUrl: broker.url });
      const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId: bridge.deviceId }));
      try {
        return { broker: name, goodput: await ourGoodput(session, bytes) };
      } finally {
        await session.close();
        await bridge.stop();
      }
    });
  } finally {
    await broker.stop();
  }
}

console.log('rtinfer bench:push\n');
announceQuick();
console.log('Serial, the sim UART paced to the baud rate (8N1, baud/10 bytes/s each way); goodput = container bytes per second');
console.log('  baud     line rate     ours (fraction of line)     stop-and-wait base64     stop-and-wait hex     ours ÷ base64   ours ÷ hex');
const serial = [await serialRow(115_200, sized(100_000, 8_000), sized(10_000, 500)), await serialRow(921_600, sized(200_000, 16_000), sized(30_000, 1_000))];
for (const row of serial) {
  console.log(
    `  ${String(row.baud).padEnd(8)} ${kib(row.lineRate).padStart(12)}   ${`${kib(row.ours)} (${row.oursFraction.toFixed(3)})`.padStart(24)}   ${kib(row.base64).padStart(20)}   ${kib(row.hex).padStart(18)}   ${`${(row.ours / row.base64).toFixed(1)}×`.padStart(13)}   ${`${(row.ours / row.hex).toFixed(1)}×`.padStart(9)}`,
  );
}
const at921 = serial[1]!;
console.log(`  target: ≥ 0.95 of line rate at 921600 → ${at921.oursFraction.toFixed(3)} ${at921.oursFraction >= 0.95 ? '(met)' : '(MISSED)'}\n`);

/**
 * Goodput through the seeded fault relay in front of the paced sim, summed over `seeds` pushes (one
 * relay seed per push, the same seeds with and without the device's gap-fill ACK).
 */
async function faultyGoodput(baud: number, plan: Omit<FaultPlan, 'seed'>, bytes: number, chunkBytes: number, seeds: number[], gapFillAck: boolean) {
  let moved = 0;
  let ms = 0;
  let retransmissions = 0;
  for (const seed of seeds) {
    await withSim(
      baud,
      async (pty) => {
        const relay = await startSerialRelay(pty, { ...plan, seed });
        const session = await DeviceSession.connect(new SerialTransport({ path: relay.hostPath }), { timeoutMs: 300, helloAttempts: 10, helloTimeoutMs: 300 });
        try {
          const summary = await pushModel(session, randomBytes(bytes), { modelId: `faults-${seed}`, chunkBytes, beginTimeoutMs: 1000, commitTimeoutMs: 2000 });
          moved += summary.bytes;
          ms += summary.durationMs;
          retransmissions += summary.retransmissions;
        } finally {
          await session.close();
          await relay.stop();
        }
      },
      gapFillAck,
    );
  }
  return { goodput: moved / (ms / 1000), retransmissions };
}

/**
 * Bytes MODEL_CHUNKs of `chunk` random data bytes (what the bench sends) take on the wire: CBOR message, frame
 * header and CRC, COBS, delimiter. COBS adds a byte less where a zero byte breaks a 254-byte run, so each
 * sample differs by a byte or two: these are 16 of them.
 */
function chunkWireSamples(chunk: number): number[] {
  return Array.from({ length: 16 }, () => {
    const message = encodeMessage('h2d', { type: 'MODEL_CHUNK', id: 0, body: { slot: 0, offset: 100_000, data: new Uint8Array(randomBytes(chunk)) } });
    return encodeFrame({ version: 1, flags: 0, channel: Channel.BULK, seq: 1000 }, message).length;
  });
}

/**
 * The most any sender can move, as a fraction of line rate, with chunks of `chunk` bytes: each frame costs its
 * wire bytes, and only a frame that arrives whole stores its data. A frame survives byte corruption p with
 * probability (1 − p)^(its wire bytes), frame loss q with 1 − q. Perfect retransmission, free ACKs, no tail.
 */
function ceiling(fault: { corruptByteRate?: number; dropFrameRate?: number }, chunk: number): number {
  const samples = chunkWireSamples(chunk);
  const perSample = samples.map((wire) => ((1 - (fault.corruptByteRate ?? 0)) ** wire * (1 - (fault.dropFrameRate ?? 0)) * chunk) / wire);
  return perSample.reduce((sum, c) => sum + c, 0) / samples.length;
}

/** The best chunk size for a fault and its ceiling, over every size up to the sim's 4 KiB frames (not only whole blocks). */
function bestCeiling(fault: { corruptByteRate?: number; dropFrameRate?: number }): { chunk: number; ceiling: number } {
  let best = { chunk: 0, ceiling: 0 };
  for (let chunk = 16; chunk <= 4064; chunk += 16) {
    const c = ceiling(fault, chunk);
    if (c > best.ceiling) best = { chunk, ceiling: c };
  }
  return best;
}

const faultBaud = 921_600;
const faultLine = faultBaud / 10;
const faultBytes = sized(200_000, 16_000);
const faultSeeds = sized([1, 2, 3, 4, 5], [1]);
console.log(
  `Under faults at ${faultBaud} baud (the seeded relay between host and paced sim; ${faultBytes / 1000} KB, ${faultSeeds.length} seeded pushes each, the same seeds both ways)`,
);
console.log('  fault                      chunk     ours, gap-fill ACK (fraction)   without it (fraction)    retransmits with / without   ceiling   ours ÷ ceiling');
// 1e-4 corrupts a frame of 1 KiB in ~10%, of 3 KiB in ~27%: the smallest chunk (the device's block) loses least.
const faultRows = [
  { name: '1e-4 byte corruption', plan: { corruptByteRate: 1e-4 }, chunk: 1024 },
  { name: '1% frame loss each way', plan: { dropFrameRate: 0.01 }, chunk: 3072 },
];
for (const row of faultRows) {
  const on = await faultyGoodput(faultBaud, row.plan, faultBytes, row.chunk, faultSeeds, true);
  const off = await faultyGoodput(faultBaud, row.plan, faultBytes, row.chunk, faultSeeds, false);
  const cell = (r: { goodput: number }) => `${kib(r.goodput)} (${(r.goodput / faultLine).toFixed(3)})`;
  const top = ceiling(row.plan, row.chunk);
  const fraction = on.goodput / faultLine;
  console.log(
    `  ${row.name.padEnd(26)} ${String(row.chunk).padStart(5)} B   ${cell(on).padStart(28)}   ${cell(off).padStart(22)}   ${`${on.retransmissions} / ${off.retransmissions}`.padStart(18)}   ${top.toFixed(3).padStart(7)}   ${(fraction / top).toFixed(3).padStart(14)}`,
  );
  const best = bestCeiling(row.plan);
  console.log(
    `    ceiling: ${Math.min(...chunkWireSamples(row.chunk))}+ wire bytes per ${row.chunk} B chunk; best chunk of any size ${best.chunk} B → ${best.ceiling.toFixed(5)}${best.ceiling < 0.9 ? ' (0.90 is above the ceiling for every chunk size)' : ''}`,
  );
  console.log(`    target: ≥ 0.90 of line rate → ${fraction.toFixed(3)} ${fraction >= 0.9 ? '(met)' : '(MISSED)'}`);
}
console.log();

const mqttBytes = sized(250_000, 16_000);
console.log(`MQTT on loopback (host → broker → device bridge → sim, unpaced), ${mqttBytes / 1000} KB container`);
for (const row of [await mqttRow('Aedes (in-process)', startAedesBroker, mqttBytes), await mqttRow('Mosquitto', () => startMosquitto(), mqttBytes)]) {
  console.log(`  ${row.broker.padEnd(20)} ${(row.goodput / 1e6).toFixed(2)} MB/s`);
}
rmSync(dir, { recursive: true, force: true });

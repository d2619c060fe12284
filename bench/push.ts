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
import {
  DeviceSession,
  type MqttDeviceBridge,
  MqttTransport,
  pushModel,
  type RunningBroker,
  SerialTransport,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSim,
} from 'rtinfer';
import { announceQuick, sized } from './quick.js';

const dir = mkdtempSync(join(tmpdir(), 'rtinfer-bench-push-'));
let simCount = 0;

async function withSim<T>(baud: number | undefined, run: (pty: string) => Promise<T>): Promise<T> {
  const sim = await startSim({ deviceId: `bench-push-${simCount}`, storage: join(dir, `flash-${simCount++}.bin`), ...(baud ? { baud } : {}) });
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

const mqttBytes = sized(250_000, 16_000);
console.log(`MQTT on loopback (host → broker → device bridge → sim, unpaced), ${mqttBytes / 1000} KB container`);
for (const row of [await mqttRow('Aedes (in-process)', startAedesBroker, mqttBytes), await mqttRow('Mosquitto', () => startMosquitto(), mqttBytes)]) {
  console.log(`  ${row.broker.padEnd(20)} ${(row.goodput / 1e6).toFixed(2)} MB/s`);
}
rmSync(dir, { recursive: true, force: true });

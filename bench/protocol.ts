// npm run bench:protocol — codec throughput (TS and C), PING round trip over the
// sim's pseudo-terminal and over MQTT (Aedes, Mosquitto), and wire overhead,
// each next to an anchor measured or computed in the same run. Writes
// build/bench/protocol.json as well.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Channel, decodeMessage, encodeFrame, encodeMessage, FrameDecoder, type HostMessage } from '@rtinfer/protocol';
import {
  type BrokerOptions,
  closeSerialPort,
  DeviceSession,
  mosquittoInstalled,
  MqttTransport,
  openSerialPort,
  pingSeries,
  percentile,
  repositoryRoot,
  type RunningBroker,
  roundTripStatistics,
  SerialTransport,
  startAedesBroker,
  startMosquitto,
  startMqttDeviceBridge,
  startSim,
} from 'rtinfer';
import { driverPath } from './paths.js';
import { announceQuick, resultsFile, sized } from './quick.js';

const budgetSeconds = Number(process.env.BENCH_SECONDS ?? sized(1, 0.02));
const pings = Number(process.env.BENCH_PINGS ?? sized(2000, 50));
// With Nagle on, each round trip waits ~44 ms for a delayed ACK: fewer of those.
const naglePings = Number(process.env.BENCH_NAGLE_PINGS ?? sized(50, 3));
const sizes = [64, 256, 1024] as const;
const benchDir = join(repositoryRoot, 'build', 'bench');

const payload = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 13 + 1) & 0xff);
const chunk = (length: number, offset = 4096): HostMessage => ({ type: 'MODEL_CHUNK', id: 0, body: { slot: 1, offset, data: payload(length) } });
const header = { version: 1, flags: 0, channel: Channel.BULK, seq: 7 };

/** Runs `work` in batches until the budget is spent; returns operations per second. */
function rate(work: () => void, batch = 500): number {
  let operations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) work();
    operations += batch;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < budgetSeconds);
  return operations / elapsed;
}

function typescriptCodec(length: number) {
  const message = chunk(length);
  const wire = encodeFrame(header, encodeMessage('h2d', message));
  const decoder = new FrameDecoder({ maxFrame: 4096 });
  const encode = rate(() => encodeFrame(header, encodeMessage('h2d', message)));
  const decode = rate(() => {
    for (const event of decoder.push(wire)) if (event.kind === 'frame') decodeMessage('h2d', event.frame.message);
  });
  // The anchor: what ad-hoc harnesses do — JSON with base64 data, one message per line.
  const jsonLine = `${JSON.stringify({ type: 'MODEL_CHUNK', slot: 1, offset: 4096, data: Buffer.from(payload(length)).toString('base64') })}\n`;
  const jsonEncode = rate(() => `${JSON.stringify({ type: 'MODEL_CHUNK', slot: 1, offset: 4096, data: Buffer.from((message.body as { data: Uint8Array }).data).toString('base64') })}\n`);
  const jsonDecode = rate(() => {
    const parsed = JSON.parse(jsonLine.slice(0, -1));
    Buffer.from(parsed.data, 'base64');
  });
  return { dataBytes: length, encode, decode, jsonEncode, jsonDecode };
}

function cCodec() {
  const output = execFileSync(driverPath('bench_protocol'), [String(budgetSeconds)], { encoding: 'utf8' });
  return output.trim().split('\n').map((line) => JSON.parse(line) as { dataBytes: number; encodeFramesPerSecond: number; decodeFramesPerSecond: number });
}

/** Round trips of a 25-byte write through a C echo on a pty: the floor under any protocol on this path. */
async function ptyEchoRoundTrips(count: number): Promise<number[]> {
  const echo = spawn(driverPath('pty_echo'), { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: echo.stdout! }).once('line', resolve));
  const path = /pty=(\S+)/.exec(line)![1]!;
  const port = await openSerialPort(path);
  const probe = Buffer.alloc(25, 0x5a);
  const rtts: number[] = [];
  let pending: { received: number; done: () => void } | undefined;
  port.on('data', (data: Buffer) => {
    if (!pending) return;
    pending.received += data.length;
    if (pending.received >= probe.length) pending.done();
  });
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      pending = { received: 0, done: resolve };
      port.write(probe);
    });
    rtts.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  await closeSerialPort(port);
  echo.kill('SIGTERM');
  return rtts.sort((a, b) => a - b);
}

async function simPingRoundTrips(count: number) {
  const sim = await startSim({ deviceId: 'bench' });
  try {
    const session = await DeviceSession.connect(new SerialTransport({ path: sim.pty }));
    await pingSeries(session, { count: sized(100, 5) }); // warm-up
    const results = await pingSeries(session, { count });
    await session.close();
    return roundTripStatistics(results);
  } finally {
    await sim.stop();
  }
}

/**
 * PINGs to a sim through a broker: device bridge → broker → MqttTransport, every rtinfer socket with TCP_NODELAY.
 * `tcpNoDelay: false` leaves the broker's connections with Nagle on, as Mosquitto's defaults do: the anchor.
 */
async function mqttPingRoundTrips(devicePath: string, start: (options: BrokerOptions) => Promise<RunningBroker>, tcpNoDelay: boolean, count: number) {
  const broker = await start({ tcpNoDelay });
  try {
    const bridge = await startMqttDeviceBridge({ devicePath, brokerUrl: broker.url });
    try {
      const session = await DeviceSession.connect(new MqttTransport({ brokerUrl: broker.url, deviceId: bridge.deviceId }));
      try {
        await pingSeries(session, { count: Math.ceil(count / 10) }); // warm-up
        return roundTripStatistics(await pingSeries(session, { count }));
      } finally {
        await session.close();
      }
    } finally {
      await bridge.stop();
    }
  } finally {
    await broker.stop();
  }
}

async function mqttRows() {
  const brokers: [string, (options: BrokerOptions) => Promise<RunningBroker>][] = [['Aedes (in-process)', (options) => startAedesBroker(0, options)]];
  if (mosquittoInstalled()) brokers.push(['Mosquitto', (options) => startMosquitto(undefined, options)]);
  const sim = await startSim({ deviceId: 'bench-mqtt' });
  try {
    const rows = [];
    for (const [broker, start] of brokers) {
      rows.push({ broker, ping: await mqttPingRoundTrips(sim.pty, start, true, pings), nagle: await mqttPingRoundTrips(sim.pty, start, false, naglePings) });
    }
    return rows;
  } finally {
    await sim.stop();
  }
}

/** A PING whose CBOR message is exactly `length` bytes: the frame's overhead on a body of that size. */
function messageOfLength(length: number): Uint8Array {
  for (let pad = Math.max(0, length - 20); pad <= length; pad++) {
    const bytes = encodeMessage('h2d', { type: 'PING', id: 1, body: { t1: 1n, pad: payload(pad) } });
    if (bytes.length === length) return bytes;
  }
  throw new Error(`no PING of exactly ${length} bytes`);
}

/** EEMBC-runner style: `db <hex>%` commands of 31 data bytes each. */
function asciiHexBytes(length: number): number {
  return Math.ceil(length / 31) * ('db '.length + 62 + '%'.length);
}

/** MCUmgr SMP over serial: 8-byte SMP header + CBOR {off, data}, length + CRC16, base64, lines of ≤ 127 bytes with 2-byte markers. */
function smpSerialBytes(length: number): number {
  const cbor = 1 + 4 + 5 + 5 + 3 + length; // map(2), "off", u32, "data", bstr header, data
  const packet = 2 + 8 + cbor + 2;
  const base64 = Math.ceil(packet / 3) * 4;
  const perLine = 127 - 2 - 1; // marker and newline
  return base64 + Math.ceil(base64 / perLine) * 3;
}

function overhead() {
  return sizes.map((length) => {
    const frameOnBody = encodeFrame(header, messageOfLength(length)).length / length;
    const chunkWire = encodeFrame(header, encodeMessage('h2d', chunk(length))).length / length;
    return { bytes: length, frameOnBody, chunkWire, asciiHex: asciiHexBytes(length) / length, smpSerial: smpSerialBytes(length) / length };
  });
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  mkdirSync(benchDir, { recursive: true });
  console.log(`rtinfer bench:protocol  (budget ${budgetSeconds} s per figure, ${pings} pings)\n`);
  announceQuick();

  const ts = sizes.map(typescriptCodec);
  const c = cCodec();
  console.log('Codec throughput, MODEL_CHUNK frames per second (encode = message + frame; decode = streaming frame decoder + checked message decode)');
  console.log('  data B | TS encode  | TS decode  | C encode   | C decode   | anchor: JSON+base64 line encode / decode (TS)');
  for (const [index, row] of ts.entries()) {
    const cRow = c[index]!;
    console.log(
      `  ${String(row.dataBytes).padStart(6)} | ${fmt(row.encode).padStart(10)} | ${fmt(row.decode).padStart(10)} | ${fmt(cRow.encodeFramesPerSecond).padStart(10)} | ${fmt(cRow.decodeFramesPerSecond).padStart(10)} | ${fmt(row.jsonEncode)} / ${fmt(row.jsonDecode)}`,
    );
  }
  const lineRate = 921_600 / 10; // bytes/s of a 921600-baud UART, 8N1
  console.log(`  (a 921600-baud UART carries ${fmt(lineRate / 1052)} 1 KiB chunk frames per second)\n`);

  const anchor = await ptyEchoRoundTrips(pings);
  const ping = await simPingRoundTrips(pings);
  console.log(`PING round trip over the sim's pty, ${pings} pings (host → serialport → pty → firmware → pty → host)`);
  console.log(`  rtinfer PING      median ${fmt(ping.medianUs, 1)} µs   p99 ${fmt(ping.p99Us, 1)} µs`);
  console.log(`  anchor: raw echo  median ${fmt(percentile(anchor, 0.5), 1)} µs   p99 ${fmt(percentile(anchor, 0.99), 1)} µs   (25 bytes through a C pty echo, same serialport path, no protocol)\n`);

  const mqtt = await mqttRows();
  console.log(`PING round trip over MQTT on loopback, ${pings} pings (host → mqtt.js → broker → device bridge → pty → firmware → and back; QoS 1), TCP_NODELAY on every socket`);
  console.log(`  anchor: the broker's connections with Nagle on (Mosquitto without set_tcp_nodelay, Aedes without noDelay), ${naglePings} pings`);
  for (const row of mqtt) {
    console.log(`  ${row.broker.padEnd(18)} median ${fmt(row.ping.medianUs, 1).padStart(8)} µs   p99 ${fmt(row.ping.p99Us, 1).padStart(8)} µs   | anchor: median ${fmt(row.nagle.medianUs, 1)} µs   p99 ${fmt(row.nagle.p99Us, 1)} µs`);
  }
  if (!mosquittoInstalled()) console.log('  Mosquitto: not installed (apt-get install mosquitto), no row');
  const slowest = Math.max(...mqtt.map((row) => row.ping.medianUs));
  console.log(`  target: median ≤ 2 ms through ${mosquittoInstalled() ? 'both brokers' : 'Aedes'} → slowest median ${fmt(slowest / 1000, 3)} ms ${slowest <= 2000 ? '(met)' : '(MISSED)'}\n`);

  const wire = overhead();
  console.log('Wire overhead = bytes on the wire ÷ payload bytes');
  console.log('  payload B | frame on a CBOR body | MODEL_CHUNK data | anchor: ASCII hex db% | anchor: SMP base64 lines');
  for (const row of wire) {
    console.log(`  ${String(row.bytes).padStart(9)} | ${fmt(row.frameOnBody, 4).padStart(20)} | ${fmt(row.chunkWire, 4).padStart(16)} | ${fmt(row.asciiHex, 4).padStart(21)} | ${fmt(row.smpSerial, 4).padStart(24)}`);
  }
  const target = wire.find((row) => row.bytes === 1024)!;
  console.log(`  target: ≤ 1.02 for 1 KiB bodies → frame on a 1 KiB body: ${fmt(target.frameOnBody, 4)} ${target.frameOnBody <= 1.02 ? '(met)' : '(MISSED)'}`);

  writeFileSync(join(benchDir, resultsFile('protocol')), `${JSON.stringify({ budgetSeconds, pings, codec: { typescript: ts, c }, roundTrip: { ping, anchorMedianUs: percentile(anchor, 0.5), anchorP99Us: percentile(anchor, 0.99) }, mqtt, naglePings, wire }, null, 2)}\n`);
}

await main();

// The MCU images (arm-none-eabi build, firmware/arm) under QEMU, on each machine: netduinoplus2 (Cortex-M4) and
// mps2-an500 (Cortex-M7): it boots, completes HELLO + PING over its pty with the host's own session,
// stores and verifies a model in its RAM storage (SHA-256 by the ARM build of
// mbedTLS), runs it with the ARM build of the firmware/nn runtime, and keeps
// its storage across a reset.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressToContainer, decompressedGraph } from '../compress/compress-model.js';
import { decodeContainer } from '../compress/container.js';
import { inferOnDevice } from '../device/infer.js';
import { pingOnce } from '../device/ping.js';
import { DeviceSession } from '../device/session.js';
import { zooModel } from '../model/zoo/index.js';
import { relativeL2 } from '../nn/fidelity.js';
import { runGraph } from '../nn/forward.js';
import { structuredInputs } from '../nn/structured-input.js';
import { listModels, pushModel } from '../transfer/push-model.js';
import { SerialTransport } from '../transport/serial-transport.js';
import { findQemu, QEMU_MACHINE_NAMES, QEMU_MACHINES, qemuImagePath, type QemuMachineName, type RunningQemu, startQemu } from './qemu.js';
import { repositoryRoot } from './sim-binary.js';

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

const qemu = findQemu();
if (!qemu) console.warn('qemu.test.ts skipped: qemu-system-arm is not installed (scripts/ensure-deps.sh test installs it)');

describe.skipIf(!qemu).each(QEMU_MACHINE_NAMES)('the board image under QEMU %s', (machine) => {
  const { board, idPrefix, imageEnv } = QEMU_MACHINES[machine];
  let running: RunningQemu | undefined;
  let session: DeviceSession | undefined;

  beforeAll(() => {
    // (Re)build the image so that it matches this checkout (a no-op when it is up to date; CI starts from
    // a fresh tree), unless a given image is to be tested or there is no cross compiler to build one with.
    if (process.env[imageEnv]) return;
    if (hasCommand('arm-none-eabi-gcc')) {
      execFileSync(join(repositoryRoot, 'scripts', 'build-arm.sh'), [board], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    } else if (!existsSync(qemuImagePath(machine))) {
      throw new Error(`${qemuImagePath(machine)} is missing and arm-none-eabi-gcc is not installed to build it (scripts/ensure-deps.sh test)`);
    }
  }, 620_000);

  afterAll(async () => {
    await session?.close();
    await running?.stop();
  });

  it('boots and answers HELLO and PING on its pty', async () => {
    running = await startQemu({ machine, idWord: 0x0000beef });
    expect(running.path).toMatch(/^\/dev\/pts\/\d+$/);
    // QEMU's pty backend drops output until a reader connects, so the boot
    // HELLO is usually lost: the session's own HELLO handshake does the work.
    session = await DeviceSession.connect(new SerialTransport({ path: running.path }), { helloTimeoutMs: 2000, helloAttempts: 5 });
    const info = session.info!;
    expect(info.board).toBe(board);
    expect(info.deviceId).toBe(`${idPrefix}-0000beef`);
    expect(Number(info.clockHz)).toBe(running.clockHz);
    expect(info.slots).toBe(2);
    expect(info.slotSize).toBeGreaterThan(0);
    expect(info.ram).toBeGreaterThan(0);

    const first = await pingOnce(session, { timeoutMs: 2000 });
    const second = await pingOnce(session, { timeoutMs: 2000 });
    expect(second.t2).toBeGreaterThan(first.t2); // the device clock runs
    expect(second.t3).toBeGreaterThanOrEqual(second.t2);
    expect(second.counters.framesOk).toBeGreaterThanOrEqual(2);
    // The link is clean once the session is up. A HELLO of the handshake that reached the UART while the firmware
    // was still starting it arrives cut and counts as one CRC error (seen once, with a build running beside).
    expect(second.counters.crc ?? 0).toBe(first.counters.crc ?? 0);
    expect(first.counters.crc ?? 0).toBeLessThanOrEqual(1);
  }, 60_000);

  it('stores, verifies and activates lenet-5-classic, then runs it densely like the host reference', async () => {
    expect(session).toBeDefined();
    const graph = zooModel('lenet-5-classic');
    const { container } = compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1));
    expect(container.length).toBeLessThanOrEqual(session!.info!.slotSize);
    const summary = await pushModel(session!, container, { modelId: 'lenet-5-classic', slot: 1, activate: true });
    expect(summary.active).toBe(true);
    expect((await listModels(session!)).active).toBe(1);
    // Pushing it again finds it complete on the device: nothing is resent.
    expect((await pushModel(session!, container, { modelId: 'lenet-5-classic', slot: 1 })).resumedFrom).toBe(container.length);

    const decoded = decodeContainer(container);
    const reference = decompressedGraph(decoded);
    const expected = runGraph(reference, decoded.testInputs![0]!).get(reference.outputs[0]!)!.data;
    const result = await inferOnDevice(session!, { mode: 'dense', input: { index: 0 }, timeoutMs: 60_000 });
    expect(result.output).toHaveLength(10);
    expect(relativeL2(expected, result.output)).toBeLessThan(1e-4);
    expect(result.ticks).toBeGreaterThan(0n);
  }, 120_000);

  it('keeps its storage across a reset and reports a new boot', async () => {
    expect(session).toBeDefined();
    const before = session!.info!;
    const rebooted = new Promise<void>((resolve) => session!.once('reset', () => resolve()));
    running!.reset();
    await rebooted;
    await pingOnce(session!, { timeoutMs: 2000 }); // the session re-handshakes after a reset
    expect(session!.info!.bootId).not.toBe(before.bootId);
    expect((await listModels(session!)).active).toBe(1);
  }, 60_000);
});

describe('startQemu errors', () => {
  it('says what is missing, with typed errors', async () => {
    await expect(startQemu({ qemu: '/bin/true', image: '/nonexistent/rtinfer.elf' })).rejects.toMatchObject({ code: 'qemu_image_missing' });
    // A machine name from an untyped caller (JavaScript, a config file).
    await expect(startQemu({ qemu: '/bin/true', machine: 'mps2-an386' as QemuMachineName })).rejects.toMatchObject({ code: 'qemu_unknown_machine', facts: { machine: 'mps2-an386', known: 'netduinoplus2, mps2-an500' } });
    // A QEMU that exits before it reports a pty.
    await expect(startQemu({ qemu: '/bin/false', image: process.execPath })).rejects.toMatchObject({ code: 'qemu_exited' });
    const path = process.env.PATH;
    const bin = process.env.RTINFER_QEMU_BIN;
    process.env.PATH = '/nonexistent';
    delete process.env.RTINFER_QEMU_BIN;
    try {
      await expect(startQemu()).rejects.toMatchObject({ code: 'qemu_not_installed' });
    } finally {
      process.env.PATH = path;
      if (bin !== undefined) process.env.RTINFER_QEMU_BIN = bin;
    }
  });
});

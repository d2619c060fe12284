// startOpteeQemu's failure paths, each a typed error with the facts and the log paths: no OP-TEE build, a guest
// whose /init reports that the agent did not start, QEMU ending before the agent is up. The last two run a
// stand-in for qemu-system-aarch64 (RTINFER_QEMU_AARCH64_BIN) that prints what QEMU and the guest print; the real
// boot is in hil-tests (RTINFER_HIL_PI_TARGET=optee-qemu).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpteeQemu } from './optee-qemu.js';

let dir: string;
let build: string;
const saved = process.env.RTINFER_QEMU_AARCH64_BIN;

/** A stand-in for QEMU: a shell script that prints `lines`, then does `then` (its arguments go to args.txt). */
function fakeQemu(name: string, lines: string[], then: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "$@" > ${join(dir, `${name}.args`)}\n${lines.map((line) => `echo '${line}'`).join('\n')}\n${then}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-optee-qemu-'));
  // The images need only exist on these paths: the stand-in never reads them.
  build = dir;
  for (const name of ['flash.bin', 'Image', 'initramfs.cpio.gz']) writeFileSync(join(build, name), '');
});

afterEach(() => {
  if (saved === undefined) delete process.env.RTINFER_QEMU_AARCH64_BIN;
  else process.env.RTINFER_QEMU_AARCH64_BIN = saved;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startOpteeQemu', () => {
  it('without an OP-TEE build: optee_build_missing, naming the missing images and npm run build:optee', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(empty, 'flash.bin'), '');
    await expect(startOpteeQemu({ buildDir: empty })).rejects.toMatchObject({
      code: 'optee_build_missing',
      message: `the OP-TEE build is missing Image, initramfs.cpio.gz in ${empty}: run \`npm run build:optee\``,
      facts: { path: empty, missing: 'Image, initramfs.cpio.gz' },
    });
  });

  it('a guest that could not start the agent: optee_guest_failed with the guest\'s reason and both log paths; the agent\'s options went on the kernel command line', async () => {
    process.env.RTINFER_QEMU_AARCH64_BIN = fakeQemu('guest-fails', ['char device redirected to /dev/pts/99 (label agent)', '[    1.3] optee: revision 3.19', 'RTINFER_GUEST_ERROR rtinfer-agent exited before it was ready'], 'exec sleep 30');
    const logDir = join(dir, 'logs-guest');
    const failure = await startOpteeQemu({ buildDir: build, deviceId: 'opt-x', logDir, maxFrame: 4096, signers: [new Uint8Array(32).fill(0xab)], requireSigned: true }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'optee_guest_failed', facts: { consoleLog: join(logDir, 'console.log'), secureLog: join(logDir, 'secure.log') } });
    expect((failure as Error).message).toContain('the OP-TEE guest could not start the agent: rtinfer-agent exited before it was ready');
    const args = readFileSync(join(dir, 'guest-fails.args'), 'utf8');
    expect(args).toContain('-machine virt,secure=on');
    expect(args).toContain('-nic none');
    expect(args).toContain(`rtinfer.name=opt-x rtinfer.max_frame=4096 rtinfer.signer=${'ab'.repeat(32)} rtinfer.require_signed=1`);
  });

  it('QEMU ending before the agent is up: optee_exited with its exit code', async () => {
    process.env.RTINFER_QEMU_AARCH64_BIN = fakeQemu('exits', ['qemu-system-aarch64: -bios flash.bin: cannot read'], 'exit 3');
    await expect(startOpteeQemu({ buildDir: build, deviceId: 'opt-y', logDir: join(dir, 'logs-exit') })).rejects.toMatchObject({ code: 'optee_exited', facts: { code: 3 } });
  });

  it('refuses a device id that is not an MQTT topic level, before starting anything', async () => {
    await expect(startOpteeQemu({ buildDir: build, deviceId: 'a/b' })).rejects.toMatchObject({ code: 'bad_flag', facts: { flag: 'name', value: 'a/b' } });
  });
});

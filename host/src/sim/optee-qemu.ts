// Boots the Pi's software in a real OP-TEE secure world: TF-A + OP-TEE 3.19 + u-boot (build/optee/qemu/flash.bin,
// scripts/build-optee.sh) and Debian's arm64 kernel with an initramfs that runs rtinfer-agent against the rtinfer TA
// (Image, initramfs.cpio.gz: scripts/optee/normal-world.sh), under qemu-system-aarch64 -machine virt,secure=on.
// The agent's serial link is the guest's virtio console, on a host pty; the guest has no network device.
// The normal world's console (a root shell after boot) and OP-TEE's own UART go to two log files.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RtinferError } from '../errors.js';
import { exitOf, keepTail } from './child-process.js';
import type { RunningPiAgent } from './pi-agent.js';
import { onPath } from './qemu.js';
import { repositoryRoot } from './sim-binary.js';
import { nextFreeDeviceId, registerSim, type SimRecord, simRegistryDir } from './sim-registry.js';

export interface OpteeQemuOptions {
  /** HELLO's device_id, the agent's --name (default: the first free optee-N). */
  deviceId?: string;
  /** Folder with flash.bin, Image and initramfs.cpio.gz; default RTINFER_OPTEE_DIR or build/optee/qemu. */
  buildDir?: string;
  /** Where console.log and secure.log are written; default a new folder under the sim registry's. */
  logDir?: string;
  maxFrame?: number;
  /** Ed25519 public keys (32 bytes) the TA pins as signers (the agent's --signer). */
  signers?: Uint8Array[];
  requireSigned?: boolean;
  /** Register in the sim registry, so `rtinfer devices` and `--device <id>` find it. */
  register?: boolean;
  /**
   * A raw image file (of the size wanted) given to the guest as the virtio disk /dev/vda: a way out of the guest for
   * bulk data, e.g. a memory dump written with dd and read here. The guest has no network to send it by.
   */
  scratchDisk?: string;
  /**
   * The initramfs to boot instead of buildDir's (e.g. that one with a second archive appended, whose files replace
   * its own: a TA signed with another key in /lib/optee_armtz).
   */
  initrd?: string;
  /** From QEMU's start to the agent's startup line; a boot takes about 10 s on an idle machine. */
  bootTimeoutMs?: number;
}

export interface RunningOptee extends RunningPiAgent {
  /** The normal world's console (TF-A, u-boot, the kernel, /init, then a root shell). */
  readonly consoleLog: string;
  /** OP-TEE's own UART: the secure world's log. */
  readonly secureLog: string;
  /** The QEMU process. */
  readonly process: ChildProcess;
  /** Milliseconds from QEMU's start to the agent's startup line. */
  readonly bootMs: number;
  /** Types a command line into the guest's root shell on the console; its output goes to consoleLog. */
  shell(command: string): void;
  /**
   * Runs a command line in the guest's root shell and resolves with what it printed and its exit status
   * (e.g. `pidof tee-supplicant`, `kill -9 $(pidof tee-supplicant)`). One at a time; typed error after `timeoutMs`.
   */
  run(command: string, timeoutMs?: number): Promise<{ output: string; status: number }>;
  /** Powers the guest off (`poweroff -f` on its console), then SIGTERM and SIGKILL if QEMU has not exited. */
  stop(graceMs?: number): Promise<number | null>;
}

/** The agent's HELLO board on this target (firmware/optee/agent --board). */
export const OPTEE_QEMU_BOARD = 'optee_qemu_v8';
const PI_MAX_FRAME = 16384;
const AGENT_LINE = /^RTINFER_AGENT pty=(\S+) link=(\S+) device_id=(\S+) pid=(\d+) clock_hz=(\d+) board=(\S+) tee_heap=(\d+) tee_key_sha256=([0-9a-f]{64})/;
const PTY_LINE = /char device redirected to (\/dev\/\S+) \(label agent\)/;
const GUEST_ERROR = /RTINFER_GUEST_ERROR (.*)/;
/** The agent's reason when OP-TEE refuses to open the TA (firmware/optee/agent/agent_tee.c), in a guest error. */
const TA_OPEN_REFUSED = /cannot open the rtinfer TA: (TEE_ERROR_\w+) \((0x[0-9a-f]{8}), origin (\d+): ([^)]*)\)/;
/** The boot images scripts/build-optee.sh and scripts/optee/normal-world.sh leave in the build folder. */
const IMAGES = ['flash.bin', 'Image', 'initramfs.cpio.gz'] as const;

export function opteeBuildDir(): string {
  return process.env.RTINFER_OPTEE_DIR ?? join(repositoryRoot, 'build', 'optee', 'qemu');
}

export function nextOpteeDeviceId(): string {
  return nextFreeDeviceId('optee');
}

/** The qemu-system-aarch64 executable (RTINFER_QEMU_AARCH64_BIN or PATH), or a typed error. */
function findQemuAarch64(): string {
  const found = process.env.RTINFER_QEMU_AARCH64_BIN ?? onPath('qemu-system-aarch64');
  if (!found || !existsSync(found)) {
    throw new RtinferError('qemu_not_installed', 'qemu-system-aarch64 is not installed (Debian: apt-get install qemu-system-arm; or set RTINFER_QEMU_AARCH64_BIN)', {});
  }
  return found;
}

export async function startOpteeQemu(options: OpteeQemuOptions = {}): Promise<RunningOptee> {
  const buildDir = options.buildDir ?? opteeBuildDir();
  const missing = IMAGES.filter((name) => !existsSync(join(buildDir, name)));
  const initrd = options.initrd ?? join(buildDir, 'initramfs.cpio.gz');
  if (options.initrd !== undefined && !existsSync(initrd)) throw new RtinferError('bad_file', `no initramfs at ${initrd}`, { path: initrd });
  if (missing.length > 0) {
    throw new RtinferError('optee_build_missing', `the OP-TEE build is missing ${missing.join(', ')} in ${buildDir}: run \`npm run build:optee\``, { path: buildDir, missing: missing.join(', ') });
  }
  const qemu = findQemuAarch64();
  const deviceId = options.deviceId ?? nextOpteeDeviceId();
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(deviceId)) {
    throw new RtinferError('bad_flag', `device id ${deviceId} is not 1-32 of [A-Za-z0-9_-] (it is an MQTT topic level)`, { flag: 'name', value: deviceId });
  }
  const logDir = options.logDir ?? defaultLogDir(deviceId);
  mkdirSync(logDir, { recursive: true });
  const consoleLog = join(logDir, 'console.log');
  const secureLog = join(logDir, 'secure.log');
  const signers = (options.signers ?? []).map((key) => Buffer.from(key).toString('hex'));
  // The agent's options ride on the kernel command line; the guest's /init reads them (scripts/optee/guest-init.sh).
  const append = [
    'console=ttyAMA0',
    'rdinit=/init',
    `rtinfer.name=${deviceId}`,
    `rtinfer.max_frame=${options.maxFrame ?? PI_MAX_FRAME}`,
    ...(signers.length > 0 ? [`rtinfer.signer=${signers.join(',')}`] : []),
    ...(options.requireSigned ? ['rtinfer.require_signed=1'] : []),
  ].join(' ');
  const args = [
    '-machine', 'virt,secure=on', '-cpu', 'cortex-a57', '-smp', '2', '-m', '1057',
    '-nographic', '-nic', 'none',
    '-bios', join(buildDir, 'flash.bin'), '-kernel', join(buildDir, 'Image'), '-initrd', initrd,
    '-append', append,
    // The first PL011 is the normal world's console, on our stdin/stdout (muxed with the monitor, which we never
    // enter); the second is OP-TEE's UART.
    '-serial', 'mon:stdio', '-serial', `file:${secureLog}`,
    // The agent's link: a virtio console (/dev/hvc0 in the guest) on a host pty.
    '-chardev', 'pty,id=agent', '-device', 'virtio-serial-device', '-device', 'virtconsole,chardev=agent',
  ];
  if (options.scratchDisk !== undefined) {
    if (!existsSync(options.scratchDisk)) throw new RtinferError('bad_file', `the scratch disk ${options.scratchDisk} does not exist (create it at the size wanted)`, { path: options.scratchDisk });
    // QEMU's -drive takes commas as separators: a path with one would be misread.
    if (options.scratchDisk.includes(',')) throw new RtinferError('bad_file', `the scratch disk's path ${options.scratchDisk} has a comma, which QEMU's -drive cannot take`, { path: options.scratchDisk });
    args.push('-drive', `file=${options.scratchDisk},format=raw,if=none,id=scratch`, '-device', 'virtio-blk-device,drive=scratch');
  }
  // As qemu.ts: setpriv gives QEMU a parent-death signal, so it goes when this process dies, even by SIGKILL.
  const setpriv = process.platform === 'linux' ? onPath('setpriv') : undefined;
  const [command, argv] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', qemu, ...args]] : [qemu, args];
  const started = Date.now();
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = exitOf(child).finally(() => process.off('exit', killOnExit));
  const log = createWriteStream(consoleLog);
  // Both streams into one file, which ends once both have closed ('close' comes after the last output).
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.once('close', () => log.end());
  // A line typed into a shell that QEMU has just left must not crash this process (EPIPE).
  child.stdin!.on('error', () => undefined);
  const tail = keepTail([child.stdout, child.stderr]);
  const describe = () => `${tail.text() || 'no output'}\n(console log ${consoleLog}, OP-TEE log ${secureLog})`;

  let ptyPath: string | undefined;
  let agentLine: RegExpExecArray | undefined;
  const lines = [child.stdout!, child.stderr!].map((input) => createInterface({ input }));
  let timer: NodeJS.Timeout | undefined;
  try {
    agentLine = await Promise.race([
      new Promise<RegExpExecArray>((resolve, reject) => {
        for (const reader of lines) {
          reader.on('line', (raw) => {
            const line = raw.replace(/\r$/, '');
            const pty = PTY_LINE.exec(line);
            if (pty) ptyPath = pty[1];
            const error = GUEST_ERROR.exec(line);
            if (error) reject(guestError(error[1]!, describe(), consoleLog, secureLog));
            const agent = AGENT_LINE.exec(line);
            if (agent) resolve(agent);
          });
        }
      }),
      exited.then((code) => {
        throw new RtinferError('optee_exited', `qemu-system-aarch64 exited (code ${code}) before the agent was ready: ${describe()}`, { code: code ?? -1, consoleLog, secureLog });
      }),
      new Promise<never>((_, reject) => {
        const timeoutMs = options.bootTimeoutMs ?? 120_000;
        timer = setTimeout(() => reject(new RtinferError('optee_timeout', `the OP-TEE guest did not start the agent within ${timeoutMs} ms: ${describe()}`, { timeoutMs, consoleLog, secureLog })), timeoutMs);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
    // Not close(): that pauses the streams, and the console goes on into its log file.
    for (const reader of lines) reader.removeAllListeners('line');
  }
  if (!ptyPath) {
    child.kill('SIGKILL');
    throw new RtinferError('optee_exited', `QEMU did not say which pty the agent's virtio console is on: ${describe()}`, { consoleLog, secureLog });
  }
  const bootMs = Date.now() - started;
  const record: SimRecord = {
    pty: ptyPath,
    deviceId: agentLine[3]!,
    pid: child.pid!,
    clockHz: Number(agentLine[5]),
    clock: 'wall',
    description: `OP-TEE 3.19 under QEMU (${agentLine[6]!})`,
    logs: { console: consoleLog, secure: secureLog },
    startedAt: new Date(started).toISOString(),
  };
  const unregister = options.register ? registerSim(record) : () => {};
  void exited.then(unregister);
  const shell = (line: string) => {
    if (child.exitCode === null && child.signalCode === null) child.stdin!.write(`${line}\n`);
  };
  // The console's lines after boot, for run(): the reader that watched the boot goes on reading stdout.
  const consoleLines = lines[0]!;
  let runs = 0;
  const run = async (command: string, timeoutMs = 30_000) => {
    // Markers the typed line (which the console echoes) cannot contain as they are printed: "@@""B-n" types as is.
    const n = ++runs;
    const begin = `@@B-${n}-${process.pid}`;
    const end = new RegExp(`^@@E-${n}-${process.pid}:(\\d+)$`);
    const output: string[] = [];
    let inside = false;
    let onLine: ((raw: string) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<{ output: string; status: number }>((resolve) => {
          onLine = (raw) => {
            const line = raw.replace(/\r$/, '');
            if (!inside) {
              inside = line === begin;
              return;
            }
            const done = end.exec(line);
            if (done) resolve({ output: output.join('\n'), status: Number(done[1]) });
            else output.push(line);
          };
          consoleLines.on('line', onLine);
          shell(`echo "@@""B-${n}-${process.pid}"; ${command}; echo "@@""E-${n}-${process.pid}:$?"`);
        }),
        exited.then((code) => {
          throw new RtinferError('optee_exited', `QEMU exited (code ${code}) while the guest ran \`${command}\``, { code: code ?? -1, consoleLog, secureLog });
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RtinferError('optee_timeout', `the guest did not finish \`${command}\` within ${timeoutMs} ms (console log ${consoleLog})`, { timeoutMs, consoleLog })), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onLine) consoleLines.off('line', onLine);
    }
  };
  return {
    ...record,
    board: agentLine[6]!,
    teeHeap: Number(agentLine[7]),
    teeKeySha256: agentLine[8]!,
    consoleLog,
    secureLog,
    process: child,
    bootMs,
    exited,
    stderrTail: () => tail.text(),
    shell,
    run,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        // poweroff -f makes TF-A switch the machine off, and QEMU exits with 0.
        shell('poweroff -f');
        const timer = setTimeout(() => child.kill('SIGTERM'), graceMs);
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs * 2);
        await exited;
        clearTimeout(timer);
        clearTimeout(killer);
      }
      if (!log.closed) await once(log, 'close').catch(() => undefined);
      return exited;
    },
  };
}

/** A guest's RTINFER_GUEST_ERROR as a typed error: OP-TEE refusing to open the TA is one of its own. */
function guestError(reason: string, described: string, consoleLog: string, secureLog: string): RtinferError {
  const refused = TA_OPEN_REFUSED.exec(reason);
  if (refused) {
    const [, result, code, origin, originName] = refused;
    return new RtinferError('tee_open_refused', `OP-TEE refused to open the rtinfer TA: ${result} (${code}) from ${originName}${result === 'TEE_ERROR_SECURITY' ? ' (a TA signed with a key other than the one OP-TEE was built with is refused this way)' : ''}\n${described}`, {
      result: result!,
      resultCode: code!,
      origin: Number(origin),
      consoleLog,
      secureLog,
    });
  }
  return new RtinferError('optee_guest_failed', `the OP-TEE guest could not start the agent: ${reason}\n${described}`, { consoleLog, secureLog });
}

function defaultLogDir(deviceId: string): string {
  const base = join(simRegistryDir(), 'optee');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${deviceId}-`));
}

// What only a real secure world can show (issue 14, "Must show"), on the Pi target of support/pi-target.ts booted
// once for this file (RTINFER_HIL_PI_TARGET=optee-qemu: OP-TEE 3.19 under qemu-system-aarch64):
// - confidentiality inside the guest: after provision, a sealed push over MQTT (the host's serial-to-MQTT bridge) and
//   an inference, the agent's whole readable memory (/proc/PID/maps + /proc/PID/mem, read in the guest, carried out
//   on the scratch disk) and every MQTT payload hold no 16-byte run of any plaintext layer blob; the same scan finds
//   them in the unsealed .rtm, and the dump does hold the sealed stream (the agent's slot file is mapped);
// - a model over the TA's heap is refused at commit with need/have, and the old model still answers (also on teesim);
// - tee-supplicant killed mid-push (and the push cut): the agent's next call into the TA waits in the kernel until
//   a supplicant is back (Linux's optee driver holds OP-TEE's request for supplicant memory), so the host's command
//   fails typed (no HELLO); with tee-supplicant started again the old model is still the active one and answers as
//   the host reference, the same sealing's push resumes and the new model is active;
// - a TA signed with another key than OP-TEE's is refused by OP-TEE at open, and `rtinfer sim start --optee` exits 2
//   with the agent's reason as a typed error (tee_open_refused, TEE_ERROR_SECURITY).
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  connectMqtt,
  decodeContainer,
  loadLabForPins,
  opteeBuildDir,
  plaintextRuns,
  pushModel,
  sealForDevice,
  startAedesBroker,
  startMqttDeviceBridge,
} from 'rtinfer';
import { beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { piFixture, rtinferAll, rtinferWithEnv } from './support/pi-fixture.js';
import { connectPi, isOptee, piTargetKind, piTargetStartMs } from './support/pi-target.js';

const onOptee = piTargetKind() === 'optee-qemu';
const SCRATCH_BYTES = 96 << 20;
let scratch: string;
const models: Record<string, string> = {};

const pi = piFixture({
  prefix: 'pi-optee-real',
  deviceId: 'pi-real',
  compress: false,
  target: (dir) => {
    scratch = join(dir, 'scratch.img');
    writeFileSync(scratch, '');
    truncateSync(scratch, SCRATCH_BYTES); // sparse
    return { scratchDisk: scratch };
  },
});

beforeAll(async () => {
  // lenet-5: model A; alexnet-squeezed: the bigger model B (301 KiB); tiny-darknet: over the TA's 5 MiB heap.
  for (const name of ['lenet-5', 'alexnet-squeezed', 'tiny-darknet']) {
    models[name] = join(pi.dir, `${name}.rtm`);
    await rtinferAll(['compress', name, '-o', models[name]!]);
  }
}, 120_000);

/** The plaintext layer blobs of a container, as runs to look for. */
function runsOf(container: Uint8Array) {
  return plaintextRuns(decodeContainer(container).layers.map((layer) => layer.blob));
}

/** Model A (lenet-5) active, pinned in the lab file: the confidentiality test leaves it so; a test run alone does it. */
let modelAActive = false;
async function ensureModelA(): Promise<void> {
  if (modelAActive) return;
  const provisioned = await rtinfer('provision', '--device', pi.agent.pty, '--lab', pi.lab);
  expect(provisioned.code, provisioned.stderr).toBe(0);
  const pushed = await rtinfer('push', models['lenet-5']!, '--device', pi.agent.pty, '--lab', pi.lab);
  expect(pushed.code, pushed.stderr).toBe(0);
  modelAActive = true;
}

async function inferChecked(model: string) {
  const inferred = await rtinfer('infer', '--device', pi.agent.pty, '--model', model, '--check', '--json');
  expect(inferred.code, `${inferred.stderr}${inferred.stdout}`).toBe(0);
  return JSON.parse(inferred.stdout) as { check: { topAgrees: boolean; relativeL2: number }; entries: number; layers: unknown[] };
}

/**
 * In the guest: every readable mapping of rtinfer-agent (/proc/PID/maps) copied from /proc/PID/mem onto /dev/vda,
 * one after the other, page by page. Resolves with the pages written and the mappings that could not be read.
 */
async function dumpAgentMemory(): Promise<{ bytes: Buffer; mappings: number; unreadable: string[] }> {
  const { agent } = pi;
  if (!isOptee(agent)) throw new Error('not an OP-TEE target');
  // One line for the guest's shell (busybox ash); the mappings' addresses are page-aligned.
  const script = [
    'pid=$(cat /run/agent.pid); off=0; n=0',
    'while read range perms o d i path; do',
    'case "$perms" in r*) ;; *) continue ;; esac',
    'case "$path" in "[vvar]"|"[vsyscall]") continue ;; esac',
    'start=$((0x${range%-*})); end=$((0x${range#*-})); pages=$(((end - start) / 4096))',
    'if dd if=/proc/$pid/mem of=/dev/vda bs=4096 skip=$((start / 4096)) seek=$off count=$pages conv=notrunc 2>/dev/null; then off=$((off + pages)); n=$((n + 1)); else echo "unreadable $range $path"; fi',
    'done < /proc/$pid/maps; sync; echo "dumped $n $off"',
  ].join('; ').replace('do; ', 'do ');
  const ran = await agent.run(script, 60_000);
  expect(ran.status, ran.output).toBe(0);
  const summary = /^dumped (\d+) (\d+)$/m.exec(ran.output);
  expect(summary, ran.output).not.toBeNull();
  const pages = Number(summary![2]);
  expect(pages * 4096).toBeLessThanOrEqual(SCRATCH_BYTES);
  const bytes = Buffer.alloc(pages * 4096);
  const fd = openSync(scratch, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, 0);
  } finally {
    closeSync(fd);
  }
  return { bytes, mappings: Number(summary![1]), unreadable: ran.output.split('\n').filter((line) => line.startsWith('unreadable')) };
}

describe.runIf(onOptee)('confidentiality in a real OP-TEE guest', () => {
  it('the agent\'s memory in the guest and every MQTT payload hold no 16-byte run of a plaintext layer blob; the .rtm does', async () => {
    const broker = await startAedesBroker();
    const spy = await connectMqtt(broker.url, { clientId: `spy-${process.pid}` });
    const captured: Buffer[] = [];
    spy.on('message', (_topic, payload) => captured.push(Buffer.from(payload)));
    await spy.subscribeAsync('#', { qos: 1 });
    const bridge = await startMqttDeviceBridge({ devicePath: pi.agent.pty, brokerUrl: broker.url, deviceId: pi.agent.deviceId });
    try {
      const device = `${broker.url}/${pi.agent.deviceId}`;
      for (const args of [['provision', '--device', device, '--lab', pi.lab], ['push', models['lenet-5']!, '--device', device, '--lab', pi.lab], ['infer', '--device', device, '--model', models['lenet-5']!, '--check']]) {
        const outcome = await rtinfer(...args);
        expect(outcome.code, `${args[0]}: ${outcome.stderr}`).toBe(0);
      }
      modelAActive = true;
    } finally {
      await bridge.stop();
      await spy.endAsync();
      await broker.stop();
    }
    const container = new Uint8Array(readFileSync(models['lenet-5']!));
    const runs = runsOf(container);
    const sealed = readFileSync(join(pi.dir, 'cache', 'rtinfer', 'sealed', `${pi.agent.deviceId}.rtms`));
    const traffic = Buffer.concat(captured);
    const dump = await dumpAgentMemory();

    // Positive controls: the scan finds the blobs in the plaintext container; the capture holds the sealed stream;
    // the dump holds it too (the agent's slot file is mapped into its memory), so it did read the agent's data.
    expect(runs.hits(container)).toBeGreaterThanOrEqual(runs.count);
    const piece = sealed.subarray(10 * 1024 + 100, 10 * 1024 + 356);
    expect(traffic.includes(piece)).toBe(true);
    expect(dump.bytes.includes(piece)).toBe(true);

    expect(runs.hits(traffic)).toBe(0);
    expect(runs.hits(dump.bytes)).toBe(0);
    console.log(
      `confidentiality on OP-TEE: ${runs.count} runs of the plaintext blobs; 0 in ${dump.bytes.length} bytes of rtinfer-agent's memory (${dump.mappings} mappings` +
        `${dump.unreadable.length > 0 ? `; not readable: ${dump.unreadable.join(', ')}` : ''}), 0 in ${traffic.length} bytes of MQTT payloads (${captured.length} messages); ` +
        `${runs.hits(container)} in the plaintext .rtm`,
    );
  }, 120_000);
});

describe(`bad input on the TEE (${piTargetKind()})`, () => {
  it('a model over the TA\'s heap is refused at commit with need and have, and the old model still answers', async () => {
    await ensureModelA();
    const refused = await rtinfer('push', models['tiny-darknet']!, '--device', pi.agent.pty, '--lab', pi.lab);
    expect(refused.code).toBe(2);
    const message = unwrapped(refused.stderr);
    expect(message).toContain('Code: device_budget');
    const budget = /refused MODEL_COMMIT: budget: does not fit the TA heap budget \(need (\d+) bytes, have (\d+) bytes\)/.exec(message);
    expect(budget, message).not.toBeNull();
    expect(Number(budget![2])).toBe(pi.agent.teeHeap);
    expect(Number(budget![1])).toBeGreaterThan(pi.agent.teeHeap);
    const still = await inferChecked(models['lenet-5']!);
    expect(still.check.topAgrees).toBe(true);
    expect(still.check.relativeL2).toBeLessThan(1e-4);
  }, 120_000);
});

describe.runIf(onOptee)('tee-supplicant killed mid-push (real OP-TEE)', () => {
  it('the push is cut and the agent waits for tee-supplicant in the kernel (typed no_hello on the host); with it back the old model answers as the host reference, the push resumes and the new model is active', async () => {
    const optee = pi.agent;
    if (!isOptee(optee)) throw new Error('not an OP-TEE target');
    await ensureModelA();
    const container = new Uint8Array(readFileSync(models['alexnet-squeezed']!));
    const outcome = (promise: Promise<unknown>) => promise.then(
      (result) => ({ result: result as { resumedFrom: number; sentBytes: number }, error: undefined }),
      (error: unknown) => ({ result: undefined, error: error as { code?: string; message: string; facts?: Record<string, unknown> } }),
    );

    // 1. Model B's push: tee-supplicant killed a quarter in, the push cut at half (as a Ctrl-C would).
    const session = await connectPi(pi.agent);
    const sealing = sealForDevice({ info: session.info!, device: session.description, deviceSpec: pi.agent.pty, lab: loadLabForPins(pi.lab), container });
    const total = sealing.sealed.length;
    let killed: Promise<{ output: string; status: number }> | undefined;
    const abort = new AbortController();
    const first = await outcome(
      // The stream, as rtinfer push sends it (SPEC §4.3's header form): the CLI's push in step 4 resumes only a slot
      // begun in the same form.
      pushModel(session, sealing.stream, {
        modelId: 'alexnet-squeezed',
        // Small chunks and window, so that progress comes as the device stores them.
        chunkBytes: 1024,
        window: 2,
        signal: abort.signal,
        onProgress: (p) => {
          if (killed === undefined && p.stored >= total / 4) killed = optee.run('kill -9 $(pidof tee-supplicant) && echo killed');
          if (p.stored >= total / 2) abort.abort();
        },
      }),
    ).finally(() => session.close());
    expect(killed, 'the push ended before a quarter of it was stored').toBeDefined();
    expect((await killed!).output).toContain('killed');
    expect(first.error?.code, first.error?.message).toBe('interrupted');
    expect((await optee.run('pidof tee-supplicant')).status).toBe(1);

    // 2. While tee-supplicant is gone, the agent's next call into the TA (HELLO's) waits in the kernel: OP-TEE asks
    //    the normal world for shared memory that tee-supplicant allocates (optee_rpc_cmd_alloc_suppl), and Linux's
    //    optee driver holds such a request until a supplicant is there. The host's command fails typed.
    const stuck = await rtinfer('infer', '--device', pi.agent.pty, '--model', models['lenet-5']!, '--json');
    expect(stuck.code).toBe(2);
    expect(JSON.parse(stuck.stdout || stuck.stderr)).toMatchObject({ code: 'no_hello' });
    const waiting = await optee.run('cat /proc/$(cat /run/agent.pid)/wchan; echo; grep -c optee_rpc_cmd_alloc_suppl /proc/$(cat /run/agent.pid)/stack');
    expect(waiting.output.split('\n')).toEqual(['optee_supp_thrd_req', '1']);

    // 3. tee-supplicant back: the waiting call completes, and model A, still the active one, answers as the host
    //    reference says (the interrupted push of B left it alone).
    expect((await optee.run('tee-supplicant -d -f /data/tee && pidof tee-supplicant')).status).toBe(0);
    // The agent first finishes the calls that waited in the kernel (the stuck command's HELLOs): on a loaded host
    // that outlasted the CLI's three 500 ms HELLO tries once. It must answer again within a bound, then serve.
    const answering = await connectPi(pi.agent, { helloTimeoutMs: 2_000, helloAttempts: 30 });
    await answering.close();
    const old = await inferChecked(models['lenet-5']!);
    expect(old.check.topAgrees).toBe(true);
    expect(old.check.relativeL2).toBeLessThan(1e-4);

    // 4. The push of the same sealing resumes where it was cut (bytes sent less than the total), and B is active.
    const pushed = await rtinfer('push', models['alexnet-squeezed']!, '--device', pi.agent.pty, '--lab', pi.lab, '--json');
    expect(pushed.code, pushed.stderr).toBe(0);
    const summary = JSON.parse(pushed.stdout);
    expect(summary.sealed).toMatchObject({ reused: true });
    expect(summary.resumedFrom).toBeGreaterThan(0);
    expect(summary.sentBytes).toBeLessThan(total);
    expect(summary.active).toBe(true);
    console.log(`resumed: ${summary.resumedFrom} of ${total} sealed bytes already on the device, ${summary.sentBytes} sent`);
    const now = await inferChecked(models['alexnet-squeezed']!);
    expect(now.check.topAgrees).toBe(true);
    expect(now.check.relativeL2).toBeLessThan(1e-4);
  }, 180_000);
});

/** A gzip'd newc cpio archive of the given files (and their folders), owned by root; appended to an initramfs, its
 * files replace those of the same name (the kernel unpacks the archives in order). */
function cpioArchive(files: Record<string, Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (name: string, mode: number, data: Uint8Array) => {
    const fields = [ino++, mode, 0, 0, mode & 0o040000 ? 2 : 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).toUpperCase().padStart(8, '0')).join('')}${name}\0`, 'latin1');
    parts.push(header, pad(header.length), Buffer.from(data), pad(data.length));
  };
  const folders = new Set<string>();
  for (const name of Object.keys(files)) for (let at = name.indexOf('/'); at > 0; at = name.indexOf('/', at + 1)) folders.add(name.slice(0, at));
  for (const folder of [...folders].sort()) entry(folder, 0o040755, new Uint8Array());
  for (const [name, data] of Object.entries(files)) entry(name, 0o100444, data);
  entry('TRAILER!!!', 0, new Uint8Array());
  return gzipSync(Buffer.concat(parts));
}

describe.runIf(onOptee)('a TA signed with another key (real OP-TEE)', () => {
  it('OP-TEE refuses to open it, and rtinfer sim start --optee exits 2 with the agent\'s reason as a typed error (tee_open_refused)', async () => {
    await pi.agent.stop(); // one guest at a time on a 2-core machine
    const build = opteeBuildDir();
    const uuid = readdirSync(join(build, 'ta')).find((name) => name.endsWith('.ta'))!.replace(/\.ta$/, '');
    const key = join(pi.dir, 'other-ta-key.pem');
    writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }));
    const other = join(pi.dir, `${uuid}.ta`);
    execFileSync('/usr/bin/python3', [join(build, 'export-ta_arm64', 'scripts', 'sign_encrypt.py'), '--key', key, '--uuid', uuid, '--ta-version', '0', '--in', join(build, 'ta-elf', `${uuid}.stripped.elf`), '--out', other]);
    const ours = readFileSync(join(build, 'ta', `${uuid}.ta`));
    const theirs = readFileSync(other);
    // The same ELF, so only the signature differs in what follows the header.
    expect(theirs.length).toBe(ours.length);
    expect(theirs.equals(ours)).toBe(false);

    // `rtinfer sim start --optee` on a build folder whose initramfs carries it (the rest links to the real build).
    const otherBuild = join(pi.dir, 'other-key-build');
    mkdirSync(otherBuild);
    for (const name of ['flash.bin', 'Image']) symlinkSync(join(build, name), join(otherBuild, name));
    writeFileSync(join(otherBuild, 'initramfs.cpio.gz'), Buffer.concat([readFileSync(join(build, 'initramfs.cpio.gz')), cpioArchive({ [`lib/optee_armtz/${uuid}.ta`]: theirs })]));
    // Its logs in this test's folder (the sim registry's), removed with it.
    const started = await rtinferWithEnv({ RTINFER_OPTEE_DIR: otherBuild, RTINFER_RUNTIME_DIR: join(pi.dir, 'runtime') }, 'sim', 'start', '--optee', '--name', `pi-other-key-${process.pid}`, '--json');
    expect(started.code, started.stdout).toBe(2);
    const refused = JSON.parse(started.stdout) as { code: string; message: string; result: string; resultCode: string; origin: number; secureLog: string };
    expect(refused, refused.message).toMatchObject({ code: 'tee_open_refused', result: 'TEE_ERROR_SECURITY', resultCode: '0xffff000f', origin: 3 });
    expect(refused.message).toContain('OP-TEE refused to open the rtinfer TA: TEE_ERROR_SECURITY (0xffff000f) from the trusted OS');
    // The secure world's own log: the TA from the normal world's file system (REE) failed its check, and no session
    // opened (OP-TEE's debug log level names the result of each step).
    const secure = readFileSync(refused.secureLog, 'utf8');
    expect(secure).toMatch(new RegExp(`Lookup user TA ELF ${uuid} \\(REE\\)\\s*\\n[^\\n]*ldelf_syscall_open_bin:\\d+ res=0xffff000f`));
    expect(secure).toMatch(/tee_ta_open_session:\d+ init session failed 0xffff000f/);
    console.log(`a TA signed with another key: ${refused.message.split('\n')[0]}`);
  }, piTargetStartMs());
});

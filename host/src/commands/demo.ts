import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { describePush, formatBytes } from '../cli/format.js';
import { pingAndReport } from '../cli/ping-and-report.js';
import { compressToContainer } from '../compress/compress-model.js';
import { structuredInputs } from '../nn/structured-input.js';
import { pushModel } from '../transfer/push-model.js';
import { demoModel } from '../cli/demo-model.js';
import { openSession } from '../device/open-session.js';
import { decodeContainer } from '../compress/container.js';
import { inferBothWays, runDemoTaskset } from '../cli/demo-steps.js';
import { runDemoPi } from '../cli/demo-pi.js';
import { RtinferError } from '../errors.js';
import { startSim, type RunningSim } from '../sim/posix-sim.js';
import { SIM_CLOCKS, type SimClock } from '../sim/sim-registry.js';

export default class Demo extends RtinferCommand {
  static override summary = 'Run the main job on the simulated bench: compress a model, push it, run it densely and with TREC, run a periodic task set and check every deadline; then the same model sealed into a Raspberry Pi\'s enclave.';
  static override description =
    'Starts a simulated STM32 (unless --device names a real one), connects over its serial port, performs the HELLO handshake and a PING series, compresses a model with Deep Compression and streams it into a model slot, verified on the device. Then it runs one inference densely and one with TREC computation reuse, each checked against the host\'s reference, and a periodic task set of two tasks (one of them given an impossible budget and deadline) whose trace goes through the deadline check.\n\nThen the Raspberry Pi part: it starts a simulated Pi (rtinfer-agent with the rtinfer TA in teesim\'s own process; or --pi-device names a TEE device), provisions it (its TA key pinned, trust on first use, in a lab file in the demo\'s own temporary directory, never your lab config), pushes the same compressed model sealed to that key, runs it in the enclave against the host reference, counts the enclave entries, and scans what was pushed and the agent\'s slot file for any piece of the plaintext weights. --no-pi skips it.';
  static override examples = [
    { command: '<%= config.bin %> demo', description: 'On a fresh simulated bench.' },
    { command: '<%= config.bin %> demo --device /dev/ttyACM0 --pings 1000', description: 'Against a board.' },
    { command: '<%= config.bin %> demo --pi-device mqtt://10.0.0.2:1883/pi-1', description: 'The Pi part on a lab\'s Pi (its key pinned only in the demo\'s temporary lab file).' },
    { command: '<%= config.bin %> demo --no-pi --json', description: 'The STM32 part alone, as one JSON object.' },
  ];
  static override flags = {
    device: deviceFlag('Without it, the demo starts its own sim and stops it at the end.'),
    pings: Flags.integer({ summary: 'Number of PINGs.', default: 200, min: 1 }),
    model: Flags.string({ summary: 'Model to compress and push: a zoo name, an .onnx file or a darknet .cfg.', default: 'lenet-5' }),
    duration: Flags.integer({ summary: 'Seconds the periodic task set runs.', default: 1, min: 1, max: 600 }),
    clock: Flags.string({
      summary: 'The demo sim\'s device clock: wall (default, real time) or cpu (its CPU time: a loaded machine does not change the deadline verdicts).',
      options: [...SIM_CLOCKS],
      exclusive: ['device'],
    }),
    'pi-device': Flags.string({ summary: 'The Pi part on this TEE device (a port, a sim id or mqtt://host:port/<id>) instead of a simulated Pi it starts.' }),
    pi: Flags.boolean({ summary: 'Go on to the Raspberry Pi part (default); --no-pi skips it.', allowNo: true, default: true }),
  };

  async run() {
    const { flags } = await this.parse(Demo);
    if (!flags.pi && flags['pi-device'] !== undefined) throw new RtinferError('bad_flag', '--pi-device names the device of the Pi part, which --no-pi skips: give one of them', { flag: 'pi-device' });
    const say = (line: string) => (this.jsonEnabled() ? undefined : this.log(line));
    const stm32 = await this.runStm32(flags, say);
    if (!flags.pi) return stm32.report;
    const { container, model } = stm32.compressed;
    // The demo's own lab file, sealing cache and Pi sim state: nothing of the user's is read or written.
    const dir = mkdtempSync(join(tmpdir(), 'rtinfer-demo-pi-'));
    try {
      const pi = await runDemoPi({ device: flags['pi-device'], dir, container, model, say });
      return { ...stm32.report, pi };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async runStm32(flags: { device?: string; pings: number; model: string; duration: number; clock?: string }, say: (line: string) => void) {
    let sim: RunningSim | undefined;
    if (flags.device === undefined) {
      // A fixed id: the demo board keeps one flash file across runs, as a real board keeps its flash.
      sim = await startSim({ deviceId: 'demo', clock: (flags.clock ?? 'wall') as SimClock });
      say(`started simulated STM32 ${sim.deviceId} on ${sim.pty}`);
    }
    try {
      const { session } = await openSession(sim?.pty ?? flags.device);
      try {
        const ping = await pingAndReport(session, { count: flags.pings }, { log: say, quiet: this.jsonEnabled() });
        const started = performance.now();
        const { graph, weights } = demoModel(flags.model);
        if (weights) say(`model       ${graph.name}: ${weights}`);
        const { container, report } = compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1));
        const dense = report.total.bytesBefore;
        say(`compressed  ${graph.name}: ${formatBytes(dense)} of fp32 weights → ${formatBytes(container.length)} (${(dense / container.length).toFixed(1)}×) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const push = await pushModel(session, container, { modelId: graph.name });
        say(`pushed      ${describePush(push)}`);
        const model = decodeContainer(container);
        const inference = await inferBothWays(session, model, say);
        const periodic = await runDemoTaskset(session, flags.duration, say);
        return {
          report: { ...ping, model: { name: graph.name, ...(weights ? { weights } : {}), denseBytes: dense, containerBytes: container.length }, push, inference, periodic },
          compressed: { container, model },
        };
      } finally {
        await session.close();
      }
    } finally {
      await sim?.stop();
    }
  }
}

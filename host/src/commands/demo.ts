import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { describePush, formatBytes } from '../cli/format.js';
import { pingAndReport } from '../cli/ping-and-report.js';
import { compressToContainer } from '../compress/compress-model.js';
import { structuredInputs } from '../nn/structured-input.js';
import { loadModel } from '../model/load-model.js';
import { pushModel } from '../transfer/push-model.js';
import { openSession } from '../device/open-session.js';
import { decodeContainer } from '../compress/container.js';
import { inferBothWays, runDemoTaskset } from '../cli/demo-steps.js';
import { startSim, type RunningSim } from '../sim/posix-sim.js';
import { SIM_CLOCKS, type SimClock } from '../sim/sim-registry.js';

export default class Demo extends RtinferCommand {
  static override summary = 'Run the main job on the simulated bench: compress a model, push it, run it densely and with TREC, run a periodic task set and check every deadline.';
  static override description =
    'Starts a simulated STM32 (unless --device names a real one), connects over its serial port, performs the HELLO handshake and a PING series, compresses a model with Deep Compression and streams it into a model slot, verified on the device. Then it runs one inference densely and one with TREC computation reuse, each checked against the host\'s reference, and a periodic task set of two tasks (one of them given an impossible budget and deadline) whose trace goes through the deadline check.';
  static override examples = [
    { command: '<%= config.bin %> demo', description: 'On a fresh simulated bench.' },
    { command: '<%= config.bin %> demo --device /dev/ttyACM0 --pings 1000', description: 'Against a board.' },
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
  };

  async run() {
    const { flags } = await this.parse(Demo);
    let sim: RunningSim | undefined;
    if (flags.device === undefined) {
      // A fixed id: the demo board keeps one flash file across runs, as a real board keeps its flash.
      sim = await startSim({ deviceId: 'demo', clock: (flags.clock ?? 'wall') as SimClock });
      if (!this.jsonEnabled()) this.log(`started simulated STM32 ${sim.deviceId} on ${sim.pty}`);
    }
    try {
      const { session } = await openSession(sim?.pty ?? flags.device);
      try {
        const say = (line: string) => (this.jsonEnabled() ? undefined : this.log(line));
        const ping = await pingAndReport(session, { count: flags.pings }, { log: say, quiet: this.jsonEnabled() });
        const started = performance.now();
        const graph = loadModel(flags.model, { seed: 1 });
        const { container, report } = compressToContainer(graph, {}, undefined, structuredInputs(graph.input.shape, 1));
        const dense = report.total.bytesBefore;
        say(`compressed  ${graph.name}: ${formatBytes(dense)} of fp32 weights → ${formatBytes(container.length)} (${(dense / container.length).toFixed(1)}×) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const push = await pushModel(session, container, { modelId: graph.name });
        say(`pushed      ${describePush(push)}`);
        const model = decodeContainer(container);
        const inference = await inferBothWays(session, model, say);
        const periodic = await runDemoTaskset(session, flags.duration, say);
        return { ...ping, model: { name: graph.name, denseBytes: dense, containerBytes: container.length }, push, inference, periodic };
      } finally {
        await session.close();
      }
    } finally {
      await sim?.stop();
    }
  }
}

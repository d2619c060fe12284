import { Flags } from '@oclif/core';
import { deviceFlag, RtinferCommand } from '../cli/base-command.js';
import { resolveDevice } from '../device/resolve-device.js';
import type { FaultCounters } from '../transport/relay/fault-injector.js';
import { checkFaultPlan, type FaultPlan } from '../transport/relay/fault-plan.js';
import { startMqttFaultProxy } from '../transport/relay/mqtt-fault-proxy.js';
import { startSerialRelay } from '../transport/relay/serial-relay.js';

export default class Relay extends RtinferCommand {
  static override summary = 'Put a fault-injecting relay in front of a serial device or an MQTT broker, to harden firmware against a bad link.';
  static override description =
    'Serial: the relay opens the device and offers a new pseudo-terminal in its place; frames crossing it (split at the 0x00 delimiters) are corrupted, dropped, duplicated, reordered or delayed at the rates given, and the link can be cut for a while. MQTT (--broker): a TCP proxy in front of the broker whose PUBLISH packets are duplicated, reordered or delayed (TCP itself neither corrupts nor loses). Faults are drawn from a seeded generator: the same seed and traffic give the same faults. Runs until Ctrl-C, then prints what it did.';
  static override examples = [
    { command: '<%= config.bin %> relay -d sim-1 --corrupt 1e-4 --drop 0.01', description: 'A noisy, lossy line in front of sim-1; connect to the path it prints.' },
    { command: '<%= config.bin %> relay -d /dev/ttyACM0 --cut-at 5000 --cut-for 2000 --seed 7', description: 'Cut a board off for 2 s after 5 s.' },
    { command: '<%= config.bin %> relay --broker mqtt://127.0.0.1:1883 --duplicate 0.05 --reorder 0.05', description: 'Duplicate and reorder MQTT deliveries; connect clients and devices to the URL it prints.' },
  ];
  static override flags = {
    device: deviceFlag(),
    broker: Flags.string({ summary: 'Relay an MQTT broker (mqtt://host:port) instead of a serial device.', exclusive: ['device'] }),
    seed: Flags.integer({ summary: 'Seed of the fault generator.', default: 1 }),
    corrupt: Flags.string({ summary: 'Probability that a byte gets a bit flipped (e.g. 1e-4).' }),
    drop: Flags.string({ summary: 'Probability that a frame is dropped.' }),
    duplicate: Flags.string({ summary: 'Probability that a frame is sent twice.' }),
    reorder: Flags.string({ summary: 'Probability that a frame is held back behind the next one.' }),
    delay: Flags.integer({ summary: 'Delay added to every frame, in milliseconds.', min: 0 }),
    'cut-at': Flags.integer({ summary: 'Cut the link this many milliseconds after start.', min: 0, dependsOn: ['cut-for'] }),
    'cut-for': Flags.integer({ summary: 'How long the cut lasts, in milliseconds.', min: 1, dependsOn: ['cut-at'] }),
  };

  async run() {
    const { flags } = await this.parse(Relay);
    const rate = (name: string, text: string | undefined) => (text === undefined ? undefined : Number(text));
    const plan: FaultPlan = checkFaultPlan({
      seed: flags.seed,
      corruptByteRate: rate('corrupt', flags.corrupt),
      dropFrameRate: rate('drop', flags.drop),
      duplicateFrameRate: rate('duplicate', flags.duplicate),
      reorderFrameRate: rate('reorder', flags.reorder),
      delayMs: flags.delay,
      ...(flags['cut-at'] !== undefined && flags['cut-for'] !== undefined ? { cuts: [{ atMs: flags['cut-at'], forMs: flags['cut-for'] }] } : {}),
    });
    const relay = flags.broker ? await this.startMqtt(flags.broker, plan) : await this.startSerial(flags.device, plan);
    if (this.jsonEnabled()) this.jsonLine({ event: 'started', ...relay.where, plan });
    else for (const line of relay.instructions) this.log(line);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const counters = relay.counters();
    await relay.stop();
    if (this.jsonEnabled()) this.jsonLine({ event: 'stopped', counters });
    else {
      for (const [direction, c] of Object.entries(counters)) {
        this.log(`${direction}: ${c.frames} ${flags.broker ? 'PUBLISHes' : 'frames'}, ${c.dropped} dropped, ${c.duplicated} duplicated, ${c.reordered} reordered, ${c.corruptedBytes} bytes corrupted, ${c.cut} lost to cuts`);
      }
    }
    return undefined;
  }

  private async startSerial(deviceSpec: string | undefined, plan: FaultPlan) {
    const device = await resolveDevice(deviceSpec);
    const relay = await startSerialRelay(device.path, plan);
    return {
      where: { hostPath: relay.hostPath, device: device.path },
      instructions: [`relaying ${device.name} through ${relay.hostPath}`, `connect to it with:  rtinfer ping --device ${relay.hostPath}`, 'Ctrl-C stops the relay and prints what it did.'],
      counters: () => relay.counters() as Record<string, FaultCounters>,
      stop: () => relay.stop(),
    };
  }

  private async startMqtt(brokerUrl: string, plan: FaultPlan) {
    const proxy = await startMqttFaultProxy(brokerUrl, plan);
    return {
      where: { url: proxy.url, broker: brokerUrl },
      instructions: [`relaying ${brokerUrl} through ${proxy.url}`, `point devices and hosts at it:  rtinfer ping --device ${proxy.url}/<device-id>`, 'Ctrl-C stops the relay and prints what it did.'],
      counters: () => proxy.counters() as Record<string, FaultCounters>,
      stop: () => proxy.stop(),
    };
  }
}

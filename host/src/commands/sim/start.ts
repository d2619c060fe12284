import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RtinferCommand } from '../../cli/base-command.js';
import { startSim } from '../../sim/posix-sim.js';
import { QEMU_MACHINE_NAMES, QEMU_MACHINES, type QemuMachineName, startQemu } from '../../sim/qemu.js';
import { startOpteeQemu } from '../../sim/optee-qemu.js';
import { nextPiDeviceId, type RunningPiAgent, startPiAgent } from '../../sim/pi-agent.js';
import { RtinferError } from '../../errors.js';
import { startAedesBroker } from '../../transport/mqtt/brokers.js';
import { startMqttDeviceBridge } from '../../transport/mqtt/device-bridge.js';
import { SIM_CLOCKS, type SimClock, simRegistryDir } from '../../sim/sim-registry.js';
import { describeDaemonEvent } from '../../daemon/bench-table.js';
import { piStorageDir, startSimBench } from '../../daemon/sim-bench.js';

export default class SimStart extends RtinferCommand {
  static override summary = 'Start a simulated STM32 (the firmware built for POSIX), or with --pi a simulated Pi (the OP-TEE agent on teesim), on a pseudo-terminal.';
  static override description =
    'The sim runs the same firmware sources as the boards and speaks the same protocol over a pty, so every rtinfer command reaches it exactly as it reaches a board on a serial port. It runs until Ctrl-C, or in the background with --detach.';
  static override examples = [
    { command: '<%= config.bin %> sim start', description: 'Start sim-1 in the foreground.' },
    { command: '<%= config.bin %> sim start --detach --name bench-a', description: 'Start in the background, named bench-a.' },
    { command: '<%= config.bin %> sim start --link /tmp/ttySIM0', description: 'Also reachable at a stable path.' },
    { command: '<%= config.bin %> sim start --clock cpu', description: 'Device time is the sim\'s CPU time: a loaded machine does not bend job times or releases.' },
    { command: '<%= config.bin %> sim start --broker', description: 'Also on an embedded MQTT broker, as a Pi agent would be.' },
    { command: '<%= config.bin %> sim start --mqtt mqtt://127.0.0.1:1883', description: 'Also on a running broker (Mosquitto).' },
    { command: '<%= config.bin %> sim start --bench sim-bench --count 2', description: 'A simulated bench: two sims, an embedded broker and a daemon.' },
    { command: '<%= config.bin %> sim start --bench sim-bench --count 1 --pi-count 1', description: 'A simulated bench with an STM32 sim and a simulated Pi.' },
    { command: '<%= config.bin %> sim start --qemu', description: 'The netduinoplus2 (STM32F405) firmware image under qemu-system-arm, its USART on a pty.' },
    { command: '<%= config.bin %> sim start --qemu --machine mps2-an500 --icount', description: 'The Cortex-M7 image (the F746\'s core) on QEMU\'s MPS2 AN500, ticks counting instructions.' },
    { command: '<%= config.bin %> sim start --optee --broker', description: 'The agent and the TA in a real OP-TEE 3.19 secure world under qemu-system-aarch64 (npm run build:optee), on a pty and, through the serial-to-MQTT bridge, an embedded broker.' },
    { command: '<%= config.bin %> sim start --pi --broker', description: 'A simulated Pi: the OP-TEE agent with the rtinfer TA in teesim, on a pty and an embedded MQTT broker.' },
    {
      command: '<%= config.bin %> sim start --pi --name pi-lab-1 --mqtt mqtts://broker.lab:8883 --mqtt-ca ca.crt --mqtt-username pi-lab-1 --mqtt-password-file pi-lab-1.pw',
      description: 'A simulated Pi on a lab broker: over TLS with the broker\'s CA pinned, with its own account (the ACL of firmware/optee/agent/README.md).',
    },
  ];
  static override flags = {
    name: Flags.string({ summary: 'Device id of the sim (default: the first free sim-N).' }),
    link: Flags.string({ summary: 'Create this path as a symlink to the pty.' }),
    storage: Flags.string({ summary: 'File that models the board flash (kept across restarts).' }),
    'max-frame': Flags.integer({ summary: 'Largest frame the sim accepts, in bytes.', min: 256, max: 65535 }),
    baud: Flags.integer({ summary: 'Pace the UART to this baud rate (8N1), as a board would; default: unpaced.', min: 300 }),
    clock: Flags.string({
      summary: 'What the device clock counts: wall (default: real time, like a board) or cpu (the sim\'s CPU time while it computes, and each wait up to what it asked for).',
      description:
        'With --clock cpu the same task set gives the same trace however loaded the host is: time the host takes the CPU away is not on the device clock. The host\'s clock sync then sees a device clock that runs slower than its own while the host is loaded (see `rtinfer ping`). With --baud, each byte still takes 10/baud s of device time.',
      options: [...SIM_CLOCKS],
    }),
    detach: Flags.boolean({ summary: 'Leave the sim running in the background and return.' }),
    mqtt: Flags.string({ summary: 'Also put the sim on this MQTT broker (mqtt://host:port), as a Pi agent would be.', exclusive: ['broker', 'detach'] }),
    broker: Flags.boolean({ summary: 'Start an embedded MQTT broker (Aedes) on a free loopback port and put the sim on it.', exclusive: ['mqtt', 'detach'] }),
    bench: Flags.string({
      summary: 'Start a simulated bench of this name: the sims, a broker (embedded Aedes, or --mqtt) and a daemon serving them.',
      exclusive: ['detach', 'broker', 'name', 'link', 'storage'],
    }),
    count: Flags.integer({ summary: 'How many STM32 sims the bench has (default 1, or 0 with --pi-count).', min: 0, max: 16, dependsOn: ['bench'] }),
    'pi-count': Flags.integer({ summary: 'With --bench: how many simulated Pis (rtinfer-agent + teesim, on the bench\'s broker) the bench also has.', min: 1, max: 16, dependsOn: ['bench'] }),
    qemu: Flags.boolean({
      summary: 'Boot a board image (npm run build:arm) under qemu-system-arm instead of the POSIX sim: netduinoplus2 (Cortex-M4), or the one --machine names.',
      exclusive: ['bench', 'detach', 'broker', 'mqtt', 'name', 'link', 'storage', 'max-frame', 'baud', 'clock'],
    }),
    icount: Flags.boolean({ summary: 'With --qemu: device ticks count executed instructions (-icount shift=0).', dependsOn: ['qemu'] }),
    machine: Flags.string({
      summary: 'With --qemu: the QEMU machine, netduinoplus2 (STM32F405, Cortex-M4; default) or mps2-an500 (Arm MPS2, Cortex-M7 as in the F746).',
      options: [...QEMU_MACHINE_NAMES],
      dependsOn: ['qemu'],
    }),
    optee: Flags.boolean({
      summary: 'A Pi in a real OP-TEE 3.19 secure world: TF-A, OP-TEE and Debian\'s arm64 kernel under qemu-system-aarch64 (npm run build:optee), the agent on the guest\'s virtio console, on a pty.',
      description: 'The guest has no network device: --broker/--mqtt reach it through the host\'s serial-to-MQTT bridge. The TA\'s secure storage is in the guest\'s RAM, so each boot is a new device key. The console log and OP-TEE\'s own log go to files whose paths are printed.',
      exclusive: ['bench', 'detach', 'qemu', 'pi', 'link', 'storage', 'baud', 'clock'],
    }),
    pi: Flags.boolean({
      summary: 'A simulated Pi instead: rtinfer-agent (firmware/optee/agent) with the rtinfer TA in teesim\'s own process, on a pty.',
      description: 'The TA keeps its key pair and rollback counter in teesim\'s secure storage (--tee-storage, default $XDG_DATA_HOME/rtinfer/pi-sims/<name>), so a restarted Pi sim keeps its key. Pin it with `rtinfer provision`, then push and infer as to any device.',
      exclusive: ['bench', 'detach', 'qemu', 'baud', 'clock'],
    }),
    'tee-storage': Flags.string({ summary: 'With --pi: the directory of teesim\'s secure storage (the TA\'s key and rollback counter).', dependsOn: ['pi'] }),
    signer: Flags.string({ summary: 'With --pi: pin this Ed25519 public key (64 hex digits) as a signer in the TA; up to 4 times.', multiple: true, dependsOn: ['pi'] }),
    'require-signed': Flags.boolean({ summary: 'With --pi: the TA refuses unsigned containers.', dependsOn: ['pi'] }),
    'mqtt-username': Flags.string({
      summary: 'With --pi --mqtt: the agent\'s own broker account (a lab broker\'s ACL confines it to its device\'s topics).',
      dependsOn: ['pi', 'mqtt'],
    }),
    'mqtt-password-file': Flags.string({
      summary: 'With --mqtt-username: a file whose first line is that account\'s password (read by the agent, so it shows in no command line).',
      dependsOn: ['mqtt-username'],
    }),
    'mqtt-ca': Flags.string({
      summary: 'With --pi and an mqtts:// --mqtt: the CA certificate (PEM) the broker\'s certificate must chain to; its host name is checked too.',
      dependsOn: ['pi', 'mqtt'],
    }),
  };

  async run() {
    const { flags } = await this.parse(SimStart);
    if (flags.bench !== undefined) return this.runBench(flags.bench, flags.count ?? (flags['pi-count'] ? 0 : 1), flags);
    if (flags.qemu) return this.runQemu(flags.icount, (flags.machine ?? 'netduinoplus2') as QemuMachineName);
    if (flags.optee) return this.runOptee(flags);
    const name = flags.name;
    // A Pi sim is on the broker itself (the agent's own MQTT client, SPEC.md §5), so the broker comes first.
    const broker = flags.broker && !flags.detach ? await startAedesBroker() : undefined;
    const brokerUrl = broker?.url ?? flags.mqtt;
    const sim = flags.pi ? await this.startPi(flags, brokerUrl) : await startSim({
      deviceId: name,
      link: flags.link,
      storage: flags.storage,
      maxFrame: flags['max-frame'],
      baud: flags.baud,
      clock: (flags.clock ?? 'wall') as SimClock,
      register: true,
      ...(flags.detach ? { detached: { logFile: join(simRegistryDir(), `${name ?? 'sim'}-${process.pid}.log`) } } : {}),
    });
    const pi = 'teeKeySha256' in sim ? (sim as RunningPiAgent) : undefined;
    const tee = pi ? { board: pi.board, teeHeap: pi.teeHeap, teeKeySha256: pi.teeKeySha256 } : {};
    const summary = { deviceId: sim.deviceId, pty: sim.pty, link: sim.link, pid: sim.pid, clockHz: sim.clockHz, clock: sim.clock, detached: flags.detach, ...tee };
    if (flags.detach) {
      if (!this.jsonEnabled()) this.log(`${sim.deviceId} running (pid ${sim.pid}, ${sim.clock} clock) on ${sim.link ?? sim.pty}; stop it with: kill ${sim.pid}`);
      return summary;
    }
    const bridge = brokerUrl && !flags.pi ? await startMqttDeviceBridge({ devicePath: sim.pty, brokerUrl, deviceId: sim.deviceId }) : undefined;
    const mqttDevice = brokerUrl ? `${brokerUrl}/${sim.deviceId}` : undefined;
    if (this.jsonEnabled()) this.jsonLine({ event: 'started', ...summary, ...(mqttDevice ? { mqtt: mqttDevice } : {}) });
    else {
      const where = flags.pi && brokerUrl ? `on the broker ${brokerUrl}` : `on ${sim.pty}${sim.link ? ` (also ${sim.link})` : ''}`;
      this.log(`${sim.deviceId} is running ${where}, pid ${sim.pid}, ${sim.clock} clock`);
      if ('teeKeySha256' in tee) {
        this.log(`TEE         ${tee.board}, TA heap budget ${tee.teeHeap} B, TA key fingerprint ${tee.teeKeySha256}`);
        this.log(`pin its key:    rtinfer provision --device ${mqttDevice ?? sim.deviceId}   (then push and infer as to any device)`);
      }
      // With a broker the agent serves MQTT, not its pty.
      if (!(flags.pi && mqttDevice)) this.log(`reach it with:  rtinfer ping --device ${sim.deviceId}   (or --device ${sim.link ?? sim.pty})`);
      if (mqttDevice) this.log(`and over MQTT:  rtinfer ping --device ${mqttDevice}${broker ? '   (embedded Aedes broker)' : ''}`);
      this.log('Ctrl-C stops it.');
    }
    const stop = () => {
      void (async () => {
        await bridge?.stop();
        await broker?.stop();
        await sim.stop();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const code = await sim.exited;
    if (code !== 0 && code !== null) this.error(`the sim exited with code ${code}: ${sim.stderrTail()}`, { exit: 1 });
    return undefined;
  }

  /** --pi: rtinfer-agent with the TA in teesim, registered as a sim so that --device <id> finds it. */
  private async startPi(flags: PiFlags, brokerUrl: string | undefined) {
    const signers = (flags.signer ?? []).map((hex) => {
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RtinferError('bad_flag', `--signer ${hex} is not an Ed25519 public key: 64 hex digits (32 bytes)`, { flag: 'signer', value: hex });
      return new Uint8Array(Buffer.from(hex, 'hex'));
    });
    if (signers.length > 4) throw new RtinferError('bad_flag', `the TA pins at most 4 signers, ${signers.length} given`, { flag: 'signer', need: signers.length, have: 4 });
    // Each Pi sim its own secure storage by default: the TA binds its key to one device id, so a second name on
    // a shared storage could not start.
    const deviceId = flags.name ?? nextPiDeviceId();
    return startPiAgent({
      deviceId,
      teeStorageDir: flags['tee-storage'] ?? piStorageDir(deviceId),
      ...(flags.link !== undefined ? { link: flags.link } : {}),
      ...(flags.storage !== undefined ? { storage: flags.storage } : {}),
      ...(flags['max-frame'] !== undefined ? { maxFrame: flags['max-frame'] } : {}),
      signers,
      requireSigned: flags['require-signed'] ?? false,
      ...(brokerUrl !== undefined ? { mqtt: brokerUrl } : {}),
      ...brokerAccount(flags, brokerUrl),
      // A refused connection (wrong password, an ACL, a certificate that does not chain) is only on the agent's
      // stderr, and it keeps retrying: say it here, or the sim looks up and nothing reaches it.
      // (straight to stderr: oclif's logToStderr is silent under --json).
      onStderrLine: (line) => process.stderr.write(`${line}\n`),
      // On a broker the pty is not served: --device pi-N must not lead there.
      register: brokerUrl === undefined,
    });
  }

  /** --qemu: the board image in QEMU, until Ctrl-C. */
  private async runQemu(icount: boolean, machine: QemuMachineName) {
    const qemu = await startQemu({ icount, machine });
    const { board } = QEMU_MACHINES[machine];
    const summary = { deviceId: qemu.deviceId, pty: qemu.path, pid: qemu.process.pid, clockHz: qemu.clockHz, board, machine };
    if (this.jsonEnabled()) this.jsonLine({ event: 'started', ...summary });
    else {
      this.log(`${board} ${qemu.deviceId} is running in QEMU (${machine}) on ${qemu.path}, pid ${qemu.process.pid}${icount ? ' (ticks count instructions)' : ''}`);
      this.log(`reach it with:  rtinfer ping --device ${qemu.path}`);
      this.log('Ctrl-C stops it.');
    }
    const stop = () => void qemu.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await qemu.exited;
    return undefined;
  }

  /** --optee: the agent with the TA in OP-TEE under qemu-system-aarch64, until Ctrl-C or `sim stop`'s SIGTERM (the guest is powered off). */
  private async runOptee(flags: { name?: string; mqtt?: string; broker?: boolean; 'max-frame'?: number }) {
    const broker = flags.broker ? await startAedesBroker() : undefined;
    const brokerUrl = broker?.url ?? flags.mqtt;
    const optee = await startOpteeQemu({
      ...(flags.name !== undefined ? { deviceId: flags.name } : {}),
      ...(flags['max-frame'] !== undefined ? { maxFrame: flags['max-frame'] } : {}),
      // On a broker the bridge holds the pty: --device <id> must not lead there.
      register: brokerUrl === undefined,
    }).catch(async (error: unknown) => {
      await broker?.stop();
      throw error;
    });
    // The guest has no network: MQTT goes through the host's serial-to-MQTT bridge on the agent's pty.
    const bridge = brokerUrl ? await startMqttDeviceBridge({ devicePath: optee.pty, brokerUrl, deviceId: optee.deviceId }) : undefined;
    const mqttDevice = brokerUrl ? `${brokerUrl}/${optee.deviceId}` : undefined;
    const summary = {
      deviceId: optee.deviceId, pty: optee.pty, pid: optee.pid, clockHz: optee.clockHz, board: optee.board, teeHeap: optee.teeHeap,
      teeKeySha256: optee.teeKeySha256, bootMs: optee.bootMs, consoleLog: optee.consoleLog, secureLog: optee.secureLog, ...(mqttDevice ? { mqtt: mqttDevice } : {}),
    };
    if (this.jsonEnabled()) this.jsonLine({ event: 'started', ...summary });
    else {
      this.log(`${optee.deviceId} is running in OP-TEE under qemu-system-aarch64 (booted in ${(optee.bootMs / 1000).toFixed(1)} s) on ${optee.pty}, pid ${optee.pid}`);
      this.log(`TEE         ${optee.board}, TA heap budget ${optee.teeHeap} B, TA key fingerprint ${optee.teeKeySha256}`);
      this.log(`logs        console ${optee.consoleLog}, OP-TEE ${optee.secureLog}`);
      this.log(`pin its key:    rtinfer provision --device ${mqttDevice ?? optee.deviceId}   (then push and infer as to any device)`);
      if (mqttDevice) this.log(`over MQTT:      rtinfer ping --device ${mqttDevice}${broker ? '   (embedded Aedes broker)' : ''}`);
      else this.log(`reach it with:  rtinfer ping --device ${optee.deviceId}   (or --device ${optee.pty})`);
      this.log('Ctrl-C powers it off.');
    }
    const stop = () => {
      void (async () => {
        await bridge?.stop();
        await broker?.stop();
        await optee.stop();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const code = await optee.exited;
    if (code !== 0 && code !== null) this.error(`qemu-system-aarch64 exited with code ${code}: ${optee.stderrTail()}`, { exit: 1 });
    return undefined;
  }

  /** --bench: sims, broker and daemon in one process, until Ctrl-C. */
  private async runBench(name: string, count: number, flags: { mqtt?: string; 'max-frame'?: number; baud?: number; clock?: string; 'pi-count'?: number }) {
    const json = this.jsonEnabled();
    if (count === 0 && flags['pi-count'] === undefined) throw new RtinferError('bad_flag', '--count 0 leaves the bench without devices: give --pi-count N or a --count above 0', { flag: 'count', need: 1, have: 0 });
    const bench = await startSimBench({
      bench: name,
      count,
      ...(flags['pi-count'] !== undefined ? { piCount: flags['pi-count'] } : {}),
      ...(flags.mqtt !== undefined ? { brokerUrl: flags.mqtt } : {}),
      maxFrame: flags['max-frame'],
      baud: flags.baud,
      clock: flags.clock as SimClock | undefined,
      log: (event) => (json ? this.jsonLine(event) : event.event === 'device' ? this.log(describeDaemonEvent(event)) : undefined),
    });
    // A Pi is on the broker (its mqtt address is how to provision it), an STM32 sim on its pty.
    const devices = bench.sims.map((sim) => ({
      deviceId: sim.deviceId,
      pty: sim.pty,
      pid: sim.pid,
      ...('teeKeySha256' in sim ? { board: (sim as RunningPiAgent).board, teeKeySha256: (sim as RunningPiAgent).teeKeySha256, mqtt: `${bench.brokerUrl}/${sim.deviceId}` } : {}),
    }));
    if (json) this.jsonLine({ event: 'started', bench: bench.bench, broker: bench.brokerUrl, embeddedBroker: bench.embeddedBroker, devices });
    else {
      this.log(`bench ${bench.bench}: ${devices.map((d) => (d.board ? `${d.deviceId} on the broker (${d.board}, TA key fingerprint ${d.teeKeySha256})` : `${d.deviceId} on ${d.pty}`)).join(', ')}; broker ${bench.brokerUrl}${bench.embeddedBroker ? ' (embedded Aedes)' : ''}`);
      this.log(`reach it with:  rtinfer devices --bench ${bench.bench} --broker ${bench.brokerUrl}`);
      const stm32 = devices.find((device) => device.board === undefined);
      if (stm32) this.log(`               rtinfer push <model.rtm> --bench ${bench.bench} --broker ${bench.brokerUrl} --device ${stm32.deviceId}`);
      // A Pi's push is sealed by the CLI to the key the lab config pins for it: pinned straight over the broker first.
      const pi = devices.find((device) => device.board !== undefined);
      if (pi) {
        this.log(`pin a Pi's key: rtinfer provision --device ${pi.mqtt}`);
        this.log(`               rtinfer push <model.rtm> --bench ${bench.bench} --broker ${bench.brokerUrl} --device ${pi.deviceId}   (sealed on this host to that key)`);
      }
      this.log('Ctrl-C stops it.');
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      // A sim that dies is the daemon's to report (offline) — the bench runs on.
    });
    await bench.stop();
    return undefined;
  }
}

interface PiFlags {
  name?: string;
  link?: string;
  storage?: string;
  'max-frame'?: number;
  'tee-storage'?: string;
  signer?: string[];
  'require-signed'?: boolean;
  'mqtt-username'?: string;
  'mqtt-password-file'?: string;
  'mqtt-ca'?: string;
}

/** The agent's broker account and the broker's CA, checked here so that a wrong path is a typed error, not an agent exit. */
function brokerAccount(flags: PiFlags, brokerUrl: string | undefined): { mqttUsername?: string; mqttPasswordFile?: string; mqttCa?: string } {
  const tls = brokerUrl?.startsWith('mqtts://') ?? false;
  if (tls && flags['mqtt-ca'] === undefined) {
    throw new RtinferError('bad_flag', `--mqtt ${brokerUrl} is TLS: give --mqtt-ca FILE, the CA certificate the broker's certificate must chain to (the agent pins it)`, { flag: 'mqtt-ca', url: brokerUrl });
  }
  if (!tls && flags['mqtt-ca'] !== undefined) {
    throw new RtinferError('bad_flag', `--mqtt-ca is for a TLS broker (mqtts://host:port); --mqtt ${brokerUrl ?? '(none)'} is not one`, { flag: 'mqtt-ca', url: brokerUrl });
  }
  return {
    ...(flags['mqtt-username'] !== undefined ? { mqttUsername: flags['mqtt-username'] } : {}),
    ...(flags['mqtt-password-file'] !== undefined ? { mqttPasswordFile: readableFile('mqtt-password-file', flags['mqtt-password-file']) } : {}),
    ...(flags['mqtt-ca'] !== undefined ? { mqttCa: readableFile('mqtt-ca', flags['mqtt-ca']) } : {}),
  };
}

/** The file's absolute path (the agent runs elsewhere), or bad_file saying why it cannot be read. */
function readableFile(flag: string, file: string): string {
  const path = resolve(file);
  try {
    if (!statSync(path).isFile()) throw new RtinferError('bad_file', `--${flag} ${file} is not a file`, { flag, file: path });
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof RtinferError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new RtinferError('bad_file', `--${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable' : (error as Error).message}`, { flag, file: path });
  }
  return path;
}

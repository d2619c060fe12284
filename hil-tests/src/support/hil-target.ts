// RTINFER_HIL_TARGET: the one variable that picks the device under test for every HIL suite (issue 17 item 3).
//   sim (default)       the POSIX sim, started per suite
//   qemu, qemu-m7       a board image under QEMU (netduinoplus2, the Cortex-M4; mps2-an500, the Cortex-M7)
//   optee-sim (teesim)  rtinfer-agent with the rtinfer TA in teesim
//   optee-qemu          the agent and the TA in OP-TEE 3.19 under qemu-system-aarch64
//   serial:PATH[?baud=N]        a device already flashed and plugged in (a Nucleo's ST-LINK VCP); the suite starts nothing
//   mqtt://HOST:PORT/DEVICE_ID  a device on a broker (mqtts:// too); credentials from RTINFER_HIL_MQTT_USERNAME and
//                               RTINFER_HIL_MQTT_PASSWORD, a private CA from NODE_EXTRA_CA_CERTS
// The STM32 suites run on the value when it is an STM32 target, the Pi suites when it is a Pi target; each family's
// suites run on their own default simulator otherwise (an external device's family is its HELLO's TEE bit).
// The old names stay aliases: RTINFER_HIL_PORT=PATH is serial:PATH, RTINFER_HIL_PI_TARGET=teesim|optee-qemu names the Pi.
import { DeviceSession, MqttTransport, parseMqttDeviceUrl, SerialTransport } from 'rtinfer';
import type { TestContext } from 'vitest';

export type HilTargetName = 'sim' | 'qemu' | 'qemu-m7' | 'optee-sim' | 'optee-qemu' | 'serial' | 'mqtt';

export interface HilTargetSpec {
  name: HilTargetName;
  /** What the variable said (for messages). */
  text: string;
  /** serial: the port path; mqtt: the device URL. */
  device?: string;
  baudRate?: number;
}

const LOCAL: Record<string, HilTargetName> = { sim: 'sim', qemu: 'qemu', 'qemu-m7': 'qemu-m7', 'optee-sim': 'optee-sim', teesim: 'optee-sim', 'optee-qemu': 'optee-qemu' };

export function parseHilTarget(text: string): HilTargetSpec {
  if (text in LOCAL) return { name: LOCAL[text]!, text };
  if (text.startsWith('serial:')) {
    const [path, query] = text.slice('serial:'.length).split('?', 2) as [string, string | undefined];
    if (path === '') throw new Error(`RTINFER_HIL_TARGET=${text}: give the port, e.g. serial:/dev/ttyACM0`);
    const baud = query === undefined ? undefined : /^baud=(\d+)$/.exec(query)?.[1];
    if (query !== undefined && baud === undefined) throw new Error(`RTINFER_HIL_TARGET=${text}: the only option is ?baud=N (got "${query}")`);
    return { name: 'serial', text, device: path, ...(baud !== undefined ? { baudRate: Number(baud) } : {}) };
  }
  if (text.startsWith('mqtt://') || text.startsWith('mqtts://')) {
    parseMqttDeviceUrl(text); // a typed bad_device_url for a URL without a device id
    return { name: 'mqtt', text, device: text };
  }
  // A typo must not quietly test the sim instead.
  throw new Error(`RTINFER_HIL_TARGET=${text}: expected ${Object.keys(LOCAL).join(', ')}, serial:PATH[?baud=N] or mqtt://HOST:PORT/DEVICE_ID`);
}

/** The target the environment names, the old variable names included. */
export function hilTarget(): HilTargetSpec {
  const text = process.env.RTINFER_HIL_TARGET;
  if (text !== undefined && text !== '') return parseHilTarget(text);
  if (process.env.RTINFER_HIL_PORT) return parseHilTarget(`serial:${process.env.RTINFER_HIL_PORT}`);
  return { name: 'sim', text: 'sim' };
}

/** The target for the Pi suites: the value when it names one, else RTINFER_HIL_PI_TARGET's alias, else teesim. */
export function hilPiTarget(): HilTargetSpec {
  const target = hilTarget();
  if (target.name !== 'sim' && target.name !== 'qemu' && target.name !== 'qemu-m7') return target;
  const old = process.env.RTINFER_HIL_PI_TARGET;
  if (old === undefined || old === '' || old === 'teesim') return { name: 'optee-sim', text: 'optee-sim' };
  if (old === 'optee-qemu') return { name: 'optee-qemu', text: old };
  throw new Error(`RTINFER_HIL_PI_TARGET=${old}: the Pi targets are teesim (default) and optee-qemu`);
}

export function isExternal(target: HilTargetSpec): boolean {
  return target.name === 'serial' || target.name === 'mqtt';
}

/** A session to an external device, as the CLI's --device would open it (plus the baud and broker credentials). */
export function connectExternal(target: HilTargetSpec, options: { helloWant?: number } = {}): Promise<DeviceSession> {
  if (target.name === 'serial') return DeviceSession.connect(new SerialTransport({ path: target.device!, ...(target.baudRate ? { baudRate: target.baudRate } : {}) }), options);
  const { brokerUrl, deviceId } = parseMqttDeviceUrl(target.device!);
  const username = process.env.RTINFER_HIL_MQTT_USERNAME;
  const password = process.env.RTINFER_HIL_MQTT_PASSWORD;
  return DeviceSession.connect(
    new MqttTransport({ brokerUrl, deviceId, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) }),
    options,
  );
}

/**
 * What a test may need beyond a device that speaks the protocol. Only the simulators the suite starts itself have
 * these; hil-tests/README.md lists every test that declares one.
 *   memory     set the device's inference memory (the sim's --ram)
 *   fast-link  a link fast enough that a push's retransmission timers never fire on their own (the sim's pty)
 *   spawn      start another device of the target's kind beside it (a second, differently configured Pi)
 *   registry   the suite started it, so `rtinfer devices` lists it and --device <its id> finds it
 *   stop       the suite may end the device (a sim's process, an OP-TEE guest's power-off)
 *   serial-link  the device is on a serial line this host opens (a pty, or serial:PATH): a daemon or a bridge can hold it
 */
export type Power = 'memory' | 'fast-link' | 'spawn' | 'registry' | 'stop' | 'serial-link';

const LOCAL_POWERS: readonly Power[] = ['spawn', 'registry', 'stop', 'serial-link'];
const POWERS: Record<HilTargetName, readonly Power[]> = {
  sim: ['memory', 'fast-link', ...LOCAL_POWERS],
  qemu: LOCAL_POWERS,
  'qemu-m7': LOCAL_POWERS,
  'optee-sim': LOCAL_POWERS,
  'optee-qemu': LOCAL_POWERS,
  serial: ['serial-link'],
  mqtt: [],
};

/** Which of `powers` the target lacks (none: a test may use them all). */
export function missingPowers(target: HilTargetSpec, powers: Power[]): Power[] {
  return powers.filter((power) => !POWERS[target.name].includes(power));
}

/**
 * Call first in a test that needs sim-only powers: on a target without them the test is skipped, the reason in the
 * reporter's output (vitest prints a skip's note) and on stdout.
 */
export function requires(context: TestContext, target: HilTargetSpec, powers: Power[]): void {
  const missing = missingPowers(target, powers);
  if (missing.length === 0) return;
  const note = `needs ${missing.join(', ')}, which ${target.text} lacks`;
  console.log(`[hil] skipped "${context.task.name}": ${note}`);
  context.skip(note);
}

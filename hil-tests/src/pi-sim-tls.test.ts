// `rtinfer sim start --pi` on a lab broker: Mosquitto over TLS only, with passwords and the ACL of
// firmware/optee/agent/README.md (support/secure-mosquitto.ts makes the certificates with openssl). Started with its
// own account (--mqtt-username, --mqtt-password-file) and the broker's CA pinned (--mqtt-ca), the simulated Pi is on
// the broker: the lab's account, over TLS with the same CA, reads its retained status (HELLO) and gets a PING
// answered; another device's account reads nothing of the agent's and its PING draws no answer; an anonymous client
// is refused. Started with a wrong password, the CLI says the broker refused it.
// Missing files and a TLS URL without a CA are typed errors before anything starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, type DeviceMessage, encodeMessage } from '@rtinfer/protocol';
import { connectMqtt, decodeStatus } from 'rtinfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtinfer, unwrapped } from './support/cli.js';
import { DaemonProcess } from './support/daemon-process.js';
import { useAgentBesideSim } from './support/pi-fixture.js';
import { type SecureMosquitto, startSecureMosquitto } from './support/secure-mosquitto.js';

// Under npm test the sims are the sanitizer build (RTINFER_SIM_BIN): the agent beside it is too.
useAgentBesideSim();

const deviceId = `pi-tls-${process.pid}`;
const LAB = { username: 'lab', password: 'lab-secret' };
let broker: SecureMosquitto;
let dir: string;
const sims: DaemonProcess[] = [];

/** `rtinfer sim start --pi … --json`, run as a user runs it, once it has said it started. */
async function startPiSim(args: string[]): Promise<DaemonProcess> {
  const sim = await DaemonProcess.start(['sim', 'start', '--pi', ...args]);
  sims.push(sim);
  return sim;
}

/** Waits for `condition` on output that grows, for at most `tries` × 50 ms. */
async function eventually(condition: () => boolean, tries: number, what: string): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not seen after ${tries} tries: ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtinfer-pi-tls-'));
  broker = await startSecureMosquitto({ [deviceId]: 'agent-secret', [LAB.username]: LAB.password, 'other-dev': 'other-secret' });
});

afterAll(async () => {
  const stopped = [];
  for (const sim of sims) stopped.push({ code: await sim.stop(), signal: sim.exitSignal, stderr: sim.stderrText });
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
  for (const { code, signal, stderr } of stopped) expect(code, `signal ${signal}; stderr: ${stderr}`).toBe(0);
});

describe('rtinfer sim start --pi on Mosquitto with TLS, passwords and an ACL', () => {
  it('with its account and the CA pinned, the lab reads its status over TLS and its PING is answered; another device and anonymous get nothing', async () => {
    const sim = await startPiSim([
      '--name', deviceId, '--storage', join(dir, 'slots.flash'), '--tee-storage', join(dir, 'tee'),
      '--mqtt', broker.url, '--mqtt-ca', broker.ca, '--mqtt-username', deviceId, '--mqtt-password-file', broker.passwordFile(deviceId, 'agent-secret'),
    ]);
    expect(sim.started).toMatchObject({ deviceId, board: 'optee_sim', mqtt: `${broker.url}/${deviceId}` });

    const ca = readFileSync(broker.ca);
    const lab = await connectMqtt(broker.url, { ca, ...LAB, clientId: `lab-${process.pid}`, reconnectPeriod: 0 });
    try {
      const status = new Promise<ReturnType<typeof decodeStatus>>((resolve) => {
        lab.on('message', (topic, payload) => {
          const decoded = topic.endsWith('/status') ? decodeStatus(payload) : undefined;
          if (decoded?.online) resolve(decoded);
        });
      });
      const replies: DeviceMessage[] = [];
      lab.on('message', (topic, payload) => {
        if (topic.endsWith('/up')) replies.push(decodeMessage('d2h', new Uint8Array(payload)));
      });
      await lab.subscribeAsync([`rtinfer/v1/dev/${deviceId}/status`, `rtinfer/v1/dev/${deviceId}/up`], { qos: 1 });
      expect(await status).toMatchObject({ online: true, hello: { deviceId, board: 'optee_sim' } });

      // Another device's account: on the broker, but the ACL keeps it to its own topics. Its PING (id 31) to the
      // agent is dropped by the broker; the agent handles messages in the order the broker routes them, so had 31
      // reached it, its answer would come before the lab's 41.
      const other = await connectMqtt(broker.url, { ca, username: 'other-dev', password: 'other-secret', clientId: `other-${process.pid}`, reconnectPeriod: 0 });
      const otherSaw: string[] = [];
      other.on('message', (topic) => otherSaw.push(topic));
      try {
        await other.subscribeAsync([`rtinfer/v1/dev/${deviceId}/#`, 'rtinfer/v1/dev/other-dev/down'], { qos: 1 });
        await other.publishAsync(`rtinfer/v1/dev/${deviceId}/down`, Buffer.from(encodeMessage('h2d', { type: 'PING', id: 31, body: { t1: 31n } })), { qos: 1 });
        await lab.publishAsync(`rtinfer/v1/dev/${deviceId}/down`, Buffer.from(encodeMessage('h2d', { type: 'PING', id: 41, body: { t1: 41n } })), { qos: 1 });
        await eventually(() => replies.some((reply) => reply.type === 'PING' && reply.id === 41), 200, 'the PING answered');
        expect(replies.map((reply) => reply.id)).not.toContain(31);
        // A marker on other-dev's own topic, sent after the agent's answer: once it arrives, other-dev has had its chance.
        await lab.publishAsync('rtinfer/v1/dev/other-dev/down', Buffer.from('marker'), { qos: 1 });
        await eventually(() => otherSaw.includes('rtinfer/v1/dev/other-dev/down'), 200, 'the marker at other-dev');
        expect(otherSaw).toEqual(['rtinfer/v1/dev/other-dev/down']);
      } finally {
        await other.endAsync();
      }
    } finally {
      await lab.endAsync();
    }

    // Anonymous, over the same TLS: refused at CONNACK.
    await expect(connectMqtt(broker.url, { ca, clientId: `anonymous-${process.pid}`, reconnectPeriod: 0 }, false)).rejects.toThrow(/authori[sz]ed/i);
    expect(await sim.stop(), `signal ${sim.exitSignal}; stderr: ${sim.stderrText}`).toBe(0);
  });

  it('with a wrong password, says the broker refused the agent', async () => {
    const sim = await startPiSim([
      '--name', deviceId, '--storage', join(dir, 'slots.flash'), '--tee-storage', join(dir, 'tee'),
      '--mqtt', broker.url, '--mqtt-ca', broker.ca, '--mqtt-username', deviceId, '--mqtt-password-file', broker.passwordFile('wrong', 'not-the-secret'),
    ]);
    await eventually(() => sim.stderrText.includes('the broker refused the connection'), 200, `the refusal on stderr (so far: ${sim.stderrText})`);
    expect(sim.stderrText).toMatch(/not authori[sz]ed/i);
    expect(await sim.stop(), `signal ${sim.exitSignal}; stderr: ${sim.stderrText}`).toBe(0);
  });

  it.each([
    [['--mqtt-ca', '/nonexistent/ca.crt'], 'bad_file', '--mqtt-ca /nonexistent/ca.crt: no such file'],
    [['--mqtt-ca', 'CA', '--mqtt-username', 'u', '--mqtt-password-file', '/nonexistent/pw'], 'bad_file', '--mqtt-password-file /nonexistent/pw: no such file'],
    [[], 'bad_flag', 'is TLS: give --mqtt-ca FILE'],
  ])('refuses %j before starting: %s', async (extra, code, message) => {
    const args = extra.map((arg) => (arg === 'CA' ? broker.ca : arg));
    const refused = await rtinfer('sim', 'start', '--pi', '--name', `${deviceId}-x`, '--tee-storage', join(dir, 'tee-x'), '--mqtt', broker.url, ...args);
    expect(refused.code).toBe(2);
    const stderr = unwrapped(refused.stderr);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`Code: ${code}`);
  });
});

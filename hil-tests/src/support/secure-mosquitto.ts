// A lab broker as firmware/optee/agent/README.md ("Access on a lab broker") sets one up: Mosquitto over TLS only,
// with certificates this helper makes with openssl (a CA and the broker's certificate for 127.0.0.1), a password file
// (mosquitto_passwd) and the README's ACL: each device reads its own down topic and writes its own up and status
// topics, the lab's account every device's and the benches'. The agent test `optee.agent.mqtt_access` runs the same setup in C.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'rtinfer';

export interface SecureMosquitto {
  /** mqtts://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The CA certificate (PEM) the broker's certificate chains to. */
  ca: string;
  /** Writes `password` to a file of its own (mode 600) and returns its path, as an agent's --mqtt-password-file. */
  passwordFile(name: string, password: string): string;
  stop(): Promise<void>;
}

// The lab's account also gets the bench topics (host/src/daemon/README.md, "Access on a lab broker"): its daemon
// publishes there and its CLIs call the daemon there.
const ACL = ['user lab', 'topic readwrite rtinfer/v1/dev/#', 'topic readwrite rtinfer/v1/bench/#', '', 'pattern read rtinfer/v1/dev/%u/down', 'pattern write rtinfer/v1/dev/%u/up', 'pattern write rtinfer/v1/dev/%u/status', ''].join('\n');

/** Starts it with these accounts (user name → password); waits (bounded) until it listens. */
export async function startSecureMosquitto(accounts: Record<string, string>): Promise<SecureMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'rtinfer-secure-mosquitto-'));
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  // EC keys: quick to make.
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=rtinfer-test-ca']);
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  writeFileSync(join(dir, 'passwd'), '');
  for (const [user, password] of Object.entries(accounts)) run('mosquitto_passwd', ['-b', 'passwd', user, password]);
  chmodSync(join(dir, 'passwd'), 0o600);
  writeFileSync(join(dir, 'acl'), ACL);
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    // user: run as root, Mosquitto would switch to its own user, who cannot read this 0700 directory (the C test does the same).
    [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous false', 'persistence false', 'set_tcp_nodelay true', `password_file ${join(dir, 'passwd')}`, `acl_file ${join(dir, 'acl')}`, `cafile ${join(dir, 'ca.crt')}`, `certfile ${join(dir, 'server.crt')}`, `keyfile ${join(dir, 'server.key')}`, ''].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (text: Buffer) => (stderr += text.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForListener(port, child, () => stderr);
  return {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    ca: join(dir, 'ca.crt'),
    passwordFile(name, password) {
      const file = join(dir, `${name}.pw`);
      writeFileSync(file, `${password}\n`, { mode: 0o600 });
      return file;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls with TCP connects (a TLS listener answers them) for at most 200 tries; fails with mosquitto's stderr. */
async function waitForListener(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${stderr().trim()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not listen on ${port} after 200 attempts: ${stderr().trim()}`);
}

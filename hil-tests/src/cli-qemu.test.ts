// `rtinfer sim start --qemu`: the netduinoplus2 image boots in QEMU and the host reaches its USART exactly as a
// board's serial port (npm test builds the image and installs qemu-system-arm first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeviceSession, pingOnce, repositoryRoot, SerialTransport } from 'rtinfer';
import { describe, expect, it } from 'vitest';

describe('rtinfer sim start --qemu', () => {
  it('boots the board image, answers HELLO and PING on its pty, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), 'sim', 'start', '--qemu', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [first] = (await once(lines, 'line')) as [string];
      const started = JSON.parse(first) as { event: string; pty: string; board: string; clockHz: number };
      expect(started).toMatchObject({ event: 'started', board: 'netduinoplus2', clockHz: 168_000_000 });
      const session = await DeviceSession.connect(new SerialTransport({ path: started.pty }));
      try {
        expect(session.info).toMatchObject({ board: 'netduinoplus2', clockHz: 168_000_000n });
        const ping = await pingOnce(session);
        expect(ping.t3).toBeGreaterThanOrEqual(ping.t2);
      } finally {
        await session.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  }, 60_000);
});

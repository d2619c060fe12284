// `rtinfer sim start --qemu [--machine M]`: a board image boots in QEMU (netduinoplus2, the Cortex-M4, by default;
// mps2-an500, the Cortex-M7) and the host reaches its UART exactly as a board's serial port (npm test builds the
// images and installs qemu-system-arm first).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DeviceSession, pingOnce, repositoryRoot, SerialTransport } from 'rtinfer';
import { describe, expect, it } from 'vitest';

describe('rtinfer sim start --qemu', () => {
  it.each([
    { flags: [], board: 'netduinoplus2', clockHz: 168_000_000 },
    { flags: ['--machine', 'mps2-an500'], board: 'mps2_an500', clockHz: 25_000_000 },
  ])('$flags: boots the $board image, answers HELLO and PING on its pty, and stops on SIGTERM', async ({ flags, board, clockHz }) => {
    const child = spawn(process.execPath, [join(repositoryRoot, 'host', 'bin', 'run.js'), 'sim', 'start', '--qemu', ...flags, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [first] = (await once(lines, 'line')) as [string];
      const started = JSON.parse(first) as { event: string; pty: string; board: string; clockHz: number };
      expect(started).toMatchObject({ event: 'started', board, clockHz });
      const session = await DeviceSession.connect(new SerialTransport({ path: started.pty }));
      try {
        expect(session.info).toMatchObject({ board, clockHz: BigInt(clockHz) });
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

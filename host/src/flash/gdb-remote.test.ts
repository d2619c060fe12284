// The GDB client against a scripted GDB server on a real TCP socket: the protocol's awkward parts (a `-` that
// asks for the packet again, console output ahead of an answer, `Enn` errors, a server that never answers,
// memory maps) — the happy path against QEMU's own server is in hil-tests/src/flash-qemu.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { GdbRemote, parseGdbUrl, parseMemoryMap } from './gdb-remote.js';
import { toHex } from './rsp-packet.js';
import { startScriptedGdbServer, type GdbScript, type ScriptedGdbServer } from './scripted-gdb-server.js';

const servers: ScriptedGdbServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function scriptedServer(script: GdbScript): Promise<number> {
  const server = await startScriptedGdbServer(script);
  servers.push(server);
  return server.port;
}

async function rejection(promise: Promise<unknown>): Promise<RtinferError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RtinferError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const supported = 'PacketSize=100;qXfer:memory-map:read+';

describe('GdbRemote', () => {
  it('resends a packet the server asks for again, and reads memory in packet-sized parts', async () => {
    let nacked = false;
    const reads: string[] = [];
    const port = await scriptedServer((command, reply, socket) => {
      if (command.startsWith('qSupported')) return reply(supported);
      if (command.startsWith('m') && !nacked) {
        nacked = true;
        return void socket.write('-');
      }
      if (command.startsWith('m')) {
        reads.push(command);
        const [address, length] = command.slice(1).split(',').map((part) => parseInt(part, 16));
        return reply(toHex(Uint8Array.from({ length: length! }, (_, i) => (address! + i) & 0xff)));
      }
      reply('');
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    expect(remote.packetSize).toBe(0x100);
    const bytes = await remote.readMemory(0x1000, 300);
    remote.close();
    expect([...bytes]).toEqual(Array.from({ length: 300 }, (_, i) => i & 0xff));
    // (0x100 − 32) / 2 = 112 bytes per read: 300 bytes in three, the first of them sent twice.
    expect(reads).toEqual(['m1000,70', 'm1070,70', 'm10e0,4c']);
  });

  it('collects console output sent ahead of a monitor command\'s OK', async () => {
    const port = await scriptedServer((command, reply) => {
      if (command.startsWith('qSupported')) return reply(supported);
      if (command.startsWith('qRcmd,')) {
        reply(`O${toHex(Buffer.from('target halted\n'))}`);
        return reply('OK');
      }
      reply('');
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    expect(await remote.monitor('reset halt')).toBe('target halted\n');
    remote.close();
  });

  it('names the command an Enn answers, and bounds a command the server never answers', async () => {
    const port = await scriptedServer((command, reply) => {
      if (command.startsWith('qSupported')) return reply(supported);
      if (command.startsWith('m')) return reply('E14');
      // X: never answered.
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    expect((await rejection(remote.readMemory(0x2000_0000, 4))).facts).toMatchObject({ command: 'm', reply: 'E14' });
    const timeout = await rejection(remote.writeMemory(0x2000_0000, Uint8Array.of(1, 2, 3), { timeoutMs: 200 }));
    remote.close();
    expect(timeout.code).toBe('gdb_timeout');
    expect(timeout.facts).toMatchObject({ command: 'X', timeoutMs: 200 });
  });

  it('says the server went away when it hangs up in the middle of a command', async () => {
    const port = await scriptedServer((command, reply, socket) => {
      if (command.startsWith('qSupported')) return reply(supported);
      socket.destroy();
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    const error = await rejection(remote.readMemory(0x0800_0000, 64, { timeoutMs: 5000 }));
    expect(error.code).toBe('gdb_closed');
    expect(error.facts).toMatchObject({ server: `127.0.0.1:${port}` });
  });

  it('falls back from X to M where the server does not take binary writes', async () => {
    const writes: string[] = [];
    const port = await scriptedServer((command, reply) => {
      if (command.startsWith('qSupported')) return reply(supported);
      if (command.startsWith('X')) return reply('');
      if (command.startsWith('M')) {
        writes.push(command);
        return reply('OK');
      }
      reply('');
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    await remote.writeMemory(0x0800_0000, Uint8Array.of(0x23, 0x24, 0x7d));
    remote.close();
    expect(writes).toEqual(['M8000000,3:23247d']);
  });

  it('reads a memory map in parts and keeps flash regions with their block size', async () => {
    const xml = '<memory-map><memory type="flash" start="0x08000000" length="0x100000"><property name="blocksize">0x4000</property></memory><memory type="ram" start="0x20000000" length="0x30000"/></memory-map>';
    const port = await scriptedServer((command, reply) => {
      if (command.startsWith('qSupported')) return reply(supported);
      const part = /^qXfer:memory-map:read::([0-9a-f]+),([0-9a-f]+)$/.exec(command);
      if (part) {
        const offset = parseInt(part[1]!, 16);
        const length = Math.min(parseInt(part[2]!, 16), 64);
        const text = xml.slice(offset, offset + length);
        return reply(`${offset + length >= xml.length ? 'l' : 'm'}${text}`);
      }
      reply('');
    });
    const remote = await GdbRemote.connect({ host: '127.0.0.1', port });
    expect(await remote.memoryMap()).toEqual([
      { type: 'flash', start: 0x0800_0000, length: 0x10_0000, blockSize: 0x4000 },
      { type: 'ram', start: 0x2000_0000, length: 0x3_0000 },
    ]);
    remote.close();
  });

  it('says no server answered at a closed port, within the bound', async () => {
    const port = await scriptedServer(() => undefined);
    await servers.pop()!.close();
    const error = await rejection(GdbRemote.connect({ host: '127.0.0.1', port }, { timeoutMs: 1000 }));
    expect(error.code).toBe('gdb_unreachable');
    expect(error.facts).toMatchObject({ server: `127.0.0.1:${port}`, reason: 'ECONNREFUSED' });
  });
});

describe('parseGdbUrl and parseMemoryMap', () => {
  it('takes gdb://host:port, host:port and :port', () => {
    expect(parseGdbUrl('gdb://localhost:3333')).toEqual({ host: 'localhost', port: 3333 });
    expect(parseGdbUrl('10.0.0.5:2331')).toEqual({ host: '10.0.0.5', port: 2331 });
    expect(parseGdbUrl(':1234')).toEqual({ host: '127.0.0.1', port: 1234 });
    expect(parseGdbUrl('gdb://[::1]:3333')).toEqual({ host: '::1', port: 3333 });
  });

  it('refuses what is not an address, naming it', () => {
    for (const bad of ['gdb://host', 'gdb://host:0', 'gdb://host:70000', 'jlink']) {
      expect(() => parseGdbUrl(bad)).toThrow(new RegExp(`"${bad.replace(/[/.]/g, '\\$&')}" is not a GDB server address`));
    }
  });

  it('skips regions it cannot read', () => {
    expect(parseMemoryMap('<memory type="eeprom" start="0" length="4"/><memory type="rom" start="0x1fff0000" length="0x7800"/>')).toEqual([{ type: 'rom', start: 0x1fff_0000, length: 0x7800 }]);
  });
});

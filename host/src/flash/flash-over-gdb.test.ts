// The flash-command path of flashOverGdb, which QEMU's server (no memory map) never takes: a scripted server
// with a real probe's flash semantics — an STM32F4 memory map with sectors of three sizes, erase only on sector
// boundaries, writes that can only clear bits (so a block written but not erased, or erased twice, reads back
// wrong) — and `monitor reset halt` loading SP and PC from the vector table.
import { afterEach, describe, expect, it } from 'vitest';
import { RtinferError } from '../errors.js';
import { digestSegments, type FirmwareImage } from './firmware-image.js';
import { eraseRanges, flashOverGdb, splitAtRegions } from './flash-over-gdb.js';
import { FLASH_TARGETS } from './flash-targets.js';
import { fromHex, toHex } from './rsp-packet.js';
import { startScriptedGdbServer, type ScriptedGdbServer } from './scripted-gdb-server.js';

const FLASH = 0x0800_0000;
const KIB = 1024;
/** STM32F405: four 16 KiB sectors, one of 64 KiB, then 128 KiB ones (as OpenOCD's memory map lists them). */
const MAP = `<memory-map><memory type="flash" start="0x08000000" length="0x10000"><property name="blocksize">0x4000</property></memory><memory type="flash" start="0x08010000" length="0x10000"><property name="blocksize">0x10000</property></memory><memory type="flash" start="0x08020000" length="0xe0000"><property name="blocksize">0x20000</property></memory><memory type="ram" start="0x20000000" length="0x30000"/></memory-map>`;
const SECTORS = [...Array.from({ length: 4 }, (_, i) => FLASH + i * 16 * KIB), FLASH + 64 * KIB, ...Array.from({ length: 8 }, (_, i) => FLASH + 128 * KIB * (i + 1)), FLASH + KIB * KIB];

interface Probe {
  server: ScriptedGdbServer;
  log: string[];
}

const servers: ScriptedGdbServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A Cortex-M4 target behind a probe: 1 MiB of flash that starts programmed with zeros (not erased). */
async function stm32Probe(): Promise<Probe> {
  const flash = new Uint8Array(KIB * KIB);
  const registers = new Map<number, number>();
  const log: string[] = [];
  const server = await startScriptedGdbServer((command, reply) => {
    const [verb] = /^(vFlash[A-Za-z]+|qXfer:memory-map|qSupported|qRcmd|[A-Za-z?])/.exec(command) ?? [''];
    if (verb !== 'm' && verb !== 'p') log.push(verb === 'vFlashErase' ? command : verb);
    if (verb === 'qSupported') return reply('PacketSize=4000;qXfer:memory-map:read+');
    if (verb === 'qXfer:memory-map') return reply(`l${MAP}`);
    if (verb === 'qRcmd') {
      const text = Buffer.from(fromHex(command.slice(6))!).toString();
      if (text !== 'reset halt') return reply(toHex(Buffer.from(`invalid command name "${text.split(' ')[0]}"\n`)));
      const vector = Buffer.from(flash.subarray(0, 8));
      registers.set(13, vector.readUInt32LE(0));
      registers.set(15, vector.readUInt32LE(4) & ~1);
      return reply('OK');
    }
    if (verb === 'm') {
      const [address, length] = command.slice(1).split(',').map((part) => parseInt(part, 16)) as [number, number];
      if (address === 0xe000_ed00) return reply('41c20f41'.slice(0, 2 * length)); // CPUID 0x410fc241: Cortex-M4
      if (address < FLASH || address + length > FLASH + flash.length) return reply('E01');
      return reply(toHex(flash.subarray(address - FLASH, address - FLASH + length)));
    }
    if (verb === 'vFlashErase') {
      const [address, length] = command.slice('vFlashErase:'.length).split(',').map((part) => parseInt(part, 16)) as [number, number];
      if (!SECTORS.includes(address) || !SECTORS.includes(address + length)) return reply('E01');
      flash.fill(0xff, address - FLASH, address - FLASH + length);
      return reply('OK');
    }
    if (verb === 'vFlashWrite') {
      const colon = command.indexOf(':', 'vFlashWrite:'.length);
      const address = parseInt(command.slice('vFlashWrite:'.length, colon), 16);
      // The parser has undone the escapes already.
      const data = Buffer.from(command.slice(colon + 1), 'latin1');
      // Flash programming clears bits only.
      data.forEach((byte, i) => (flash[address - FLASH + i]! &= byte));
      return reply('OK');
    }
    if (verb === 'vFlashDone') return reply('OK');
    if (verb === 'p') {
      const value = Buffer.alloc(4);
      value.writeUInt32LE(registers.get(parseInt(command.slice(1), 16)) ?? 0);
      return reply(toHex(value));
    }
    if (verb === 'X' || verb === 'M') return reply('E01'); // flash is not writable as memory
    reply('');
  });
  servers.push(server);
  return { server, log };
}

/** Code from the flash base to a non-sector boundary, and .data's load image right after it, in the same sector. */
function twoSegmentImage(): FirmwareImage {
  const code = Uint8Array.from({ length: 70 * KIB + 100 }, (_, i) => (i * 7 + 3) & 0xff);
  new DataView(code.buffer).setUint32(0, 0x2000_1400, true);
  new DataView(code.buffer).setUint32(4, 0x0800_0281, true);
  const data = Uint8Array.from({ length: 2000 }, (_, i) => (i * 13 + 5) & 0xff);
  const segments = [{ address: FLASH, bytes: code }, { address: FLASH + code.length, bytes: data }];
  return { file: 'two.elf', segments, size: code.length + data.length, sha256: digestSegments(segments.map((segment) => segment.bytes)) };
}

describe('flashOverGdb through a probe with flash', () => {
  it('erases each sector once, writes with vFlashWrite, verifies, and resets with reset halt', async () => {
    const { server, log } = await stm32Probe();
    const image = twoSegmentImage();
    const report = await flashOverGdb({ host: '127.0.0.1', port: server.port }, image, FLASH_TARGETS.netduinoplus2!);
    expect(report).toMatchObject({ serverKind: 'probe', core: 'cortex-m4', method: 'flash-commands', reset: 'reset halt', readBackSha256: image.sha256 });
    // 72 KiB + 2 KB from the base: the four 16 KiB sectors and the 64 KiB one, each erased once, before any write.
    expect(log.filter((entry) => entry.startsWith('vFlashErase'))).toEqual(['vFlashErase:8000000,10000', 'vFlashErase:8010000,10000']);
    expect(log.indexOf('vFlashWrite')).toBeGreaterThan(log.lastIndexOf('vFlashErase:8010000,10000'));
    expect(log.lastIndexOf('vFlashDone')).toBeGreaterThan(log.lastIndexOf('vFlashWrite'));
    expect(log.at(-1)).toBe('c');
  });

  it('refuses an image whose bytes land where the target has no writable memory, naming the range', async () => {
    const { server } = await stm32Probe();
    const bytes = new Uint8Array(64);
    const image: FirmwareImage = { file: 'ram.elf', segments: [{ address: 0x2000_0000, bytes }], size: 64, sha256: digestSegments([bytes]) };
    try {
      await flashOverGdb({ host: '127.0.0.1', port: server.port }, image, FLASH_TARGETS.netduinoplus2!);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RtinferError);
      expect((error as RtinferError).code).toBe('write_refused');
      expect((error as RtinferError).facts).toMatchObject({ file: 'ram.elf', address: '0x20000000', bytes: 64, reply: 'E01' });
    }
  });

  it('refuses a board whose core is not the target\'s before writing anything', async () => {
    const { server, log } = await stm32Probe();
    await expect(flashOverGdb({ host: '127.0.0.1', port: server.port }, twoSegmentImage(), FLASH_TARGETS.nucleo_f746zg!)).rejects.toMatchObject({
      code: 'wrong_board',
      facts: { expectedCore: 'cortex-m7', foundCore: 'cortex-m4', cpuid: '0x410fc241' },
    });
    expect(log.filter((entry) => entry.startsWith('vFlash'))).toEqual([]);
  });
});

describe('splitAtRegions and eraseRanges', () => {
  const regions = [
    { type: 'flash' as const, start: FLASH, length: 0x10000, blockSize: 0x4000 },
    { type: 'flash' as const, start: FLASH + 0x10000, length: 0x10000, blockSize: 0x10000 },
  ];

  it('cuts a segment where regions meet, keeping its bytes in order', () => {
    const bytes = Uint8Array.from({ length: 0x10010 }, (_, i) => i & 0xff);
    const pieces = splitAtRegions([{ address: FLASH + 8, bytes }], regions);
    expect(pieces.map((piece) => [piece.address, piece.bytes.length])).toEqual([[FLASH + 8, 0xfff8], [FLASH + 0x10000, 0x18]]);
    expect(Buffer.concat(pieces.map((piece) => piece.bytes))).toEqual(Buffer.from(bytes));
  });

  it('rounds to whole blocks and merges blocks two segments share', () => {
    const at = (address: number, length: number, region = regions[0]!) => ({ segment: { address, bytes: new Uint8Array(length) }, region });
    expect(eraseRanges([at(FLASH, 0x4100), at(FLASH + 0x4100, 0x100)])).toEqual([[FLASH, FLASH + 0x8000]]);
    expect(eraseRanges([at(FLASH + 0xc000, 0x10), at(FLASH, 0x10)])).toEqual([[FLASH, FLASH + 0x4000], [FLASH + 0xc000, FLASH + 0x10000]]);
  });
});

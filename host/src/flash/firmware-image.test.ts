// Board images as `rtinfer flash` reads them (the ELF build-arm.sh writes, a raw .bin, broken files), and the
// probe choice by USB serial number on a sysfs tree laid out as Linux does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrownRtinferError } from '../util/thrown.js';
import { digestSegments, readFirmwareImage, resetVector } from './firmware-image.js';
import { boardImagePath, coreOfCpuid, flashTarget } from './flash-targets.js';
import { imageContainsString } from './flash-board.js';
import { chooseProbe, listStlinkProbes, requireTool } from './probes.js';

const work = mkdtempSync(join(tmpdir(), 'rtinfer-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('firmware images', () => {
  // npm test builds every board image (scripts/build-arm.sh) before vitest runs.
  it('reads the netduinoplus2 ELF as the bytes objcopy puts in its .bin, with its vector table at the flash base', () => {
    const target = flashTarget('netduinoplus2');
    const image = readFirmwareImage(boardImagePath(target), target.flashBase);
    const bin = readFileSync(boardImagePath(target).replace(/\.elf$/, '.bin'));
    expect(image.segments[0]!.address).toBe(0x0800_0000);
    expect(image.size).toBe(bin.length);
    expect(image.sha256).toBe(digestSegments([bin]));
    const vector = resetVector(image, target.flashBase)!;
    expect(vector.stackPointer >>> 28).toBe(0x2); // in SRAM
    expect(vector.resetHandler & 1).toBe(1); // Thumb
    expect(imageContainsString(image, 'netduinoplus2')).toBe(true);
    expect(imageContainsString(image, 'nucleo_f746zg')).toBe(false);
  });

  it('places a .bin at the board\'s flash base', () => {
    writeFileSync(join(work, 'a.bin'), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const image = readFirmwareImage(join(work, 'a.bin'), 0x0800_0000);
    expect(image.segments.map(({ address, bytes }) => [address, [...bytes]])).toEqual([[0x0800_0000, [1, 2, 3, 4, 5, 6, 7, 8]]]);
    expect(resetVector(image, 0x0800_0000)).toEqual({ stackPointer: 0x04030201, resetHandler: 0x08070605 });
  });

  it('refuses a missing, empty, truncated or non-ARM file with the file named', () => {
    expect(thrownRtinferError(() => readFirmwareImage(join(work, 'none.elf'), 0)).facts).toMatchObject({ file: join(work, 'none.elf') });
    writeFileSync(join(work, 'empty.bin'), new Uint8Array(0));
    expect(thrownRtinferError(() => readFirmwareImage(join(work, 'empty.bin'), 0)).message).toMatch(/empty\.bin: is empty/);
    const elf = readFileSync(boardImagePath(flashTarget('netduinoplus2')));
    writeFileSync(join(work, 'cut.elf'), elf.subarray(0, 4000));
    expect(thrownRtinferError(() => readFirmwareImage(join(work, 'cut.elf'), 0)).message).toMatch(/cut\.elf: segment \d+ ends at byte \d+, past the end of the file \(4000\)/);
    const x86 = Buffer.from(elf);
    x86.writeUInt16LE(62, 18);
    writeFileSync(join(work, 'x86.elf'), x86);
    expect(thrownRtinferError(() => readFirmwareImage(join(work, 'x86.elf'), 0)).message).toMatch(/x86\.elf: is built for ELF machine 62, not ARM \(40\)/);
  });
});

describe('boards and cores', () => {
  it('knows boards by firmware name or QEMU machine name, and names the known ones otherwise', () => {
    expect(flashTarget('mps2-an500').board).toBe('mps2_an500');
    expect(thrownRtinferError(() => flashTarget('uno')).message).toBe('no board "uno" to flash; known: netduinoplus2, nucleo_f746zg, disco_f469ni, mps2_an500');
  });

  it('reads the core from CPUID', () => {
    expect(coreOfCpuid(0x410f_c241)).toBe('cortex-m4');
    expect(coreOfCpuid(0x411f_c272)).toBe('cortex-m7');
    expect(coreOfCpuid(0x4100_1230)).toBe('part 0x123');
  });
});

describe('probes', () => {
  /** A sysfs USB tree: one directory per device with idVendor, idProduct and serial. */
  function sysfs(devices: [vendor: string, product: string, serial: string][]): string {
    const root = mkdtempSync(join(work, 'usb-'));
    devices.forEach(([vendor, product, serial], i) => {
      const dir = join(root, `1-${i + 1}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'idVendor'), `${vendor}\n`);
      writeFileSync(join(dir, 'idProduct'), `${product}\n`);
      writeFileSync(join(dir, 'serial'), `${serial}\n`);
    });
    return root;
  }

  it('lists ST-LINKs only, and chooses one by serial number where several are attached', () => {
    const probes = listStlinkProbes(sysfs([['0483', '374b', 'AAA111'], ['0483', '3752', 'BBB222'], ['1366', '0105', 'JLINK1'], ['0483', '5740', 'NOTALINK']]));
    expect(probes).toEqual([{ serial: 'AAA111', product: '374b' }, { serial: 'BBB222', product: '3752' }]);
    expect(chooseProbe('BBB222', probes).serial).toBe('BBB222');
    expect(thrownRtinferError(() => chooseProbe(undefined, probes))).toMatchObject({ code: 'several_probes', facts: { known: 'AAA111, BBB222' } });
    expect(thrownRtinferError(() => chooseProbe('CCC333', probes))).toMatchObject({ code: 'no_such_probe', facts: { serial: 'CCC333', known: 'AAA111, BBB222' } });
    expect(chooseProbe(undefined, probes.slice(0, 1)).serial).toBe('AAA111');
    expect(thrownRtinferError(() => chooseProbe(undefined, [])).code).toBe('no_probe');
  });

  it('says how to install a probe tool that is not there', () => {
    const saved = process.env.RTINFER_STFLASH_BIN;
    process.env.RTINFER_STFLASH_BIN = join(work, 'no-st-flash');
    try {
      expect(thrownRtinferError(() => requireTool('st-flash'))).toMatchObject({ code: 'probe_not_installed', facts: { tool: 'st-flash', package: 'stlink-tools' } });
    } finally {
      if (saved === undefined) delete process.env.RTINFER_STFLASH_BIN;
      else process.env.RTINFER_STFLASH_BIN = saved;
    }
  });
});

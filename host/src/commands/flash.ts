import { Flags } from '@oclif/core';
import { RtinferCommand } from '../cli/base-command.js';
import { formatBytes } from '../cli/format.js';
import { ProgressLine } from '../cli/progress.js';
import { flashBoard } from '../flash/flash-board.js';
import type { FlashPhase } from '../flash/flash-over-gdb.js';
import { FLASH_TARGETS } from '../flash/flash-targets.js';

export default class Flash extends RtinferCommand {
  static override summary = 'Write a board\'s firmware image through a probe, verify it by read-back, reset the board and wait for its boot HELLO.';
  static override description =
    'The GDB remote protocol is the common ground: --probe gdb://HOST:PORT flashes through any GDB server (QEMU\'s -gdb, OpenOCD, st-util, J-Link, pyOCD): GDB\'s flash commands where the server maps flash, memory writes where it maps none (QEMU). --probe openocd starts OpenOCD as that server for the board; --probe st-flash uses st-flash to write, read back and reset. The target\'s CPUID must be the board\'s core before anything is written; the read-back\'s SHA-256 must equal the image\'s before the board is reset; and the board that boots must report the board name and a firmware version the image holds. Where several ST-LINKs are attached, --serial chooses one, and its virtual COM port is the board\'s serial link unless --device says otherwise.';
  static override examples = [
    { command: 'qemu-system-arm -M netduinoplus2 -display none -serial pty -S -gdb tcp::3333 &\n<%= config.bin %> flash --board netduinoplus2 --probe gdb://localhost:3333 --device /dev/pts/3', description: 'Into QEMU through its GDB server; /dev/pts/3 is the pty QEMU printed.' },
    { command: '<%= config.bin %> flash --board nucleo_f746zg --probe openocd --serial 066DFF535155878281151932', description: 'A Nucleo through OpenOCD, choosing the ST-LINK by serial number (its VCP is the link).' },
    { command: '<%= config.bin %> flash --board disco_f469ni --probe st-flash --build --json', description: 'Build the image first, write it with st-flash, report as JSON.' },
  ];
  static override flags = {
    board: Flags.string({ summary: `Board: ${Object.keys(FLASH_TARGETS).join(', ')}.`, required: true }),
    probe: Flags.string({ summary: 'gdb://HOST:PORT, openocd or st-flash.', required: true }),
    image: Flags.string({ summary: 'An .elf or .bin to write (default: build/arm/<board>/rtinfer-<board>.elf).' }),
    build: Flags.boolean({ summary: 'Build the board\'s image first (scripts/build-arm.sh BOARD).' }),
    serial: Flags.string({ summary: 'USB serial number of the probe, where several are attached.' }),
    device: Flags.string({ char: 'd', summary: 'The board\'s serial link, to wait for its boot HELLO on (default: the probe\'s VCP; none for gdb:// without it).' }),
    'boot-timeout': Flags.integer({ summary: 'Milliseconds to wait for the boot HELLO.', default: 10_000, min: 100, max: 600_000 }),
    'gdb-timeout': Flags.integer({ summary: 'Milliseconds to reach the GDB server, and for each of its answers.', default: 3000, min: 100, max: 600_000 }),
  };

  async run() {
    const { flags } = await this.parse(Flash);
    let progress: ProgressLine | undefined;
    let phase: FlashPhase | undefined;
    const result = await flashBoard({
      board: flags.board,
      probe: flags.probe,
      image: flags.image,
      build: flags.build,
      serial: flags.serial,
      device: flags.device,
      bootTimeoutMs: flags['boot-timeout'],
      gdbTimeoutMs: flags['gdb-timeout'],
      onProgress: (now, done, total) => {
        if (now !== phase) {
          progress?.done();
          progress = new ProgressLine(now === 'write' ? 'writing' : 'reading back', total, !this.jsonEnabled(), { unit: 'bytes' });
          phase = now;
        }
        progress!.update(done);
      },
    });
    progress?.done();
    if (!this.jsonEnabled()) {
      const { write } = result;
      const how = write.method === 'st-flash' ? 'st-flash' : `${write.method} through the GDB server at ${write.server} (${write.serverKind === 'qemu' ? 'QEMU' : 'a probe'}, ${write.core})`;
      this.log(`flashed     ${result.board}: ${result.image}, ${formatBytes(write.bytes)} by ${how}`);
      this.log(`verified    read-back SHA-256 ${write.readBackSha256} = the image's`);
      if ('reset' in write) this.log(`reset       ${write.reset === 'vector registers' ? 'SP and PC set from the vector table' : `monitor ${write.reset}`}, running`);
      if (result.hello) {
        const { hello } = result;
        this.log(`booted      ${result.device}: ${result.bootHelloSeen ? 'boot HELLO' : 'HELLO reply (the boot HELLO was not seen)'}: ${hello.deviceId} (${hello.board}, firmware ${hello.firmware}, protocol ${hello.proto}), the version the image holds`);
      } else {
        this.log('booted      not watched: no serial link (give --device to wait for the boot HELLO)');
      }
    }
    const { hello } = result;
    // HELLO's 64-bit fields are bigints; JSON takes them as numbers (as `run --json` does).
    return { ...result, hello: hello && { deviceId: hello.deviceId, board: hello.board, firmware: hello.firmware, proto: hello.proto, clockHz: Number(hello.clockHz), bootId: hello.bootId } };
  }
}

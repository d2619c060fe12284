// Waits for a freshly flashed board to boot: its unsolicited boot HELLO (SPEC.md §4.1, id 0, BOOT flag) on the
// serial link, which is opened before the reset so that nothing the board sends is lost, then the ordinary
// handshake through the session code, which proves the protocol works both ways.
import { decodeMessage, FrameFlag, MessageError } from '@rtinfer/protocol';
import { openSession } from '../device/open-session.js';
import type { DeviceInfo } from '../device/session.js';
import { RtinferError } from '../errors.js';
import { SerialTransport } from '../transport/serial-transport.js';

export interface BootWatch {
  /** Resolves with the boot HELLO's body, or undefined if none came within `timeoutMs`. */
  bootHello(timeoutMs: number): Promise<DeviceInfo | undefined>;
  close(): Promise<void>;
}

export async function watchForBoot(path: string): Promise<BootWatch> {
  const transport = new SerialTransport({ path });
  await transport.open();
  let seen: DeviceInfo | undefined;
  let notify: (() => void) | undefined;
  transport.on('message', (received) => {
    if ((received.flags & FrameFlag.BOOT) === 0 || seen) return;
    try {
      const message = decodeMessage('d2h', received.bytes);
      if (message.type === 'HELLO' && message.id === 0) {
        seen = message.body;
        notify?.();
      }
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
    }
  });
  return {
    bootHello: async (timeoutMs) => {
      if (!seen) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          notify = resolve;
          timer = setTimeout(resolve, timeoutMs);
        }).finally(() => clearTimeout(timer));
      }
      return seen;
    },
    close: () => transport.close(),
  };
}

/** The handshake after boot: the device's own description, as every other command sees it. */
export async function handshakeAfterBoot(path: string, bootHelloSeen: boolean, timeoutMs: number): Promise<DeviceInfo> {
  try {
    const { session } = await openSession(path);
    const info = session.info!;
    await session.close();
    return info;
  } catch (error) {
    throw new RtinferError(
      'no_boot_hello',
      `${path}: the flashed board ${bootHelloSeen ? 'sent its boot HELLO but then' : `sent no boot HELLO within ${timeoutMs} ms and`} did not answer a HELLO (${(error as Error).message}); is this its serial link (--device)?`,
      { device: path, bootHelloSeen: bootHelloSeen ? 1 : 0, timeoutMs },
      { cause: error },
    );
  }
}

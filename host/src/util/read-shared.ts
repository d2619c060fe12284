// A file read straight into shared memory (a SharedArrayBuffer): what a sealing worker can read without the 3 MB
// copy (and its page faults) that moving an ordinary buffer into shared memory costs before a push's first chunk.
import { open } from 'node:fs/promises';

/** The whole file, in shared memory. A file that shrinks while it is read gives what was there. */
export async function readFileShared(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}

// A file replaced whole or not at all: written under a temporary name beside it, then renamed into place, so a
// reader (or a crash) never sees half of it.
import { renameSync, writeFileSync } from 'node:fs';

/** Writes a whole file under a temporary name, then renames it into place. */
export function writeWhole(path: string, content: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.partial`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

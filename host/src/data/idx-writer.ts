// Writes IDX files (ubyte): for tests and for exporting subsets in the format `--data FOLDER` reads.
export function encodeIdx(dims: number[], values: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header.set([0, 0, 0x08, dims.length]);
  dims.forEach((size, axis) => view.setUint32(4 + 4 * axis, size, false));
  const out = new Uint8Array(header.length + values.length);
  out.set(header);
  out.set(values, header.length);
  return out;
}

// float32 tensors as little-endian bytes, the layout ONNX raw_data, Darknet weights and .rtm use.

export function float32ToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

export function bytesToFloat32(bytes: Uint8Array, offset = 0, count = (bytes.length - offset) >> 2): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + i * 4, true);
  return out;
}

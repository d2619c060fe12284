// Calibration inputs for `rtinfer compress --int8 --calibrate FILES`: float32 little-endian files, as
// `rtinfer infer --input` reads them; a file may hold several inputs back to back.
import { readFileSync } from 'node:fs';
import { RtinferError } from '../errors.js';
import { bytesToFloat32 } from '../model/float32-bytes.js';

export function readCalibrationFiles(files: string[], inputValues: number): Float32Array[] {
  return files.flatMap((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new RtinferError('bad_file', `cannot read calibration file ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file });
    }
    const inputBytes = inputValues * 4;
    if (bytes.length === 0 || bytes.length % inputBytes !== 0) {
      throw new RtinferError('bad_calibration_input', `${file}: ${bytes.length} bytes is not a whole number of inputs of ${inputValues} float32 values (${inputBytes} bytes each)`, { file, need: inputBytes, have: bytes.length });
    }
    return Array.from({ length: bytes.length / inputBytes }, (_, i) => bytesToFloat32(bytes, i * inputBytes, inputValues));
  });
}

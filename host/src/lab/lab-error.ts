// The lab config's one error type: what is wrong, at which key, on which line.
import { RtinferError } from '../errors.js';

export type LabErrorReason =
  | 'syntax'
  | 'unknown_key'
  | 'wrong_type'
  | 'missing_key'
  | 'bad_value'
  | 'unknown_reference'
  | 'duplicate_device'
  | 'missing_env'
  | 'not_found';

export interface LabPosition {
  line: number;
  column: number;
}

export class LabConfigError extends RtinferError {
  constructor(
    readonly reason: LabErrorReason,
    detail: string,
    readonly file: string,
    readonly key: string | undefined,
    readonly position: LabPosition | undefined,
  ) {
    const where = position ? `${file}:${position.line}:${position.column}` : file;
    super('lab_config', `${where}: ${key ? `${key}: ` : ''}${detail}`, {
      reason,
      file,
      key,
      line: position?.line,
      column: position?.column,
    });
  }
}

// The campaign file's typed error: what is wrong, at which key, on which line and column (as the lab config's).
import { RtinferError } from '../errors.js';
import type { LabErrorReason, LabPosition } from '../lab/lab-error.js';

export type CampaignErrorReason = LabErrorReason | 'unknown_target' | 'wrong_unit' | 'unsupported_mode';

export class CampaignFileError extends RtinferError {
  constructor(
    readonly reason: CampaignErrorReason,
    detail: string,
    readonly file: string,
    readonly key: string | undefined,
    readonly position: LabPosition | undefined,
    /** Further facts (need/have of a limit). */
    facts: Record<string, string | number> = {},
  ) {
    const where = position ? `${file}:${position.line}:${position.column}` : file;
    super('campaign_file', `${where}: ${key ? `${key}: ` : ''}${detail}`, { reason, file, key, line: position?.line, column: position?.column, ...facts });
  }
}

/** A run folder that cannot be resumed or reported: missing, or not a campaign's. */
export class RunFolderError extends RtinferError {
  constructor(folder: string, problem: string, facts: Record<string, string | number> = {}) {
    super('campaign_folder', `${folder}: ${problem}`, { folder, ...facts });
  }
}

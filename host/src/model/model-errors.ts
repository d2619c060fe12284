// Typed errors for reading and checking models: each names the file, the layer or node, and what was expected.
import { RtinferError } from '../errors.js';

export class ModelFormatError extends RtinferError {
  constructor(file: string, what: string, facts: Record<string, string | number | undefined> = {}) {
    super('model_format', `${file}: ${what}`, { file, ...facts });
  }
}

export class UnsupportedOperatorError extends RtinferError {
  constructor(file: string, operator: string, node: string) {
    super('unsupported_operator', `${file}: node "${node}" uses operator ${operator}, which rtinfer does not import`, { file, operator, node });
  }
}

/** Runs `work`, re-throwing a ShapeError as a ModelFormatError that also names the file being imported. */
export function inFile<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ShapeError) throw new ModelFormatError(file, error.message, error.facts as Record<string, string | number | undefined>);
    throw error;
  }
}

export class ShapeError extends RtinferError {
  constructor(layer: string, what: string, facts: Record<string, string | number | undefined> = {}) {
    super('shape_mismatch', `layer "${layer}": ${what}`, { layer, ...facts });
  }
}

// Typed errors for datasets: each names the file, the index or the field, and what was expected.
import { RtinferError } from '../errors.js';

export class DatasetError extends RtinferError {
  constructor(code: string, file: string, what: string, facts: Record<string, string | number | undefined> = {}) {
    super(code, `${file}: ${what}`, { file, ...facts });
  }
}

/** The first bytes are not what the format says (IDX: 0x0000 then the type byte and the rank; PNG: its signature). */
export class DatasetMagicError extends DatasetError {
  constructor(file: string, found: string, expected: string) {
    super('dataset_magic', file, `wrong magic ${found}; expected ${expected}`, { found, expected });
  }
}

/** The file holds fewer (or more) values than its header says, or images and labels disagree in number. */
export class DatasetCountError extends DatasetError {
  constructor(file: string, what: string, expected: number, actual: number) {
    super('dataset_count_mismatch', file, `${what}: expected ${expected}, got ${actual}`, { expected, actual });
  }
}

export class LabelRangeError extends DatasetError {
  constructor(file: string, index: number, label: number, classes: number) {
    super('label_out_of_range', file, `label ${label} at index ${index} is out of range: ${classes} classes (0–${classes - 1})`, { index, label, classes });
  }
}

/** The model's input is not the shape of the dataset's samples. */
export class InputShapeError extends RtinferError {
  constructor(model: string, modelShape: number[], dataset: string, dataShape: number[]) {
    super(
      'input_shape_mismatch',
      `${model} takes inputs of shape [${modelShape.join(', ')}], but ${dataset} holds samples of shape [${dataShape.join(', ')}]`,
      { model, modelShape: modelShape.join('×'), dataset, dataShape: dataShape.join('×') },
    );
  }
}

/** The model's output cannot hold the dataset's classes. */
export class ClassCountError extends RtinferError {
  constructor(model: string, outputs: number, dataset: string, classes: number) {
    super('class_count_mismatch', `${model} has ${outputs} outputs, but ${dataset} has ${classes} classes`, { model, outputs, dataset, classes });
  }
}

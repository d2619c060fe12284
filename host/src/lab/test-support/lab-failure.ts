// The LabConfigError a lab config text is refused with (the tests' way to look at line:column and the facts).
import { LabConfigError } from '../lab-error.js';
import { parseLab } from '../parse-lab.js';

export function labFailure(text: string): LabConfigError {
  try {
    parseLab(text, 'lab.yaml');
  } catch (error) {
    if (error instanceof LabConfigError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

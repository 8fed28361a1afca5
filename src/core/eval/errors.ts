// The evaluator's error constructor (one place, so every module words failures the same way).
import { StudioError } from '../errors';

export const evalError = (message: string, cause?: unknown): StudioError =>
  new StudioError('EvaluationError', message, cause === undefined ? undefined : { cause });

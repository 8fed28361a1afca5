import type { UiError } from '../state/ui-error';

export interface ErrorText {
  /** One sentence for the user. */
  title: string;
  /** The technical message from the worker (tensor names, dtypes, missing files), shown smaller. */
  detail: string;
}

/** User text per error name (StudioErrorName plus the bridge's WorkerCrashedError). The one place for it. */
const TITLES: Record<string, string> = {
  OnnxParseError: 'This file is not an ONNX model, or it is truncated or damaged.',
  UnsupportedDtypeError: 'This model stores weights in a data type the studio cannot handle yet.',
  UnsupportedModelError:
    'This model uses an opset, operator or graph layout the studio cannot export correctly.',
  ExternalDataMissingError:
    'This model keeps its weights in separate file(s). Drop the model together with its external-data file(s).',
  ExternalDataError:
    'The external-data file does not match what the model expects (wrong file or cut short).',
  QuantConfigError: 'These quantization settings are not valid.',
  WeightValueError: 'Some weights are NaN or infinite, so they cannot be quantized.',
  ModelNotLoadedError: 'The background worker restarted and lost the model. Open it again.',
  WorkerCrashedError:
    'A background worker stopped unexpectedly (out of memory?) and was restarted. Your results so far are kept.',
  VariantCheckError: 'Not offered for download: this quantized model failed its check.',
  OutOfMemoryError: 'The browser ran out of memory for this step. Your results so far are kept.',
  EvaluationError: 'The model could not be evaluated.',
  SampleSetError: 'This sample set cannot be read, or does not fit the model.',
  DataCloneError: 'The data could not be passed to the background worker.',
  NotReadableError: 'The file could not be read. Was it moved or deleted?',
};

const FALLBACK = 'Something went wrong.';

/** Text for an error, or null when it is not one to show (an abort or a user cancel). */
export function errorText(error: UiError): ErrorText | null {
  if (error.name === 'AbortError' || error.name === 'CancelledError') return null;
  const title = TITLES[error.name] ?? FALLBACK;
  const detail = error.message && error.message !== title ? error.message : '';
  return { title, detail };
}

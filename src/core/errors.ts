/** Error names that cross the worker boundary (comlink keeps only name, message and stack). */
export type StudioErrorName =
  | 'OnnxParseError' // not an ONNX model, truncated, malformed
  | 'UnsupportedDtypeError' // a tensor storage form or dtype we cannot read or write
  | 'UnsupportedModelError' // an opset, op or graph shape we cannot export correctly
  | 'ExternalDataMissingError' // a tensor's external-data file was not supplied
  | 'ExternalDataError' // offset/length out of range, path traversal, short read
  | 'QuantConfigError' // bad option values
  | 'WeightValueError' // NaN / Inf in a weight
  | 'ModelNotLoadedError' // worker restarted: re-open and retry
  | 'CancelledError' // the job was cancelled by the user
  | 'SampleSetError' // a sample set the evaluator cannot use
  | 'EvaluationError';

export class StudioError extends Error {
  override name: StudioErrorName;
  constructor(name: StudioErrorName, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

export const isStudioError = (e: unknown, name?: StudioErrorName): e is StudioError =>
  e instanceof Error && (name === undefined ? e instanceof StudioError : e.name === name);

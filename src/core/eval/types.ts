// The inference backend the evaluator drives. The evaluate worker implements it with onnxruntime-web; tests can
// use a fake. Core never imports onnxruntime.
import type { EvalMode, EvalProgress } from './results';
import type { FeedTensor } from './feeds';
import type { RuntimeInfo } from './latency';

/** An input or output as the runtime reports it. Dims: number (≤ 0 = unknown), symbolic name, or null. */
export interface TensorSpec {
  name: string;
  dtype: string;
  shape: (number | string | null)[];
}

export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

export interface RunOutput {
  /** The requested outputs, converted to float32. */
  outputs: Record<string, OutputTensor>;
  /** Wall time of the runtime call alone (session.run), without input/output conversion. */
  runMs: number;
}

export interface LoadedModel {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Run on `feeds` (one tensor per model input, already in its dtype) and return `outputNames` as float32. */
  run(feeds: Record<string, FeedTensor>, outputNames: string[]): Promise<RunOutput>;
  release(): Promise<void>;
}

export interface InferenceBackend {
  /** Where models run (backend, threads), reported with the latency. */
  runtime?: RuntimeInfo;
  /** Create a session for model `id` in `mode`. Throws EvaluationError naming the model when it cannot. */
  load(id: string, mode: EvalMode): Promise<LoadedModel>;
}

export interface EvalHooks {
  now: () => number;
  /** Checked between runs; a true answer rejects the evaluation with CancelledError. */
  isCancelled?: () => boolean;
  /** Awaited every ~50 ms of work so the worker can handle messages (a cancel, a preview). */
  pause?: () => Promise<void>;
  /** Throttled by the evaluator (about 10 Hz, plus each phase's start and end). */
  onProgress?: (p: EvalProgress) => void;
}

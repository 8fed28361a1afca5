import type { ModelSummary, Progress, RunSummary } from '../protocol/dto';
import type { Bits, QuantConfig } from '../core/quant/config';
import type { UiError } from './ui-error';

export type { UiError };

/** The model open in the page, parsed in the quantize worker (not core/eval's LoadedModel, an inference session). The File stays here (a handle, not bytes) so a restarted worker can re-open it. */
export interface OpenedModel {
  id: string;
  file: Blob;
  fileName: string;
  sidecars: { name: string; blob: Blob }[];
  summary: ModelSummary;
}

/** The current model. A failed or running load keeps the model that was there before (`previous`). */
export type ModelState =
  | { status: 'idle' }
  | { status: 'loading'; loadId: number; fileName: string; previous: OpenedModel | null }
  | { status: 'ready'; loaded: OpenedModel }
  | { status: 'error'; fileName: string; error: UiError; previous: OpenedModel | null };

/** One variant's job. `last` keeps the previous good result while re-running or after a failed re-run. */
export type RunState =
  | { status: 'idle' }
  | {
      status: 'running';
      jobId: number;
      runId: string;
      progress: number;
      stage: Progress | null;
      last: RunSummary | null;
    }
  | { status: 'done'; summary: RunSummary }
  | { status: 'error'; error: UiError; last: RunSummary | null };

/** A quantized version of the loaded model: one config (one bit width) and its run. */
export interface Variant {
  id: string;
  bits: Bits;
  config: QuantConfig;
  run: RunState;
  /** Mixed precision: what the budget solver reported (the assignment itself is `config.layers`). */
  plan?: {
    averageBits: number;
    floor: number | null;
    storedBytes: number;
    /** A measured plan that could not be refined end to end: why. */
    refineSkipped?: string;
  };
}

/** Data fetched from the worker for a view (histogram, channel ranges, error curve). */
export type Async<T> =
  | { status: 'loading'; requestId: number }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: UiError };

export type DownloadState =
  | { status: 'preparing' }
  | {
      status: 'ready';
      url: string;
      fileName: string;
      bytes: number;
      runId: string;
      /** The two-file form was asked for (the "external data" box). */
      external: boolean;
      /** External-data output (beyond 2 GiB, or asked for): the second file, saved next to the .onnx. */
      data?: { url: string; fileName: string; bytes: number };
    }
  | { status: 'error'; error: UiError };

/**
 * The check a variant passes before it is offered for download (actions/check-variant.ts): our reader and graph
 * checks on the exported bytes, then an onnxruntime-web session created from them when the file is small enough.
 */
export type VariantCheck =
  | { status: 'checking'; runId: string }
  | {
      status: 'ok';
      runId: string;
      /** Loaded by onnxruntime-web; false when over the size limit (structure checked on download). */
      loaded: boolean;
      /** Why it was not loaded, in words. */
      note?: string;
    }
  | { status: 'failed'; runId: string; error: UiError };

export type Theme = 'light' | 'dark';
export type ErrorMetric = 'sqnrDb' | 'mse' | 'maxAbsError';
export type HistogramScale = 'linear' | 'log';

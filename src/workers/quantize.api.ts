// STUB: the lead is implementing this on top of src/core. Signatures are the contract for the UI.
import type { QuantConfig, Precision } from '../core/quant/config';
import type { ChannelRangesDto, HistogramDto, ModelSummary, Progress, RunSummary } from '../protocol/dto';

/** A model file and the other files dropped with it (external data). Blob/File both clone cheaply. */
export interface OpenRequest {
  modelId: string;
  file: File | Blob;
  fileName: string;
  sidecars: { name: string; blob: Blob }[];
}

export interface ErrorCurvePoint {
  precision: Precision;
  sqnrDb: number;
  mse: number;
}

const notYet = (): never => {
  throw new Error('not implemented yet');
};

export const quantizeApi = {
  /** Parse a model in the worker; only the summary comes back. */
  async open(_req: OpenRequest): Promise<ModelSummary> {
    return notYet();
  },
  /** Quantize with one config; `onProgress` must be a comlink `proxy`. Rejects with CancelledError on cancel. */
  async quantize(
    _modelId: string,
    _runId: string,
    _config: QuantConfig,
    _onProgress?: (p: Progress) => void,
  ): Promise<RunSummary> {
    return notYet();
  },
  async cancel(_runId: string): Promise<void> {},
  /** Float weights and (when runId is given) that run's dequantized weights on shared bin edges. */
  async histogram(_modelId: string, _weight: string, _runId: string | null, _bins = 128): Promise<HistogramDto> {
    return notYet();
  },
  async channelRanges(_modelId: string, _weight: string): Promise<ChannelRangesDto> {
    return notYet();
  },
  /** SQNR of one weight (or of the whole model when weight is null) at each precision, other settings from config. */
  async errorCurve(
    _modelId: string,
    _weight: string | null,
    _config: QuantConfig,
    _precisions: Precision[],
  ): Promise<ErrorCurvePoint[]> {
    return notYet();
  },
  /** The exported ONNX bytes of a run (transferred). Same bytes the CLI writes for the same config. */
  async exportModel(_runId: string): Promise<Uint8Array> {
    return notYet();
  },
  async dropRun(_runId: string): Promise<void> {},
  async close(_modelId: string): Promise<void> {},
};

export type QuantizeApi = typeof quantizeApi;

import type { EvaluateApi } from '../workers/evaluate.api';
import type { QuantizeApi } from '../workers/quantize.api';
import { WorkerBridge, type Bridge } from './worker-bridge';

export { WorkerBridge, WORKER_CRASHED, DEFAULT_CANCEL_GRACE_MS, type Bridge } from './worker-bridge';
export type { QuantizeApi } from '../workers/quantize.api';
export type { EvaluateApi } from '../workers/evaluate.api';
export type { OpenRequest, ErrorCurvePoint } from '../protocol/dto';
export type { EvalRequest, EvalModelFile, EvalVariantFile, SampleFile } from '../protocol/eval-dto';

const defaultQuantizeBridge = (): Bridge<QuantizeApi> =>
  new WorkerBridge<QuantizeApi>(
    () =>
      new Worker(new URL('../workers/quantize.worker.ts', import.meta.url), {
        type: 'module',
        name: 'quantize',
      }),
  );

let quantizeBridge: Bridge<QuantizeApi> | undefined;

/** The one quantize worker bridge (created lazily; the worker itself starts on first API use). */
export function getQuantizeBridge(): Bridge<QuantizeApi> {
  quantizeBridge ??= defaultQuantizeBridge();
  return quantizeBridge;
}

/** Swap the bridge (tests use an in-process fake). Returns the previous one. */
export function setQuantizeBridge(bridge: Bridge<QuantizeApi> | undefined): Bridge<QuantizeApi> | undefined {
  const prev = quantizeBridge;
  quantizeBridge = bridge;
  return prev;
}

/**
 * The evaluate worker owns onnxruntime-web. ORT runs cannot be interrupted, so cancelling terminates this worker
 * (the bridge's default `onAbort`); the next call starts a fresh one, which must be given the samples again.
 */
const defaultEvaluateBridge = (): Bridge<EvaluateApi> =>
  new WorkerBridge<EvaluateApi>(
    () =>
      new Worker(new URL('../workers/evaluate.worker.ts', import.meta.url), {
        type: 'module',
        name: 'evaluate',
      }),
  );

let evaluateBridge: Bridge<EvaluateApi> | undefined;

export function getEvaluateBridge(): Bridge<EvaluateApi> {
  evaluateBridge ??= defaultEvaluateBridge();
  return evaluateBridge;
}

export function setEvaluateBridge(bridge: Bridge<EvaluateApi> | undefined): Bridge<EvaluateApi> | undefined {
  const prev = evaluateBridge;
  evaluateBridge = bridge;
  return prev;
}

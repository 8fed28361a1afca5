import type { EvaluateApi } from '../workers/evaluate.api';
import type { QuantizeApi } from '../workers/quantize.api';
import { EvaluateSession } from './evaluate-session';
import { QuantizeSession } from './quantize-session';
import { WorkerBridge, type Bridge } from './worker-bridge';

export { QuantizeSession, type ModelFiles, type RunRef } from './quantize-session';
export { EvaluateSession, type SampleSetFiles } from './evaluate-session';
export { MODEL_NOT_LOADED } from './shared-flight';
export { WorkerBridge, DEFAULT_CANCEL_GRACE_MS, type Bridge } from './worker-bridge';
export { WORKER_CRASHED, OUT_OF_MEMORY } from './crash';
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
    'quantization',
  );

let quantizeBridge: Bridge<QuantizeApi> | undefined;
let quantizeSession: QuantizeSession | undefined;

/** The one quantize worker bridge (created lazily; the worker itself starts on first API use). */
export function getQuantizeBridge(): Bridge<QuantizeApi> {
  quantizeBridge ??= defaultQuantizeBridge();
  return quantizeBridge;
}

/** The one session on the quantize worker: actions call the worker through it, and nothing else keeps its state. */
export function getQuantizeSession(): QuantizeSession {
  quantizeSession ??= new QuantizeSession(getQuantizeBridge());
  return quantizeSession;
}

/** Swap the bridge (tests use an in-process fake), with a fresh session. Returns the previous bridge. */
export function setQuantizeBridge(bridge: Bridge<QuantizeApi> | undefined): Bridge<QuantizeApi> | undefined {
  const prev = quantizeBridge;
  quantizeBridge = bridge;
  quantizeSession = undefined;
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
    'evaluation',
  );

/** An evaluate worker of the caller's own (which terminates it): a one-off onnxruntime load, not the shared one. */
export const newEvaluateBridge = defaultEvaluateBridge;

let evaluateBridge: Bridge<EvaluateApi> | undefined;
let evaluateSession: EvaluateSession | undefined;

export function getEvaluateBridge(): Bridge<EvaluateApi> {
  evaluateBridge ??= defaultEvaluateBridge();
  return evaluateBridge;
}

/** The one session on the evaluate worker (epoch, the sample set it holds, queued reads). */
export function getEvaluateSession(): EvaluateSession {
  evaluateSession ??= new EvaluateSession(getEvaluateBridge());
  return evaluateSession;
}

/** Swap the bridge (tests), with a fresh session. Returns the previous bridge. */
export function setEvaluateBridge(bridge: Bridge<EvaluateApi> | undefined): Bridge<EvaluateApi> | undefined {
  const prev = evaluateBridge;
  evaluateBridge = bridge;
  evaluateSession = undefined;
  return prev;
}

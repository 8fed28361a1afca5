import type { QuantizeApi } from '../workers/quantize.api';
import { WorkerBridge, type Bridge } from './worker-bridge';

export { WorkerBridge, WORKER_CRASHED, DEFAULT_CANCEL_GRACE_MS, type Bridge } from './worker-bridge';
export type { QuantizeApi, OpenRequest, ErrorCurvePoint } from '../workers/quantize.api';

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

// The studio's evaluate worker for the speed bench: the same API (createEvaluateApi → runEvaluation → ort-backend)
// on onnxruntime-web/wasm, with the thread count given by the page (worker name `evaluate threads=N`) instead of
// the studio's choice, so one run can compare thread counts.
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import { createEvaluateApi } from '../../../src/workers/evaluate.api';

const name = (self as { name?: string }).name ?? '';
ort.env.wasm.numThreads = Number(/threads=(\d+)/.exec(name)?.[1] ?? 1);
ort.env.wasm.proxy = false;
if (name !== 'em-pthread') expose(createEvaluateApi(ort, { threadsWhy: 'set by the bench' }));

// The studio's quantize worker for the threads bench: the same API (quantize.api.ts) and the same RTN threads
// (rtn-threads.ts → nested rtn.worker), with the thread count set per run instead of by the studio's rule.
import { expose } from 'comlink';
import { quantizeApi } from '../../../src/workers/quantize.api';
import { startRtnWorker, useRtnThreads } from '../../../src/workers/rtn-threads';
import type { QuantConfig } from '../../../src/core/quant/config';

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

export const benchWorker = {
  async open(url: string): Promise<number> {
    const file = await (await fetch(url)).blob();
    const s = await quantizeApi.open({ modelId: 'm', file, fileName: 'bench.onnx', sidecars: [] });
    return s.weights.length;
  },
  /** One run with `threads` RTN threads (0: in this worker, as below 32 MiB): wall ms of `quantize`. */
  async quantize(threads: number, runId: string, config: QuantConfig): Promise<number> {
    useRtnThreads({ spawn: startRtnWorker, threads }); // 0: none (the kept pools of other counts stay warm)
    const t0 = performance.now();
    await quantizeApi.quantize('m', runId, config);
    return performance.now() - t0;
  },
  /** SHA-256 of the run's exported file, then the run is dropped. */
  async digest(runId: string): Promise<string> {
    const blob = await quantizeApi.exportModel(runId);
    await quantizeApi.dropRun(runId);
    return hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  },
};
export type BenchWorker = typeof benchWorker;

expose(benchWorker);

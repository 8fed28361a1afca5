// Bench page (scripts/bench-quantize-browser.ts drives it with Playwright): the studio's quantize worker code in a
// dedicated worker, called through comlink as the studio calls it.
import { wrap } from 'comlink';
import type { BenchWorker } from './bench.worker';
import type { QuantConfig } from '../../../src/core/quant/config';

const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), {
  type: 'module',
  name: 'quantize',
});
const api = wrap<BenchWorker>(worker);

export interface QuantizeBenchPage {
  info(): { hardwareConcurrency: number; crossOriginIsolated: boolean };
  open(url: string): Promise<number>;
  quantize(threads: number, runId: string, config: QuantConfig): Promise<number>;
  digest(runId: string): Promise<string>;
}

const page: QuantizeBenchPage = {
  info: () => ({
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
  }),
  open: (url) => api.open(url),
  quantize: (threads, runId, config) => api.quantize(threads, runId, config),
  digest: (runId) => api.digest(runId),
};

(window as unknown as { bench: QuantizeBenchPage }).bench = page;
document.body.dataset.ready = 'true';

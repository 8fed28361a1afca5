// Bench page (scripts/bench-eval-browser.ts drives it with Playwright): the studio's evaluation of a float model and
// its variants on one sample set, in the evaluate worker; returns the report with the wall time of each step.
import { proxy, wrap, type Remote } from 'comlink';
import type { EvaluateApi } from '../../../src/workers/evaluate.api';
import type { EvalProgress, EvalReport, EvalRequest } from '../../../src/protocol/eval-dto';

export interface BenchFile {
  name: string;
  base64: string;
}

export interface BenchSetup {
  threads: number;
  float: BenchFile;
  variants: (BenchFile & { id: string })[];
  samples: BenchFile[];
  mode: 'exact' | 'deployed' | 'both';
  batchSize: number;
}

export interface BenchRun {
  report: EvalReport;
  /** Wall time of each step (float, then variant × mode), from its first progress message to the next step's. */
  stepMs: number[];
  wallMs: number;
}

export interface BenchPage {
  open(setup: BenchSetup): Promise<{ crossOriginIsolated: boolean; hardwareConcurrency: number }>;
  /** One evaluation; `latency` adds the studio's latency benchmark (as the studio always asks). */
  run(latency: boolean): Promise<BenchRun>;
  close(): void;
}

const blobOf = (f: BenchFile) => new Blob([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))]);

let worker: Worker | null = null;
let api: Remote<EvaluateApi> | null = null;
let request: EvalRequest | null = null;

const bench: BenchPage = {
  async open(setup) {
    worker = new Worker(new URL('./bench.worker.ts', import.meta.url), {
      type: 'module',
      name: `evaluate threads=${setup.threads}`,
    });
    api = wrap<EvaluateApi>(worker);
    await api.loadSamples(setup.samples.map((s) => ({ path: s.name, blob: blobOf(s) })));
    request = {
      float: { blob: blobOf(setup.float), label: setup.float.name },
      variants: setup.variants.map((v) => ({ id: v.id, label: v.name, blob: blobOf(v) })),
      mode: setup.mode,
      preprocess: null,
      batchSize: setup.batchSize,
    };
    return {
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
    };
  },
  async run(latency) {
    if (!api || !request) throw new Error('open() first');
    const starts: number[] = [];
    const onProgress = (p: EvalProgress) => {
      if (p.done === 0 && starts[p.step - 1] === undefined) starts[p.step - 1] = performance.now();
    };
    const t0 = performance.now();
    const report = await api.evaluate({ ...request, latency }, proxy(onProgress));
    const t1 = performance.now();
    return { report, stepMs: starts.map((s, i) => (starts[i + 1] ?? t1) - s), wallMs: t1 - t0 };
  },
  close() {
    worker?.terminate();
    worker = null;
    api = null;
  },
};

(window as unknown as { bench: BenchPage }).bench = bench;
document.body.dataset.ready = 'true';

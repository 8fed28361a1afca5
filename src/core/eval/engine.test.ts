import { describe, expect, it } from 'vitest';
import type { TensorSampleSet } from '../samples';
import type { EvalMode, EvalProgress } from './results';
import { runEvaluation, type EngineRequest } from './engine';
import type { EvalHooks, InferenceBackend, LoadedModel, TensorSpec } from './types';

/** A fake "model": scores per sample from its features; `calls` records every run's dims. */
interface FakeModel {
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
  score: (x: Float32Array, mode: EvalMode) => number[];
  outDims?: (n: number, classes: number) => number[];
}

function fakeBackend(
  models: Record<string, FakeModel>,
  calls: { id: string; mode: EvalMode; dims: number[] }[] = [],
) {
  const released: string[] = [];
  const loaded: string[] = [];
  const backend: InferenceBackend = {
    async load(id, mode): Promise<LoadedModel> {
      const m = models[id];
      if (!m) throw new Error(`no such model ${id}`);
      loaded.push(`${id}:${mode}`);
      const inputs = m.inputs ?? [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }];
      return {
        inputs,
        outputs: m.outputs ?? [{ name: 'y', dtype: 'float32', shape: ['batch', 4] }],
        async run(feeds, outputNames) {
          const x = feeds[inputs[0].name];
          const data = x.data as Float32Array;
          const dims = x.dims;
          calls.push({ id, mode, dims });
          const n = dims[0];
          const size = data.length / n;
          const rows = Array.from({ length: n }, (_, i) =>
            m.score(data.subarray(i * size, (i + 1) * size), mode),
          );
          const classes = rows[0].length;
          const y = { data: Float32Array.from(rows.flat()), dims: m.outDims?.(n, classes) ?? [n, classes] };
          return { outputs: Object.fromEntries(outputNames.map((k) => [k, y])), runMs: 1 };
        },
        async release() {
          released.push(`${id}:${mode}`);
        },
      };
    },
  };
  return { backend, calls, released, loaded };
}

/** 10 samples of 3 features; sample i has features [i, i%4, 1] and label i % 4. */
function tensorSet(count = 10, labeled = true): TensorSampleSet {
  const inputs = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) inputs.set([i, i % 4, 1], i * 3);
  return {
    kind: 'tensor',
    source: 'npy',
    sourceName: 'inputs.npy + labels.npy',
    count,
    inputs,
    sampleDims: [3],
    labels: labeled ? Int32Array.from({ length: count }, (_, i) => i % 4) : null,
    classes: null,
    referenceOutputs: null,
    tabular: null,
    notes: [],
  };
}

/** Logits peaking at feature 1 (always right); `wrongFrom` makes samples ≥ it predict class 0. */
const oneHot = (x: Float32Array, wrongFrom = Infinity) =>
  [0, 1, 2, 3].map((c) => (c === (x[0] >= wrongFrom ? 0 : x[1]) ? 5 : 0));

let clock = 0;
const hooks = (extra: Partial<EvalHooks> = {}): EvalHooks => ({ now: () => (clock += 1), ...extra });
const request = (extra: Partial<EngineRequest> = {}): EngineRequest => ({
  float: { id: 'float', label: 'float model', sizeBytes: 100 },
  variants: [{ id: 'v', label: 'int4', sizeBytes: 25 }],
  modes: ['exact'],
  preprocess: null,
  ...extra,
});

describe('runEvaluation (fake backend)', () => {
  it('batches a dynamic batch axis, scores accuracy, fidelity and flips', async () => {
    const { backend, calls, released } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x) => oneHot(x, 8) }, // samples 8, 9 flip to class 0; 8 was right (label 0) by luck
    });
    const { report, predictions } = await runEvaluation(
      tensorSet(),
      request({ batchSize: 4 }),
      backend,
      hooks(),
    );
    expect(calls.filter((c) => c.id === 'float').map((c) => c.dims)).toEqual([
      [4, 3],
      [4, 3],
      [2, 3],
    ]);
    expect(report.input).toMatchObject({
      samplesPerRun: 4,
      runDims: [4, 3],
      batch: { kind: 'dynamic', symbol: 'batch' },
    });
    expect(report.output!.kind).toBe('logits');
    expect(report.float.accuracy?.top1Correct).toBe(10);
    const v = report.variants[0];
    expect(v.exact?.accuracy?.top1Correct).toBe(9);
    expect(v.exact?.top1Delta).toBeCloseTo(-0.1);
    expect(v.exact).toMatchObject({ flips: 1, flipsBroken: 1, flipsFixed: 0 });
    expect(v.exact?.fidelity!.top1Agreement).toBeCloseTo(0.9);
    expect(v.deployed).toBeNull();
    expect(v.modesDiffer).toBeNull();
    expect(v.exact?.timing).toMatchObject({ runs: 3, samplesPerRun: 4, latencyMsPerSample: 1 / 3 }); // warm-up run left out
    expect(predictions.variants.get('v:exact')?.pred[9]).toBe(0);
    expect(released).toEqual(['float:exact', 'v:exact']);
  });

  it('with latency options, times the evaluation’s sessions of every model and mode in turn on the first batch', async () => {
    const { backend, calls, loaded, released } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x) => oneHot(x) },
    });
    const progress: EvalProgress[] = [];
    const latency = { warmupRuns: 1, minRounds: 2, maxRounds: 2, budgetMs: 100, holdBytes: 1000 };
    const { report } = await runEvaluation(
      tensorSet(),
      request({ batchSize: 4, modes: ['exact', 'deployed'], latency }),
      { ...backend, runtime: { backend: 'fake', threads: 1 } },
      hooks({ onProgress: (p) => progress.push(p) }),
    );
    // After the evaluation (3 runs per session): the same three sessions, 1 warm-up + 2 interleaved rounds each.
    expect(loaded).toEqual(['float:exact', 'v:exact', 'v:deployed']);
    expect(released).toEqual(loaded);
    expect(calls.slice(9).map((c) => `${c.id}:${c.mode}`)).toEqual([
      ...['float:exact', 'v:exact', 'v:deployed'],
      ...['float:exact', 'v:exact', 'v:deployed', 'v:exact', 'v:deployed', 'float:exact'],
    ]);
    expect(calls.slice(9).every((c) => c.dims[0] === 4)).toBe(true);
    // The fake runs take 1 ms for 4 samples.
    expect(report.float.timing.latency).toMatchObject({ medianMs: 0.25, runs: 2, samplesPerRun: 4 });
    expect(report.variants[0].deployed?.timing.latency).toMatchObject({ medianMs: 0.25, interleaved: true });
    expect(report.runtime).toEqual({ backend: 'fake', threads: 1 });
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ phase: 'latency', step: 4, steps: 4, done: 6, total: 6 });
  });

  it('with models above the hold budget, releases each after its pass and times fresh ones one at a time', async () => {
    const { backend, calls, loaded, released } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x) => oneHot(x) },
    });
    const latency = { warmupRuns: 1, minRounds: 2, maxRounds: 2, budgetMs: 100, holdBytes: 100 };
    const { report } = await runEvaluation(
      tensorSet(),
      request({ batchSize: 4, modes: ['exact', 'deployed'], latency }),
      backend,
      hooks(),
    );
    expect(loaded).toEqual([
      ...['float:exact', 'v:exact', 'v:deployed'],
      ...['float:exact', 'v:exact', 'v:deployed'],
    ]);
    expect(released).toEqual(loaded);
    expect(calls.slice(9).map((c) => `${c.id}:${c.mode}`)).toEqual([
      ...['float:exact', 'float:exact', 'float:exact'],
      ...['v:exact', 'v:exact', 'v:exact', 'v:deployed', 'v:deployed', 'v:deployed'],
    ]);
    expect(report.variants[0].exact?.timing.latency).toMatchObject({ interleaved: false });
  });

  it('with latency options, a variant that fails still releases the kept float session', async () => {
    const { backend, loaded, released } = fakeBackend({ float: { score: (x) => oneHot(x) } });
    const latency = { warmupRuns: 1, minRounds: 2, maxRounds: 2, budgetMs: 100, holdBytes: 1000 };
    await expect(
      runEvaluation(tensorSet(), request({ batchSize: 4, latency }), backend, hooks()),
    ).rejects.toMatchObject({ name: 'EvaluationError' });
    expect(loaded).toEqual(['float:exact']);
    expect(released).toEqual(loaded);
  });

  it('without latency options, reports no latency and runs nothing more', async () => {
    const { backend, calls } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x) => oneHot(x) },
    });
    const { report } = await runEvaluation(tensorSet(), request({ batchSize: 4 }), backend, hooks());
    expect(calls).toHaveLength(6);
    expect(report.float.timing.latency).toBeNull();
    expect(report.runtime).toBeNull();
  });

  it('pads the last run of a fixed batch above 1 and ignores the padding', async () => {
    const fixed = [{ name: 'x', dtype: 'float32', shape: [4, 3] }];
    const { backend, calls } = fakeBackend({
      float: { inputs: fixed, score: (x) => oneHot(x) },
      v: { inputs: fixed, score: (x) => oneHot(x) },
    });
    const { report } = await runEvaluation(tensorSet(), request({ batchSize: 8 }), backend, hooks());
    expect(calls.map((c) => c.dims[0])).toEqual([4, 4, 4, 4, 4, 4]);
    expect(report.float.accuracy?.count).toBe(10);
    expect(report.variants[0].exact?.fidelity).toMatchObject({ count: 10, top1Agreement: 1, maxAbsDiff: 0 });
  });

  it('compares exact and deployed outputs of each variant', async () => {
    const { backend, calls } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x, mode) => oneHot(x).map((s) => (mode === 'deployed' ? s + 0.25 : s)) },
      same: { score: (x) => oneHot(x) },
    });
    const req = request({
      modes: ['deployed', 'exact'],
      variants: [
        { id: 'v', label: 'v', sizeBytes: 1 },
        { id: 'same', label: 's', sizeBytes: 1 },
      ],
    });
    const { report } = await runEvaluation(tensorSet(), req, backend, hooks());
    expect([...new Set(calls.map((c) => `${c.id}:${c.mode}`))]).toEqual([
      'float:exact',
      'v:exact',
      'v:deployed',
      'same:exact',
      'same:deployed',
    ]);
    expect(report.modes).toEqual(['exact', 'deployed']);
    expect(report.variants[0]).toMatchObject({
      modesDiffer: true,
      modeComparison: { maxAbsDiff: 0.25, flips: 0 },
    });
    expect(report.variants[1]).toMatchObject({
      modesDiffer: false,
      modeComparison: { maxAbsDiff: 0, top1Agreement: 1 },
    });
  });

  it('reports fidelity only without labels, and detects probability outputs', async () => {
    const probs = (x: Float32Array) => oneHot(x).map((s) => (s ? 0.7 : 0.1));
    const { backend } = fakeBackend({ float: { score: probs }, v: { score: probs } });
    const { report } = await runEvaluation(tensorSet(10, false), request(), backend, hooks());
    expect(report.labeled).toBe(false);
    expect(report.float.accuracy).toBeNull();
    expect(report.variants[0].exact).toMatchObject({ accuracy: null, top1Delta: null, flipsBroken: null });
    expect(report.output!.kind).toBe('probabilities');
  });

  it('sends progress at each phase start and end, throttled in between', async () => {
    const seen: EvalProgress[] = [];
    const { backend } = fakeBackend({ float: { score: (x) => oneHot(x) }, v: { score: (x) => oneHot(x) } });
    let t = 0;
    await runEvaluation(tensorSet(100), request({ batchSize: 1, modes: ['exact', 'deployed'] }), backend, {
      now: () => (t += 10), // each run "takes" 10 ms of clock
      onProgress: (p) => seen.push(p),
    });
    expect(seen[0]).toEqual({
      phase: 'float',
      variantId: null,
      mode: 'exact',
      step: 1,
      steps: 3,
      done: 0,
      total: 100,
    });
    expect(seen.at(-1)).toEqual({
      phase: 'variant',
      variantId: 'v',
      mode: 'deployed',
      step: 3,
      steps: 3,
      done: 100,
      total: 100,
    });
    expect(seen.length).toBeLessThan((3 * 100) / 5);
    expect(seen.filter((p) => p.done === p.total)).toHaveLength(3);
  });

  it.each<[string, Record<string, FakeModel>, Partial<EngineRequest>, string, RegExp]>([
    [
      'samples of the wrong shape',
      { float: { inputs: [{ name: 'x', dtype: 'float32', shape: [1, 5] }], score: () => [0, 1] } },
      {},
      'SampleSetError',
      /inputs\.npy \+ labels\.npy: each sample has shape \[3\] but model input 'x' expects \[1,5\]/,
    ],
    [
      'labels beyond the model classes',
      { float: { score: () => [1, 0, 0] } },
      {},
      'SampleSetError',
      /sample 3 \(inputs\.npy \+ labels\.npy #3\) has label 3, but output 'y' has 3 classes/,
    ],
    [
      'a variant with another input',
      {
        float: { score: (x) => oneHot(x) },
        v: { inputs: [{ name: 'z', dtype: 'float32', shape: ['batch', 3] }], score: (x) => oneHot(x) },
      },
      {},
      'EvaluationError',
      /int4 \(exact\): input 'z'.*differs from the float model's 'x'/,
    ],
    [
      'a model the runtime cannot load',
      { v: { score: () => [0] } },
      {},
      'EvaluationError',
      /float model: onnxruntime could not load the model \(no such model float\)/,
    ],
    [
      'duplicate variant ids',
      {},
      {
        variants: [
          { id: 'a', label: 'a', sizeBytes: 1 },
          { id: 'a', label: 'b', sizeBytes: 1 },
        ],
      },
      'EvaluationError',
      /share the id 'a'/,
    ],
  ])('rejects %s', async (_, models, req, name, message) => {
    const { backend, released, loaded } = fakeBackend(models);
    const run = runEvaluation(tensorSet(), request(req), backend, hooks());
    await expect(run).rejects.toMatchObject({ name, message: expect.stringMatching(message) });
    expect(released).toEqual(loaded); // every session created was released
  });

  it('stops between runs when cancelled, releasing the session', async () => {
    const { backend, calls, released } = fakeBackend({
      float: { score: (x) => oneHot(x) },
      v: { score: (x) => oneHot(x) },
    });
    let cancelled = false;
    let pauses = 0;
    const run = runEvaluation(tensorSet(50), request({ batchSize: 1 }), backend, {
      now: () => (clock += 100),
      pause: async () => {
        pauses++;
        if (calls.length >= 5) cancelled = true;
      },
      isCancelled: () => cancelled,
    });
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(calls.length).toBe(5);
    expect(pauses).toBe(5);
    expect(released).toEqual(['float:exact']);
  });
});

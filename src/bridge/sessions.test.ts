// The sessions restore what a restarted worker lost, once per worker generation, and keep nothing else.
import { describe, expect, it } from 'vitest';
import type { EvaluateApi } from '../workers/evaluate.api';
import type { QuantizeApi } from '../workers/quantize.api';
import { EvaluateSession } from './evaluate-session';
import { InProcessBridge } from './in-process-bridge';
import { QuantizeSession, type ModelFiles } from './quantize-session';

const notLoaded = () => Object.assign(new Error('no model in this worker'), { name: 'ModelNotLoadedError' });

/** A worker that forgets everything on terminate, and counts what it was asked. */
function fakeQuantizeWorker() {
  const models = new Set<string>();
  const runs = new Set<string>();
  const calibrations = new Map<string, number>(); // key -> Hessian length (what the worker got)
  const calls = { open: 0, quantize: 0, export: 0 };
  const quantizedWith: (string | undefined)[] = [];
  const faults = { export: 0 };
  const api = {
    open: async (req: { modelId: string }) => {
      calls.open++;
      models.add(req.modelId);
      return {};
    },
    putCalibration: async (
      modelId: string,
      key: string,
      data: { layers: { hessians: Float64Array[] }[] },
    ) => {
      if (!models.has(modelId)) throw notLoaded();
      calibrations.set(key, data.layers[0].hessians[0].length);
    },
    quantize: async (modelId: string, runId: string, _c: unknown, _p: unknown, calibrationKey?: string) => {
      if (!models.has(modelId)) throw notLoaded();
      if (calibrationKey !== undefined && !calibrations.has(calibrationKey)) throw notLoaded();
      quantizedWith.push(calibrationKey);
      calls.quantize++;
      runs.add(runId);
      return { runId };
    },
    exportModel: async (runId: string) => {
      if (!runs.has(runId)) throw notLoaded();
      if (faults.export > 0 && faults.export--) throw new Error('out of memory');
      calls.export++;
      return new Blob([new Uint8Array([1, 2, 3])]);
    },
    close: async () => {},
    dropRun: async () => {},
  } as unknown as QuantizeApi;
  const forget = () => (models.clear(), runs.clear(), calibrations.clear());
  return {
    bridge: new InProcessBridge<QuantizeApi>(api, forget, 'quantization'),
    calls,
    faults,
    calibrations,
    quantizedWith,
  };
}

const model: ModelFiles = { id: 'm1', file: new Blob(['x']), fileName: 'm.onnx', sidecars: [] };
const config = { bits: 4 } as never;

describe('QuantizeSession', () => {
  it('after a restart re-opens the model and re-creates the run once, shared by concurrent callers', async () => {
    const { bridge, calls } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    await s.call((api) => api.quantize('m1', 'r1', config));
    bridge.terminate();
    const run = { runId: 'r1', config };
    const [a, b] = await Promise.all([
      s.callModel(model, (api) => api.exportModel('r1'), [run]),
      s.callModel(model, (api) => api.exportModel('r1'), [run]),
    ]);
    expect([...new Uint8Array(await a.arrayBuffer())]).toEqual([1, 2, 3]);
    expect([...new Uint8Array(await b.arrayBuffer())]).toEqual([1, 2, 3]);
    expect(calls).toEqual({ open: 2, quantize: 2, export: 2 });
  });

  it('a data-aware run: its calibration is captured again for a restarted worker, once, before the run is re-created', async () => {
    const { bridge, calls, calibrations, quantizedWith } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    let captures = 0;
    const capture = async () => {
      captures++;
      return {
        layers: [{ name: 'w', hessians: [new Float64Array(4)], means: null }],
        stats: {} as never,
        notes: [],
      };
    };
    const ref = { key: 'cal1', capture };
    await s.putCalibration(model, 'cal1', await capture());
    expect(s.holdsCalibration('cal1')).toBe(true);
    const never = new AbortController().signal;
    await s.quantize(model, 'r1', config, never, () => {}, ref);
    expect(captures).toBe(1); // held: not captured again
    bridge.terminate();
    expect(s.holdsCalibration('cal1')).toBe(false);
    const run = { runId: 'r1', config };
    await Promise.all([
      s.callModel(model, (api) => api.exportModel('r1'), [run]),
      s.callModel(model, (api) => api.exportModel('r1'), [run]),
    ]);
    expect(captures).toBe(2);
    expect(calibrations.get('cal1')).toBe(4);
    expect(quantizedWith).toEqual(['cal1', 'cal1']);
    expect(calls).toMatchObject({ open: 2, quantize: 2, export: 2 });
  });

  it('exports a variant once per run, and again for a new run or after release', async () => {
    const { bridge, calls } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    await s.call((api) => api.quantize('m1', 'r1', config));
    await s.call((api) => api.quantize('m1', 'r2', config));
    const first = s.exportBlob(model, 'v', { runId: 'r1', config });
    expect(s.exportBlob(model, 'v', { runId: 'r1', config })).toBe(first);
    expect((await first).size).toBe(3);
    await s.exportBlob(model, 'v', { runId: 'r2', config });
    s.releaseBlob('v');
    await s.exportBlob(model, 'v', { runId: 'r2', config });
    expect(calls.export).toBe(3);
  });

  it('does not cache a failed export', async () => {
    const { bridge, faults } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    await s.call((api) => api.quantize('m1', 'r1', config));
    faults.export = 1;
    const run = { runId: 'r1', config };
    await expect(s.exportBlob(model, 'v', run)).rejects.toThrow('out of memory');
    await expect(s.exportBlob(model, 'v', run)).resolves.toBeInstanceOf(Blob);
  });
});

describe('EvaluateSession', () => {
  function fakeEvaluateWorker() {
    let holds: unknown = null;
    const reads: unknown[] = [];
    let staged: unknown[] = [];
    const api = {
      stageSampleFiles: (slice: unknown[], first: boolean) => {
        if (first) staged = [];
        staged.push(...slice);
        return staged.length;
      },
      loadStagedSamples: async () => {
        reads.push(staged);
        holds = staged;
        staged = [];
        return { count: 1 };
      },
      sampleThumbnail: async () => {
        if (!holds) throw notLoaded();
        return null;
      },
    } as unknown as EvaluateApi;
    return { bridge: new InProcessBridge<EvaluateApi>(api, () => (holds = null)), reads };
  }
  const samples = { id: 1, files: [], tabular: undefined };

  it('reads the samples again into a restarted worker, once', async () => {
    const { bridge, reads } = fakeEvaluateWorker();
    const s = new EvaluateSession(bridge);
    await s.readSamples(samples);
    await s.callWithSamples(samples, (api) => api.sampleThumbnail(0));
    expect(reads).toHaveLength(1);
    s.restart();
    await Promise.all([
      s.callWithSamples(samples, (api) => api.sampleThumbnail(0)),
      s.callWithSamples(samples, (api) => api.sampleThumbnail(0)),
    ]);
    expect(reads).toHaveLength(2);
  });

  it('sends a large set in slices that arrive whole and in order', async () => {
    const { bridge, reads } = fakeEvaluateWorker();
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `png/${i}.png`, blob: new Blob() }));
    await new EvaluateSession(bridge).readSamples({ id: 2, files, tabular: undefined });
    expect(reads).toEqual([files]);
  });

  it('rejects a call in flight with AbortError when the worker is restarted', async () => {
    const { bridge } = fakeEvaluateWorker();
    const s = new EvaluateSession(bridge);
    const pending = s.call(() => new Promise<never>(() => {}));
    s.restart();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('a worker that dies mid-call', () => {
  /** A quantize worker whose quantize() never answers while `hang` is set (the crash comes first). */
  function dyingQuantizeWorker() {
    const fake = fakeQuantizeWorker();
    const hang = { on: false };
    const quantize = fake.bridge.api.quantize as unknown as (...a: unknown[]) => Promise<unknown>;
    (fake.bridge.api as unknown as { quantize: unknown }).quantize = (...a: unknown[]) =>
      hang.on ? new Promise<never>(() => {}) : quantize(...a);
    return { ...fake, hang };
  }

  it('quantize: says which worker stopped and that it was restarted, re-opens the model, keeps earlier runs', async () => {
    const { bridge, calls, hang } = dyingQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    const r1 = { runId: 'r1', config };
    await s.quantize(model, 'r1', config, new AbortController().signal, () => {});
    hang.on = true;
    const pending = s.quantize(model, 'r2', config, new AbortController().signal, () => {});
    bridge.crash('Uncaught RangeError: Array buffer allocation failed');
    await expect(pending).rejects.toMatchObject({
      name: 'WorkerCrashedError',
      message:
        'The quantization worker stopped: Uncaught RangeError: Array buffer allocation failed; it was restarted',
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.open).toBe(2); // re-opened in the fresh worker without being asked
    hang.on = false;
    // The next action works, and the run computed before the crash is re-created for its export.
    await expect(s.quantize(model, 'r3', config, new AbortController().signal, () => {})).resolves.toEqual({
      runId: 'r3',
    });
    await expect(s.exportBlob(model, 'v8', r1)).resolves.toBeInstanceOf(Blob);
    expect(calls.open).toBe(2);
  });

  it('a crash while opening another model re-opens the current one, once (no loop if it crashes again)', async () => {
    const { bridge, calls } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    const api = bridge.api as unknown as { open: (r: { modelId: string }) => Promise<unknown> };
    const open = api.open;
    api.open = (r) => (r.modelId === 'm2' ? new Promise<never>(() => {}) : open(r));
    const big = s.open({ ...model, id: 'm2', fileName: 'huge.onnx' });
    bridge.crash('');
    await expect(big).rejects.toThrow(
      'The quantization worker stopped: no reason given (out of memory?); it was restarted',
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.open).toBe(2); // m1 again
    await expect(s.callModel(model, (a) => a.quantize('m1', 'r9', config))).resolves.toEqual({ runId: 'r9' });
  });

  it('an allocation failure in a live quantize worker is named OutOfMemoryError, and the worker is kept', async () => {
    const { bridge, faults } = fakeQuantizeWorker();
    const s = new QuantizeSession(bridge);
    await s.open(model);
    await s.call((api) => api.quantize('m1', 'r1', config));
    faults.export = 1;
    const before = bridge.generation;
    await expect(s.exportBlob(model, 'v', { runId: 'r1', config })).rejects.toMatchObject({
      name: 'OutOfMemoryError',
      message: 'The quantization worker ran out of memory: out of memory',
    });
    expect(bridge.generation).toBe(before);
  });

  it('evaluate: a crash mid-evaluation is reported and the samples are read again for the next call', async () => {
    let holds: unknown = null;
    let reads = 0;
    let hang = true;
    let staged: unknown[] = [];
    const api = {
      stageSampleFiles: async (slice: unknown[], first: boolean) => {
        staged = first ? [...slice] : [...staged, ...slice];
        return staged.length;
      },
      loadStagedSamples: async () => ((reads++, (holds = staged)), { count: 1 }),
      evaluate: async () => {
        if (!holds) throw notLoaded();
        return hang ? new Promise<never>(() => {}) : { ok: true };
      },
    } as unknown as EvaluateApi;
    const bridge = new InProcessBridge<EvaluateApi>(api, () => (holds = null), 'evaluation');
    const s = new EvaluateSession(bridge);
    const samples = { id: 1, files: [], tabular: undefined };
    await s.readSamples(samples);
    const pending = s.evaluate(samples, {} as never, new AbortController().signal, () => {});
    await new Promise((r) => setTimeout(r, 0));
    bridge.crash('Uncaught RuntimeError: Aborted(OOM)');
    await expect(pending).rejects.toMatchObject({
      name: 'WorkerCrashedError',
      message: 'The evaluation worker stopped: Uncaught RuntimeError: Aborted(OOM); it was restarted',
    });
    hang = false;
    await expect(s.evaluate(samples, {} as never, new AbortController().signal, () => {})).resolves.toEqual({
      ok: true,
    });
    expect(reads).toBe(2);
  });
});

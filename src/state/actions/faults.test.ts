// Faults at the action level: a worker that dies mid-job, cancels at every point of a quantization and an
// evaluation, and the pre-download check of a variant. Each case ends by asserting the app's invariants and that
// the next action works.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setEvaluateBridge, setQuantizeBridge } from '../../bridge';
import type { EvaluateApi } from '../../workers/evaluate.api';
import type { QuantizeApi } from '../../workers/quantize.api';
import { FakeQuantizeApi } from '../testing/fake-quantize-api';
import type { AppState } from '../slices';
import { appStore, initialState } from '../store';
import { resultOf } from '../selectors';
import { cancelOpen, openFiles } from './open-model';
import { cancelQuantize, quantizeSelected } from './quantize';
import { downloadVariant } from './download';
import { toggleBits } from './config';
import { cancelEvaluation, evaluateAll } from './evaluate-run';
import { LOAD_CHECK_LIMIT_BYTES, checkVariant, setLoadCheck } from './check-variant';

const V8 = 'w8-sym-channel';
const V4 = 'w4-sym-channel';
const V2 = 'w2-sym-channel';
const state = () => appStore.getState();
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

let fake: FakeQuantizeApi;
let qBridge: InProcessBridge<QuantizeApi>;
let loads: string[];

beforeEach(() => {
  appStore.setState(initialState(), true);
  fake = new FakeQuantizeApi();
  qBridge = new InProcessBridge<QuantizeApi>(fake.api, () => fake.restart(), 'quantization');
  setQuantizeBridge(qBridge);
  loads = [];
  setLoadCheck(async (_blob, label) => void loads.push(label));
});
afterEach(() => {
  setQuantizeBridge(undefined);
  setEvaluateBridge(undefined);
  setLoadCheck(undefined);
});

async function loadModel() {
  await openFiles([new File([new Uint8Array(8)], 'model.onnx')]);
  expect(state().model.status).toBe('ready');
}

/** What must hold whenever nothing runs: no half variant, nothing running or queued, order and map agree. */
function expectQuantizeConsistent(s: AppState = state()) {
  expect(s.batch.status).toBe('idle');
  expect(new Set(s.variantOrder)).toEqual(new Set(Object.keys(s.variants)));
  for (const v of Object.values(s.variants)) {
    expect(['done', 'error']).toContain(v.run.status);
    if (v.run.status === 'error') expect(v.run.error.message).not.toBe('');
  }
  expect(s.model.status).toBe('ready');
}

/** The next quantization works: every chosen width ends done. */
async function expectQuantizeWorks() {
  fake.manual = false;
  await quantizeSelected();
  expectQuantizeConsistent();
  for (const id of [V8, V4]) expect(state().variants[id].run.status).toBe('done');
}

describe('a quantize worker that dies mid-job', () => {
  it('is reported in words on the variant, keeps every earlier result, and the next run works', async () => {
    await loadModel();
    await quantizeSelected(); // 8 and 4 bits done
    const before: Record<string, unknown> = {
      [V8]: resultOf(state().variants[V8]),
      [V4]: resultOf(state().variants[V4]),
    };
    toggleBits(2, true);
    fake.manual = true;
    const batch = quantizeSelected();
    const job = await fake.nextPending();
    const running = Object.values(state().variants).find((v) => v.run.status === 'running');
    expect(running).toBeDefined();
    qBridge.crash('Uncaught RangeError: Array buffer allocation failed');
    await batch;
    const s = state();
    expectQuantizeConsistent(s);
    const crashed = s.variants[running!.id];
    expect(crashed.run).toMatchObject({
      status: 'error',
      error: {
        name: 'WorkerCrashedError',
        message:
          'The quantization worker stopped: Uncaught RangeError: Array buffer allocation failed; it was restarted',
      },
    });
    // Nothing computed before is lost: a re-run variant keeps its last result, the others stay done.
    for (const id of [V8, V4]) expect(resultOf(s.variants[id])).toEqual(before[id]);
    expect(job.runId).toContain(running!.id);
    // The batch stopped at the crash: a variant that never ran is not left queued.
    expect(s.variants[V2]?.run.status ?? 'gone').not.toBe('idle');
    // The worker was restarted with the model re-opened, without a reload.
    expect(fake.calls.filter((c) => c.startsWith('open:'))).toHaveLength(2);
    await expectQuantizeWorks();
    await downloadVariant(V8);
    expect(state().downloads[V8]?.status).toBe('ready');
  });
});

describe('cancel at any moment of a quantization', () => {
  const points = {
    'before it starts': async () => {
      await cancelQuantize(); // nothing runs: a no-op
      await quantizeSelected();
    },
    'while the first job runs': async () => {
      fake.manual = true;
      const batch = quantizeSelected();
      await fake.nextPending();
      await cancelQuantize();
      await batch;
    },
    'between two jobs': async () => {
      fake.manual = true;
      const batch = quantizeSelected();
      (await fake.nextPending()).finish();
      await fake.nextPending();
      await cancelQuantize();
      await batch;
    },
    'when the worker does not answer the cancel': async () => {
      fake.manual = true;
      fake.answersCancel = false;
      const batch = quantizeSelected();
      await fake.nextPending();
      await cancelQuantize();
      await batch;
      fake.answersCancel = true;
    },
    'right after the last job finished': async () => {
      fake.manual = true;
      const batch = quantizeSelected();
      (await fake.nextPending()).finish();
      (await fake.nextPending()).finish();
      await cancelQuantize(); // the batch may still be closing: cancel must not undo finished work
      await batch;
    },
    'after the batch ended': async () => {
      await quantizeSelected();
      await cancelQuantize();
    },
  };

  it.each(Object.entries(points))('%s: consistent, and quantizing again works', async (_, act) => {
    await loadModel();
    await act();
    expectQuantizeConsistent();
    await expectQuantizeWorks();
  });

  it.each(Object.entries(points))('%s, on a re-run: every earlier result is kept', async (_, act) => {
    await loadModel();
    await quantizeSelected();
    const before = [V8, V4].map((id) => resultOf(state().variants[id])?.runId);
    await act();
    expectQuantizeConsistent();
    for (const [i, id] of [V8, V4].entries()) {
      const now = resultOf(state().variants[id]);
      expect(now).toBeTruthy(); // the same run, or a newer one that finished
      if (now?.runId !== before[i]) expect(Number(now?.runId.split(':').pop())).toBeGreaterThan(0);
    }
    await expectQuantizeWorks();
  });

  it('a cancel while another model opens leaves the current model and its variants', async () => {
    await loadModel();
    await quantizeSelected();
    let release!: () => void;
    fake.openGates.set('next.onnx', new Promise<void>((r) => (release = r)));
    const opening = openFiles([new File([new Uint8Array(8)], 'next.onnx')]);
    await cancelQuantize();
    expect(state().model.status).toBe('loading');
    release();
    await opening;
    expect(state().model).toMatchObject({ status: 'ready', loaded: { fileName: 'next.onnx' } });
    expect(state().variantOrder).toEqual([]); // variants belong to the model they were made from
    await expectQuantizeWorks();
  });
});

describe('cancel while a model opens', () => {
  it.each([
    ['with a model open: it stays current with its variants', true],
    ['with none open: the page is back to empty', false],
  ])('%s; the late parse is closed unseen', async (_, first) => {
    if (first) {
      await loadModel();
      await quantizeSelected();
    }
    const before = state();
    let release!: () => void;
    fake.openGates.set('next.onnx', new Promise<void>((r) => (release = r)));
    const opening = openFiles([new File([new Uint8Array(8)], 'next.onnx')]);
    expect(state().model.status).toBe('loading');
    cancelOpen();
    if (first) {
      expect(state().model).toMatchObject({ status: 'ready', loaded: { fileName: 'model.onnx' } });
      expect(state().variantOrder).toEqual(before.variantOrder);
      expect(state().variants).toBe(before.variants);
    } else expect(state().model).toEqual({ status: 'idle' });
    release();
    await opening;
    expect(state().model.status).toBe(first ? 'ready' : 'idle');
    const nextId = fake.calls.find((c) => c.endsWith(':next.onnx'))!.split(':')[1];
    expect(fake.calls).toContain(`close:${nextId}`);
    if (first) await expectQuantizeWorks();
  });
});

describe('cancel at any moment of an evaluation', () => {
  /** A fake evaluate worker whose evaluate() waits for `gate` to open. */
  function fakeEvaluate() {
    const gate = { open: (): void => undefined, wait: Promise.resolve() };
    const arm = () => (gate.wait = new Promise<void>((r) => (gate.open = r)));
    let runs = 0;
    const api = {
      loadSamples: async () => ({}),
      stageSampleFiles: async () => 0,
      loadStagedSamples: async () => ({}),
      evaluate: async () => {
        runs++;
        await gate.wait;
        return { modes: ['exact'], variants: [], float: null, runs } as never;
      },
      flips: async () => ({ flips: [] }),
      checkLoads: async () => {},
    } as unknown as EvaluateApi;
    setEvaluateBridge(new InProcessBridge<EvaluateApi>(api, () => gate.open(), 'evaluation'));
    return { arm, gate, runs: () => runs };
  }

  async function withSamples() {
    await loadModel();
    await quantizeSelected();
    appStore.setState({
      samples: {
        status: 'ready',
        loaded: { id: 1, name: 'set', files: [], tabular: undefined, info: { kind: 'tensors' } as never },
      },
    });
  }

  const points = {
    'before it starts': async () => cancelEvaluation(),
    'while the variants are exported': async () => {
      const run = evaluateAll();
      expect(state().evalRun.status).toBe('preparing');
      cancelEvaluation();
      await run;
    },
    'while onnxruntime runs': async (e: ReturnType<typeof fakeEvaluate>) => {
      e.arm();
      const run = evaluateAll();
      await expect.poll(() => state().evalRun.status).toBe('running');
      cancelEvaluation();
      await run;
    },
    'right after it finished': async () => {
      await evaluateAll();
      cancelEvaluation();
    },
  };

  it.each(Object.entries(points))('%s: consistent, results kept, evaluating again works', async (_, act) => {
    const e = fakeEvaluate();
    await withSamples();
    await evaluateAll();
    const first = state().evalResult;
    expect(first).not.toBeNull();
    await act(e);
    const s = state();
    expect(s.evalRun.status).toBe('idle');
    expect(s.evalResult).not.toBeNull(); // the last good result stays (or a newer one)
    expect(resultOf(s.variants[V8])).toBeTruthy();
    e.gate.open();
    await evaluateAll();
    expect(state().evalRun.status).toBe('idle');
    expect(state().evalResult?.runId).toBeGreaterThan(first!.runId);
    await flush();
  });
});

describe('the check before download', () => {
  it('offers a variant that onnxruntime loads, once per run', async () => {
    await loadModel();
    await quantizeSelected();
    await expect.poll(() => state().checks[V8]?.status).toBe('ok');
    expect(state().checks[V8]).toMatchObject({ loaded: true });
    await downloadVariant(V8);
    expect(state().downloads[V8]?.status).toBe('ready');
    expect(loads.filter((l) => l === 'model_w8_channel.onnx')).toHaveLength(1);
  });

  it('a variant onnxruntime refuses is reported and never downloaded', async () => {
    setLoadCheck(async (_b, label) => {
      throw Object.assign(new Error(`onnxruntime-web could not load ${label}: no kernel for NoSuchOp`), {
        name: 'EvaluationError',
      });
    });
    await loadModel();
    await quantizeSelected();
    await expect.poll(() => state().checks[V4]?.status).toBe('failed');
    expect(state().checks[V4]).toMatchObject({
      error: {
        name: 'VariantCheckError',
        message: 'onnxruntime-web could not load model_w4_channel.onnx: no kernel for NoSuchOp',
      },
    });
    await downloadVariant(V4);
    expect(state().downloads[V4]).toBeUndefined();
  });

  it('a structure failure in the export is reported the same way', async () => {
    await loadModel();
    const exportModel = fake.api.exportModel;
    fake.api.exportModel = async () => {
      throw Object.assign(
        new Error('the exported variant failed validation: graph output y is produced by no node'),
        {
          name: 'UnsupportedModelError',
        },
      );
    };
    await quantizeSelected();
    await expect.poll(() => state().checks[V8]?.status).toBe('failed');
    expect(loads).toEqual([]);
    fake.api.exportModel = exportModel;
  });

  it('a variant over the size limit is not loaded ahead, and says so', async () => {
    await loadModel();
    await quantizeSelected();
    const v = state().variants[V8];
    const summary = { ...resultOf(v)!, runId: 'big', fileBytesAfter: LOAD_CHECK_LIMIT_BYTES + 1 };
    appStore.setState({
      variants: { ...state().variants, [V8]: { ...v, run: { status: 'done', summary } } },
    });
    const check = await checkVariant(V8);
    expect(check).toMatchObject({ status: 'ok', loaded: false, note: expect.stringContaining('over the') });
  });

  it('a check interrupted by an evaluation worker restart is tried again', async () => {
    let calls = 0;
    setLoadCheck(async () => {
      if (calls++ === 0) throw new DOMException('The evaluation worker was restarted', 'AbortError');
    });
    await loadModel();
    await quantizeSelected();
    await expect.poll(() => state().checks[V8]?.status).toBe('ok');
    expect(calls).toBeGreaterThanOrEqual(3); // V8 twice, V4 once
  });
});

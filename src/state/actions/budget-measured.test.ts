// "Measure for the budget" and which loss "Quantize to budget" then uses: measured sensitivity when every width the
// solver picks from is measured for the open model and the current settings, else the weight-error proxy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setEvaluateBridge, setQuantizeBridge } from '../../bridge';
import { MIXED_WIDTHS } from '../../core/mixed/candidates';
import type { IntBits } from '../../core/quant/config';
import type { LoadedSamples } from '../eval-slice';
import type {
  AssignmentsRunRequest,
  SensitivityReport,
  SensitivityRunRequest,
} from '../../protocol/eval-dto';
import type { EvaluateApi } from '../../workers/evaluate.api';
import type { QuantizeApi } from '../../workers/quantize.api';
import { FakeQuantizeApi } from '../testing/fake-quantize-api';
import { appStore, initialState } from '../store';
import { mixedLossText, variantLabel } from '../variant-key';
import { budgetLoss, confirmBudgetPlan, quantizeToBudget, setBudget } from './budget';
import type { WeightInfo } from '../../core/onnx/types';
import { selectLoaded } from '../selectors';
import { cancelQuantize } from './quantize';
import { setConfig } from './config';
import { openFiles } from './open-model';
import {
  cancelSensitivity,
  confirmSensitivity,
  measureForBudget,
  runSensitivity,
  setSensitivityBits,
} from './sensitivity';
import { budgetWidthsToMeasure, selectBudgetSensitivity } from './sensitivity-data';

let fake: FakeQuantizeApi;
/** Widths the fake evaluate worker was asked to measure, in order, and the requests. */
let measured: (number | string)[];
let requests: SensitivityRunRequest[];
/** When set, calls after this many never answer (a long run, to cancel). */
let answers: number | null;

/** A report whose scores grow as the width shrinks: `big` suffers ten times more than `small`. */
function report(req: SensitivityRunRequest): SensitivityReport {
  const bits = req.config.bits as IntBits;
  const spec = {
    bits,
    scheme: req.config.scheme,
    granularity: req.config.granularity,
    blockSize: 32,
  } as const;
  const layer = (name: string, score: number, rank: number) => ({
    name,
    op: 'MatMul',
    elements: 100,
    kl: score,
    top1Agreement: 1,
    top1Delta: null,
    outputSqnrDb: 30,
    weightSqnrDb: 20,
    score,
    rank,
    proxyRank: rank,
  });
  const base = 2 ** -bits;
  return {
    spec,
    metric: 'kl',
    layers: [layer('big', 10 * base, 1), layer('small', base, 2)],
    skipped: [],
    spearman: 1,
    sampleCount: req.maxSamples ?? 8,
    sourceName: req.source === 'samples' ? 'digits.zip' : 'synthetic probe',
    synthetic: req.source !== 'samples',
    labeled: false,
    floatTop1: null,
    notes: [],
    durationMs: 1,
  };
}

/** Whole assignments the fake evaluate worker was asked to measure (the budget's refinement), in order. */
let wholes: AssignmentsRunRequest[];
/** When set, refinement batches after this many never answer (to cancel one). */
let wholeAnswers: number | null;

const fakeEval = {
  stageSampleFiles: async () => {},
  loadStagedSamples: async () => ({ count: 8, kind: 'images' }),
  sensitivity: async (req: SensitivityRunRequest) => {
    measured.push(req.config.bits);
    requests.push(req);
    if (answers !== null && measured.length > answers) await new Promise(() => {});
    return report(req);
  },
  // The whole model's loss: the layers' losses of report(), summed (float: 0).
  measureAssignments: async (req: AssignmentsRunRequest) => {
    wholes.push(req);
    if (wholeAnswers !== null && wholes.length > wholeAnswers) await new Promise(() => {});
    return req.assignments.map((a) => ({
      loss: Object.entries(a).reduce(
        (s, [name, c]) => s + (c === 'float' ? 0 : (name === 'big' ? 10 : 1) * 2 ** -(c as number)),
        0,
      ),
      agreement: 1,
    }));
  },
} as unknown as EvaluateApi;

beforeEach(async () => {
  appStore.setState(initialState(), true);
  measured = [];
  requests = [];
  answers = null;
  wholes = [];
  wholeAnswers = null;
  fake = new FakeQuantizeApi();
  setQuantizeBridge(new InProcessBridge<QuantizeApi>(fake.api, () => fake.restart()));
  setEvaluateBridge(new InProcessBridge<EvaluateApi>(fakeEval));
  await openFiles([new File([new Uint8Array(8)], 'model.onnx')]);
});
afterEach(() => {
  setQuantizeBridge(undefined);
  setEvaluateBridge(undefined);
});

const state = () => appStore.getState();
const planCalls = () => fake.calls.filter((c) => c.startsWith('planBudget'));

describe('measureForBudget', () => {
  it('measures every width the solver picks from, once, and keeps the reports for the open model', async () => {
    expect(budgetWidthsToMeasure()).toEqual([...MIXED_WIDTHS]);
    await measureForBudget();
    expect(measured).toEqual([2, 3, 4, 5, 6, 8]);
    expect(state().sensitivityRun.status).toBe('idle');
    expect(state().sensitivityReports.map((r) => r.report.spec.bits)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(state().sensitivityResult?.report.spec.bits).toBe(4); // the width chosen in the panel is shown
    expect(budgetWidthsToMeasure()).toEqual([]);
    const m = selectBudgetSensitivity();
    expect(m && { samples: m.samples, source: m.sourceName, synthetic: m.synthetic }).toEqual({
      samples: 8,
      source: 'synthetic probe',
      synthetic: true,
    });
    expect(budgetLoss(m!).big).toEqual({ 2: 2.5, 3: 1.25, 4: 0.625, 5: 0.3125, 6: 0.15625, 8: 0.0390625 });
    await measureForBudget(); // nothing left to measure
    expect(measured).toHaveLength(6);
  });

  it('reuses a width already measured on the same data with the same settings', async () => {
    setSensitivityBits(5);
    await runSensitivity();
    expect(budgetWidthsToMeasure()).toEqual([2, 3, 4, 6, 8]);
    await measureForBudget();
    expect(measured).toEqual([5, 2, 3, 4, 6, 8]);
    expect(state().sensitivityResult?.report.spec.bits).toBe(5);
  });

  it('a cancelled sweep keeps the widths finished before it and measures only the rest next time', async () => {
    answers = 2;
    const run = measureForBudget();
    while (measured.length < 3) await new Promise((r) => setTimeout(r, 0));
    const r = state().sensitivityRun;
    expect(r.status === 'running' && r.sweep).toEqual({ bits: 4, index: 2, count: 6 });
    cancelSensitivity();
    await run;
    expect(state().sensitivityRun.status).toBe('idle');
    expect(selectBudgetSensitivity()).toBeNull();
    expect(budgetWidthsToMeasure()).toEqual([4, 5, 6, 8]);
    answers = null;
    await measureForBudget();
    expect(measured).toEqual([2, 3, 4, 4, 5, 6, 8]);
    expect(selectBudgetSensitivity()).not.toBeNull();
  });

  it('a new model drops the reports', async () => {
    await measureForBudget();
    await openFiles([new File([new Uint8Array(8)], 'other.onnx')]);
    expect(state().sensitivityReports).toEqual([]);
    expect(selectBudgetSensitivity()).toBeNull();
  });
});

describe('quantizeToBudget: measured loss or the proxy', () => {
  it.each([
    ['nothing measured', async () => {}],
    ['one width measured', () => runSensitivity()],
    [
      'every width measured at other settings',
      async () => {
        await measureForBudget();
        setConfig({ granularity: 'tensor' });
      },
    ],
  ])('%s → the weight-error proxy', async (_, before) => {
    await before();
    await quantizeToBudget();
    expect(planCalls()).toEqual(['planBudget:{"targetBits":4.5}']);
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed?.proxy).toBe('weight-error');
    expect(v.id).not.toMatch(/measured/);
    expect(mixedLossText(v.config)).toBe('weight-error proxy (no data); not refined');
  });

  it('every width measured → the measured loss, said in the id, label and details; the proxy plan stays', async () => {
    await quantizeToBudget();
    await measureForBudget();
    await quantizeToBudget();
    const calls = planCalls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toBe('planBudget:{"targetBits":4.5}');
    expect(calls[1]).toMatch(/^planBudget:\{"targetBits":4\.5\}:measured /);
    expect(JSON.parse(calls[1].slice(calls[1].indexOf(' ') + 1))).toEqual(
      budgetLoss(selectBudgetSensitivity()!),
    );
    const [proxyId, measuredId] = state().variantOrder;
    // Same budget, same assignment (the fake plans the same bits): still two variants with distinct ids.
    expect(proxyId).toMatch(/^mix4\.5b-sym-channel-o[0-9a-z]+$/);
    expect(measuredId).toMatch(/^mix4\.5b-measured-sym-channel-o[0-9a-z]+$/);
    const v = state().variants[measuredId];
    expect(v.run.status).toBe('done');
    // Refined end to end on the same data (the fake plan's FAKE_REFINE): uniform int4 (0.6875), the solver's
    // big 2 / small 8 (2.504), then a local move — big to 8, small to 2 — measures 0.289 and wins.
    expect(wholes.map((w) => w.assignments)).toEqual([
      [
        { big: 4, small: 4 },
        { big: 2, small: 8 },
      ],
      [{ big: 8, small: 2 }],
    ]);
    expect(wholes[0]).toMatchObject({ source: 'synthetic', preprocess: expect.anything() });
    expect(v.config.layers).toMatchObject({ big: { bits: 8 }, small: { bits: 2 } });
    expect(v.config.mixed).toEqual({
      targetBits: 4.5,
      proxy: 'measured',
      measuredOn: { samples: 8, source: 'synthetic probe', synthetic: true },
      refined: { evaluated: 3, winner: 'local move 1.1' },
    });
    expect(state().budgetPhase).toBeNull();
    expect(variantLabel(v)).toBe('mixed 4.5 b measured · sym · per-channel');
    expect(mixedLossText(v.config)).toBe(
      'measured on 8 synthetic samples (made-up inputs); refined: 3 whole assignments evaluated, kept local move 1.1',
    );
    expect(variantLabel(state().variants[proxyId])).toBe('mixed 4.5 b · sym · per-channel');
  });

  it('refinement shows its progress and is cancelled with the batch: no variant, nothing left running', async () => {
    await measureForBudget();
    wholeAnswers = 1;
    const run = quantizeToBudget();
    while (wholes.length < 2) await new Promise((r) => setTimeout(r, 0));
    expect(state().budgetPhase).toEqual({ phase: 'refining', done: 2, cap: 12 });
    cancelQuantize();
    await run;
    expect(state().variantOrder).toEqual([]);
    expect(state().batch.status).toBe('idle');
    expect(state().budgetPhase).toBeNull();
  });

  it('a file-size budget is refined exactly as a bits budget: same evaluations, same assignment', async () => {
    await measureForBudget();
    setBudget({ mode: 'size', megabytes: 1 });
    await quantizeToBudget();
    expect(planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"fileBytes":1000000\}:measured /)]);
    expect(wholes.map((w) => w.assignments)).toEqual([
      [
        { big: 4, small: 4 },
        { big: 2, small: 8 },
      ],
      [{ big: 8, small: 2 }],
    ]);
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.layers).toMatchObject({ big: { bits: 8 }, small: { bits: 2 } });
    expect(v.config.mixed).toEqual({
      targetBytes: 1_000_000,
      proxy: 'measured',
      measuredOn: { samples: 8, source: 'synthetic probe', synthetic: true },
      refined: { evaluated: 3, winner: 'local move 1.1' },
    });
    expect(variantLabel(v)).toBe('mixed ≤ 1 MB measured · sym · per-channel');
  });

  it('an explicit measured loss wins and is passed as given', async () => {
    await quantizeToBudget({ measured: { big: { 4: 1 } } });
    expect(planCalls()).toEqual(['planBudget:{"targetBits":4.5}:measured {"big":{"4":1}}']);
    expect(state().variantOrder[0]).toMatch(/^mix4\.5b-measured-/);
  });
});

/** A loaded sample set (images), as the evaluate panel leaves it. */
const withSamples = (count = 8) =>
  appStore.setState({
    samples: {
      status: 'ready',
      loaded: {
        id: 1,
        name: 'digits.zip',
        files: [],
        tabular: undefined,
        info: { count, kind: 'images' },
      } as unknown as LoadedSamples,
    },
  });

describe('quantizeToBudget with a sample set: one plan (measure, plan, refine, quantize), cancellable throughout', () => {
  it('measures every width on the samples first, then plans and refines on them; the phases in order', async () => {
    withSamples();
    const phases: string[] = [];
    const stop = appStore.subscribe((st) => {
      const p = st.budgetPhase?.phase;
      if (p && phases.at(-1) !== p) phases.push(p);
    });
    await quantizeToBudget();
    stop();
    expect(measured).toEqual([2, 3, 4, 5, 6, 8]);
    expect(phases).toEqual(['measuring', 'planning', 'refining', 'quantizing']);
    expect(planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"targetBits":4\.5\}:measured /)]);
    expect(wholes[0]).toMatchObject({ source: 'samples', maxSamples: 8 });
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed).toMatchObject({
      proxy: 'measured',
      measuredOn: { samples: 8, source: 'digits.zip', synthetic: false },
      refined: { evaluated: 3 },
    });
    expect(mixedLossText(v.config)).toBe(
      'measured on 8 samples of digits.zip; refined: 3 whole assignments evaluated, kept local move 1.1',
    );
    expect(state().budgetPhase).toBeNull();
    // Measured now: the next plan goes straight to planning.
    await quantizeToBudget();
    expect(measured).toHaveLength(6);
  });

  it('cancel while measuring: no plan, no variant, nothing running; a new plan measures only what is missing', async () => {
    withSamples();
    answers = 2;
    const run = quantizeToBudget();
    while (measured.length < 3) await new Promise((r) => setTimeout(r, 0));
    expect(state().budgetPhase).toEqual({ phase: 'measuring' });
    const r = state().sensitivityRun;
    expect(r.status === 'running' && r.sweep).toEqual({ bits: 4, index: 2, count: 6 });
    await cancelQuantize();
    await run;
    expect(planCalls()).toEqual([]);
    expect(state().variantOrder).toEqual([]);
    expect(state().batch.status).toBe('idle');
    expect(state().sensitivityRun.status).toBe('idle');
    expect(state().budgetPhase).toBeNull();
    expect(state().budgetError).toBeNull();
    answers = null;
    await quantizeToBudget();
    expect(measured).toEqual([2, 3, 4, 4, 5, 6, 8]);
    expect(state().variantOrder).toHaveLength(1);
    expect(state().variants[state().variantOrder[0]].run.status).toBe('done');
  });

  it('cancel in the sensitivity panel while the plan measures stops the plan too', async () => {
    withSamples();
    answers = 1;
    const run = quantizeToBudget();
    while (measured.length < 2) await new Promise((r) => setTimeout(r, 0));
    cancelSensitivity();
    await run;
    expect(planCalls()).toEqual([]);
    expect(state().variantOrder).toEqual([]);
    expect(state().batch.status).toBe('idle');
    expect(state().budgetError).toBeNull();
  });

  it('while the sensitivity panel measures, the plan says to wait and starts nothing', async () => {
    withSamples();
    answers = 0;
    const measuring = runSensitivity();
    while (measured.length < 1) await new Promise((r) => setTimeout(r, 0));
    await quantizeToBudget();
    expect(state().budgetError?.message).toMatch(/Wait for the sensitivity measurement/);
    expect(planCalls()).toEqual([]);
    expect(state().batch.status).toBe('idle');
    cancelSensitivity();
    await measuring;
  });
});

describe('the budget measures on the calibration count the user set (as the CLI’s --calibration-count)', () => {
  it.each([
    // samples in the set, calibration count → samples every measured model and every whole assignment runs on
    [300, 100, 100],
    [300, 128, 128],
    [300, 32, 32],
    [50, 128, 50], // a set smaller than the count: all of it
  ])('%i samples, N = %i → measured and refined on %i', async (count, n, expected) => {
    withSamples(count);
    appStore.setState({ calibrationCount: n });
    await quantizeToBudget();
    expect(measured).toEqual([2, 3, 4, 5, 6, 8]);
    for (const r of requests) {
      expect(r).toMatchObject({
        source: 'samples',
        maxSamples: expected,
        range: { start: 0, end: expected },
      });
    }
    expect(wholes.length).toBeGreaterThan(0);
    for (const w of wholes) {
      expect(w).toMatchObject({
        source: 'samples',
        maxSamples: expected,
        range: { start: 0, end: expected },
      });
    }
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed?.measuredOn).toEqual({ samples: expected, source: 'digits.zip', synthetic: false });
    expect(mixedLossText(v.config)).toMatch(new RegExp(`^measured on ${expected} samples of digits\\.zip;`));
  });

  it('a new count is new data: every width is measured again on it, and the plan is refined on it', async () => {
    withSamples(300);
    appStore.setState({ calibrationCount: 100 });
    await measureForBudget();
    expect(budgetWidthsToMeasure()).toEqual([]);
    appStore.setState({ calibrationCount: 40 });
    expect(budgetWidthsToMeasure()).toEqual([...MIXED_WIDTHS]);
    requests = [];
    await quantizeToBudget();
    expect(requests.map((r) => r.maxSamples)).toEqual([40, 40, 40, 40, 40, 40]);
    expect(wholes.every((w) => w.maxSamples === 40)).toBe(true);
    expect(selectBudgetSensitivity()?.samples).toBe(40);
    // Back to 100: the measurement on 100 is still there; nothing is measured again.
    appStore.setState({ calibrationCount: 100 });
    expect(budgetWidthsToMeasure()).toEqual([]);
  });

  it('the sensitivity panel measures on the same count', async () => {
    withSamples(300);
    appStore.setState({ calibrationCount: 77 });
    await runSensitivity();
    expect(requests[0]).toMatchObject({ maxSamples: 77, range: { start: 0, end: 77 } });
    expect(state().sensitivityResult).toMatchObject({ samples: 77, samplesName: 'digits.zip' });
  });
});

/** Make the open model large: 96 layers, 1e9 weights (the estimate's guess: minutes per width). */
function makeLarge() {
  const s = state();
  const loaded = selectLoaded(s)!;
  const weights = Array.from(
    { length: 96 },
    (_, i) =>
      ({
        name: `w${i}`,
        node: `/layers.${i >> 2}/m${i % 4}/MatMul`,
        op: 'MatMul',
        consumers: 1,
      }) as WeightInfo,
  );
  const big = { ...loaded, summary: { ...loaded.summary, weights, totalParams: 1e9 } };
  appStore.setState({ model: { ...(s.model as object), loaded: big } as typeof s.model });
}

describe('a long measurement before a budget plan asks first (the Sensitivity panel’s estimate and dialog)', () => {
  beforeEach(() => {
    makeLarge();
    withSamples(300);
  });

  it('asks with the estimated time on the calibration count, before anything starts', async () => {
    appStore.setState({ calibrationCount: 32 });
    await quantizeToBudget();
    expect(measured).toEqual([]);
    expect(planCalls()).toEqual([]);
    expect(state().batch.status).toBe('idle');
    const c = state().sensitivityConfirm!;
    expect(c).toMatchObject({
      purpose: 'plan',
      samples: 32,
      source: 'the first 32 samples of digits.zip',
      widths: [...MIXED_WIDTHS],
      block: null,
      sample: null,
    });
    // The one estimator: per model 0.2 s + 32 samples × 1e9 weights × 1e-8 s; 97 models at each of 6 widths.
    const perModel = 0.2 + 32 * 1e9 * 1e-8;
    expect(c.all).toMatchObject({ units: 96, models: 97, basis: 'guess' });
    expect(c.all.seconds).toBeCloseTo(6 * 97 * perModel, 6);
    expect(c.refineSeconds).toBeCloseTo(13 * perModel, 6); // the float model + at most 12 whole assignments
    // The count changes the estimate: 128 samples take about four times as long.
    appStore.setState({ calibrationCount: 128, sensitivityConfirm: null });
    await quantizeToBudget();
    expect(state().sensitivityConfirm!.all.seconds).toBeCloseTo(6 * 97 * (0.2 + 128 * 10), 6);
  });

  it('"Use the weight-error proxy" plans at once without measuring', async () => {
    await quantizeToBudget();
    await confirmBudgetPlan('proxy');
    expect(measured).toEqual([]);
    expect(state().sensitivityConfirm).toBeNull();
    expect(planCalls()).toEqual(['planBudget:{"targetBits":4.5}']);
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed?.proxy).toBe('weight-error');
    expect(v.run.status).toBe('done');
  });

  it('"Measure and plan" measures every width on the samples, then plans on them', async () => {
    await quantizeToBudget();
    await confirmBudgetPlan('measure');
    expect(measured).toEqual([2, 3, 4, 5, 6, 8]);
    expect(state().sensitivityConfirm).toBeNull();
    expect(planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"targetBits":4\.5\}:measured /)]);
    expect(state().variants[state().variantOrder[0]].config.mixed?.proxy).toBe('measured');
  });

  it('"Not now" runs nothing; measured already, the plan does not ask again', async () => {
    await quantizeToBudget();
    await confirmBudgetPlan('cancel');
    expect([measured, planCalls(), state().variantOrder]).toEqual([[], [], []]);
    expect(state().sensitivityConfirm).toBeNull();
    await measureForBudget(); // asks in the panel (same estimate), answered there
    expect(state().sensitivityConfirm).toMatchObject({
      purpose: 'panel',
      source: 'the first 128 samples of digits.zip',
    });
    await confirmBudgetPlan('measure'); // not this dialog's: ignored
    expect(measured).toEqual([]);
    await confirmSensitivity('all');
    expect(measured).toEqual([2, 3, 4, 5, 6, 8]);
    await quantizeToBudget();
    expect(state().sensitivityConfirm).toBeNull();
    expect(planCalls()).toHaveLength(1);
  });
});

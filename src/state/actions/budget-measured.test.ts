// "Measure for the budget" and which loss "Quantize to budget" then uses: measured sensitivity when every width the
// solver picks from is measured for the open model and the current settings, else the weight-error proxy.
// (The calibration count and the ask before a long measurement: budget-confirm.test.ts.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIXED_WIDTHS } from '../../core/mixed/candidates';
import { budgetFixture, withSamples } from '../testing/budget-fixture';
import { appStore } from '../store';
import { mixedLossText, variantLabel } from '../variant-key';
import { budgetLoss, quantizeToBudget, setBudget } from './budget';
import { cancelQuantize } from './quantize';
import { setConfig } from './config';
import { openFiles } from './open-model';
import { cancelSensitivity, measureForBudget, runSensitivity, setSensitivityBits } from './sensitivity';
import { budgetWidthsToMeasure, selectBudgetSensitivity } from './sensitivity-data';

const fx = budgetFixture();
beforeEach(() => fx.reset());
afterEach(() => fx.close());
const state = () => appStore.getState();

describe('measureForBudget', () => {
  it('measures every width the solver picks from, once, and keeps the reports for the open model', async () => {
    expect(budgetWidthsToMeasure()).toEqual([...MIXED_WIDTHS]);
    await measureForBudget();
    expect(fx.measured).toEqual([2, 3, 4, 5, 6, 8]);
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
    expect(fx.measured).toHaveLength(6);
  });

  it('reuses a width already measured on the same data with the same settings', async () => {
    setSensitivityBits(5);
    await runSensitivity();
    expect(budgetWidthsToMeasure()).toEqual([2, 3, 4, 6, 8]);
    await measureForBudget();
    expect(fx.measured).toEqual([5, 2, 3, 4, 6, 8]);
    expect(state().sensitivityResult?.report.spec.bits).toBe(5);
  });

  it('a cancelled sweep keeps the widths finished before it and measures only the rest next time', async () => {
    fx.answers = 2;
    const run = measureForBudget();
    while (fx.measured.length < 3) await new Promise((r) => setTimeout(r, 0));
    const r = state().sensitivityRun;
    expect(r.status === 'running' && r.sweep).toEqual({ bits: 4, index: 2, count: 6 });
    cancelSensitivity();
    await run;
    expect(state().sensitivityRun.status).toBe('idle');
    expect(selectBudgetSensitivity()).toBeNull();
    expect(budgetWidthsToMeasure()).toEqual([4, 5, 6, 8]);
    fx.answers = null;
    await measureForBudget();
    expect(fx.measured).toEqual([2, 3, 4, 4, 5, 6, 8]);
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
    expect(fx.planCalls()).toEqual(['planBudget:{"targetBits":4.5}']);
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed?.proxy).toBe('weight-error');
    expect(v.id).not.toMatch(/measured/);
    expect(mixedLossText(v.config)).toBe('weight-error proxy (no data); not refined');
  });

  it('every width measured → the measured loss, said in the id, label and details; the proxy plan stays', async () => {
    await quantizeToBudget();
    await measureForBudget();
    await quantizeToBudget();
    const calls = fx.planCalls();
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
    expect(fx.wholes.map((w) => w.assignments)).toEqual([
      [
        { big: 4, small: 4 },
        { big: 2, small: 8 },
      ],
      [{ big: 8, small: 2 }],
    ]);
    expect(fx.wholes[0]).toMatchObject({ source: 'synthetic', preprocess: expect.anything() });
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
    fx.wholeAnswers = 1;
    const run = quantizeToBudget();
    while (fx.wholes.length < 2) await new Promise((r) => setTimeout(r, 0));
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
    expect(fx.planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"fileBytes":1000000\}:measured /)]);
    expect(fx.wholes.map((w) => w.assignments)).toEqual([
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
    expect(fx.planCalls()).toEqual(['planBudget:{"targetBits":4.5}:measured {"big":{"4":1}}']);
    expect(state().variantOrder[0]).toMatch(/^mix4\.5b-measured-/);
  });
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
    expect(fx.measured).toEqual([2, 3, 4, 5, 6, 8]);
    expect(phases).toEqual(['measuring', 'planning', 'refining', 'quantizing']);
    expect(fx.planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"targetBits":4\.5\}:measured /)]);
    expect(fx.wholes[0]).toMatchObject({ source: 'samples', maxSamples: 8 });
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
    expect(fx.measured).toHaveLength(6);
  });

  it('cancel while measuring: no plan, no variant, nothing running; a new plan measures only what is missing', async () => {
    withSamples();
    fx.answers = 2;
    const run = quantizeToBudget();
    while (fx.measured.length < 3) await new Promise((r) => setTimeout(r, 0));
    expect(state().budgetPhase).toEqual({ phase: 'measuring' });
    const r = state().sensitivityRun;
    expect(r.status === 'running' && r.sweep).toEqual({ bits: 4, index: 2, count: 6 });
    await cancelQuantize();
    await run;
    expect(fx.planCalls()).toEqual([]);
    expect(state().variantOrder).toEqual([]);
    expect(state().batch.status).toBe('idle');
    expect(state().sensitivityRun.status).toBe('idle');
    expect(state().budgetPhase).toBeNull();
    expect(state().budgetError).toBeNull();
    fx.answers = null;
    await quantizeToBudget();
    expect(fx.measured).toEqual([2, 3, 4, 4, 5, 6, 8]);
    expect(state().variantOrder).toHaveLength(1);
    expect(state().variants[state().variantOrder[0]].run.status).toBe('done');
  });

  it('cancel in the sensitivity panel while the plan measures stops the plan too', async () => {
    withSamples();
    fx.answers = 1;
    const run = quantizeToBudget();
    while (fx.measured.length < 2) await new Promise((r) => setTimeout(r, 0));
    cancelSensitivity();
    await run;
    expect(fx.planCalls()).toEqual([]);
    expect(state().variantOrder).toEqual([]);
    expect(state().batch.status).toBe('idle');
    expect(state().budgetError).toBeNull();
  });

  it('while the sensitivity panel measures, the plan says to wait and starts nothing', async () => {
    withSamples();
    fx.answers = 0;
    const measuring = runSensitivity();
    while (fx.measured.length < 1) await new Promise((r) => setTimeout(r, 0));
    await quantizeToBudget();
    expect(state().budgetError?.message).toMatch(/Wait for the sensitivity measurement/);
    expect(fx.planCalls()).toEqual([]);
    expect(state().batch.status).toBe('idle');
    cancelSensitivity();
    await measuring;
  });
});

// The budget's measurement on the calibration count the user set, and the ask before a long one (the Sensitivity
// panel's estimate and dialog). (Which loss a plan uses, and its phases: budget-measured.test.ts.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIXED_WIDTHS } from '../../core/mixed/candidates';
import { budgetFixture, makeLarge, withSamples } from '../testing/budget-fixture';
import { appStore } from '../store';
import { mixedLossText } from '../variant-key';
import { confirmBudgetPlan, quantizeToBudget } from './budget';
import { setCalibrationCount } from './calibration';
import { confirmSensitivity, measureForBudget, runSensitivity } from './sensitivity';
import { budgetWidthsToMeasure, selectBudgetSensitivity } from './sensitivity-data';

const fx = budgetFixture();
beforeEach(() => fx.reset());
afterEach(() => fx.close());
const state = () => appStore.getState();

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
    expect(fx.measured).toEqual([2, 3, 4, 5, 6, 8]);
    for (const r of fx.requests) {
      expect(r).toMatchObject({
        source: 'samples',
        maxSamples: expected,
        range: { start: 0, end: expected },
      });
    }
    expect(fx.wholes.length).toBeGreaterThan(0);
    for (const w of fx.wholes) {
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
    fx.requests = [];
    await quantizeToBudget();
    expect(fx.requests.map((r) => r.maxSamples)).toEqual([40, 40, 40, 40, 40, 40]);
    expect(fx.wholes.every((w) => w.maxSamples === 40)).toBe(true);
    expect(selectBudgetSensitivity()?.samples).toBe(40);
    // Back to 100: the measurement on 100 is still there; nothing is measured again.
    appStore.setState({ calibrationCount: 100 });
    expect(budgetWidthsToMeasure()).toEqual([]);
  });

  it('the sensitivity panel measures on the same count', async () => {
    withSamples(300);
    appStore.setState({ calibrationCount: 77 });
    await runSensitivity();
    expect(fx.requests[0]).toMatchObject({ maxSamples: 77, range: { start: 0, end: 77 } });
    expect(state().sensitivityResult).toMatchObject({ samples: 77, samplesName: 'digits.zip' });
  });
});

describe('a long measurement before a budget plan asks first (the Sensitivity panel’s estimate and dialog)', () => {
  beforeEach(() => {
    makeLarge();
    withSamples(300);
  });

  it('asks with the estimated time on the calibration count, before anything starts', async () => {
    appStore.setState({ calibrationCount: 32 });
    await quantizeToBudget();
    expect(fx.measured).toEqual([]);
    expect(fx.planCalls()).toEqual([]);
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
    expect(fx.measured).toEqual([]);
    expect(state().sensitivityConfirm).toBeNull();
    expect(fx.planCalls()).toEqual(['planBudget:{"targetBits":4.5}']);
    const v = state().variants[state().variantOrder[0]];
    expect(v.config.mixed?.proxy).toBe('weight-error');
    expect(v.run.status).toBe('done');
  });

  it('"Measure and plan" measures every width on the samples, then plans on them', async () => {
    await quantizeToBudget();
    await confirmBudgetPlan('measure');
    expect(fx.measured).toEqual([2, 3, 4, 5, 6, 8]);
    expect(state().sensitivityConfirm).toBeNull();
    expect(fx.planCalls()).toEqual([expect.stringMatching(/^planBudget:\{"targetBits":4\.5\}:measured /)]);
    expect(state().variants[state().variantOrder[0]].config.mixed?.proxy).toBe('measured');
  });

  it('the open dialog follows the calibration count: its estimate is on the new N, and so is "Measure and plan"', async () => {
    await quantizeToBudget();
    expect(state().sensitivityConfirm).toMatchObject({ purpose: 'plan', samples: 128 });
    setCalibrationCount(32);
    const c = state().sensitivityConfirm!;
    expect(c).toMatchObject({ purpose: 'plan', samples: 32, source: 'the first 32 samples of digits.zip' });
    expect(c.all.seconds).toBeCloseTo(6 * 97 * (0.2 + 32 * 10), 6);
    expect(c.refineSeconds).toBeCloseTo(13 * (0.2 + 32 * 10), 6);
    expect(fx.measured).toEqual([]);
    await confirmBudgetPlan('measure');
    expect(fx.requests.map((r) => r.maxSamples)).toEqual([32, 32, 32, 32, 32, 32]);
    expect(fx.wholes.every((w) => w.maxSamples === 32)).toBe(true);
    expect(state().variants[state().variantOrder[0]].config.mixed?.measuredOn?.samples).toBe(32);
  });

  it('the open dialog closes when there is nothing left to ask about: the sample set is gone', async () => {
    await quantizeToBudget();
    expect(state().sensitivityConfirm?.purpose).toBe('plan');
    appStore.setState({ samples: { status: 'idle' } });
    expect(state().sensitivityConfirm).toBeNull();
    withSamples(300); // no longer followed: closed means closed
    expect(state().sensitivityConfirm).toBeNull();
    expect([fx.measured, fx.planCalls()]).toEqual([[], []]);
  });

  it('the panel’s dialog follows the calibration count too, with its own widths', async () => {
    await measureForBudget();
    setCalibrationCount(40);
    expect(state().sensitivityConfirm).toMatchObject({
      purpose: 'panel',
      samples: 40,
      source: 'the first 40 samples of digits.zip',
      widths: [...MIXED_WIDTHS],
    });
    await confirmSensitivity('all');
    expect(fx.requests.map((r) => r.maxSamples)).toEqual([40, 40, 40, 40, 40, 40]);
  });

  it('"Not now" runs nothing; measured already, the plan does not ask again', async () => {
    await quantizeToBudget();
    await confirmBudgetPlan('cancel');
    expect([fx.measured, fx.planCalls(), state().variantOrder]).toEqual([[], [], []]);
    expect(state().sensitivityConfirm).toBeNull();
    await measureForBudget(); // asks in the panel (same estimate), answered there
    expect(state().sensitivityConfirm).toMatchObject({
      purpose: 'panel',
      source: 'the first 128 samples of digits.zip',
    });
    await confirmBudgetPlan('measure'); // not this dialog's: ignored
    expect(fx.measured).toEqual([]);
    await confirmSensitivity('all');
    expect(fx.measured).toEqual([2, 3, 4, 5, 6, 8]);
    await quantizeToBudget();
    expect(state().sensitivityConfirm).toBeNull();
    expect(fx.planCalls()).toHaveLength(1);
  });
});

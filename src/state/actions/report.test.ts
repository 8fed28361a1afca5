// The session report gathers the open model's variants, its last evaluation and its measured sensitivity only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { budgetFixture } from '../testing/budget-fixture';
import { appStore } from '../store';
import type { EvalResult } from '../eval-slice';
import { selectLoaded } from '../selectors';

import { quantizeSelected } from './quantize';
import { measureForBudget } from './sensitivity';
import { sessionReport } from './report';

const fx = budgetFixture();
beforeEach(() => fx.reset());
afterEach(() => fx.close());
const state = () => appStore.getState();

const evalOf = (modelId: string, runIds: Record<string, string>): EvalResult =>
  ({
    runId: 1,
    modelId,
    samplesId: 1,
    samplesName: 'digits.zip',
    samplesLabel: 'evaluated on samples 1–8 (8)',
    runIds,
    report: { sampleCount: 8, variants: Object.keys(runIds).map((id) => ({ id, label: id })) },
  }) as unknown as EvalResult;

describe('sessionReport', () => {
  it('is null until a variant has a result', () => {
    expect(sessionReport(state())).toBeNull();
  });

  it("holds the open model's variants, its evaluation and its sensitivity reports, not another model's", async () => {
    appStore.setState({ chosenBits: [8, 4] });
    await quantizeSelected();
    await measureForBudget();
    const ids = state().variantOrder;
    expect(ids).toHaveLength(2);
    const runOf = (id: string) => (state().variants[id].run as { summary: { runId: string } }).summary.runId;
    const modelId = selectLoaded(state())!.id;

    appStore.setState({ evalResult: evalOf('another-model', { [ids[0]]: runOf(ids[0]) }) });
    let r = sessionReport(state(), new Date(0))!;
    expect(r.created).toBe('1970-01-01T00:00:00.000Z');
    expect(r.model.fileName).toBe('model.onnx');
    expect(r.variants.map((v) => v.id)).toEqual(ids);
    expect(r.evaluation).toBeNull();
    expect(r.sensitivity.map((s) => s.report.spec.bits)).toEqual([2, 3, 4, 5, 6, 8]);

    appStore.setState({ evalResult: evalOf(modelId, { [ids[0]]: runOf(ids[0]) }) });
    r = sessionReport(state())!;
    expect(r.evaluation?.samplesName).toBe('digits.zip');
    expect(r.variants.map((v) => [v.evaluation?.id ?? null, v.notEvaluated])).toEqual([
      [ids[0], undefined],
      [null, 'made after the last evaluation'],
    ]);

    appStore.setState({
      sensitivityReports: state().sensitivityReports.map((x) => ({ ...x, modelId: 'gone' })),
    });
    expect(sessionReport(state())!.sensitivity).toEqual([]);
  });
});

// A long measurement asks first (estimated time; a sample of layers or one model per block), and runs what the
// user picks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setEvaluateBridge, setQuantizeBridge } from '../../bridge';
import type { WeightInfo } from '../../core/onnx/types';
import { normalizeConfig } from '../../core/quant/config';
import type { SensitivityReport, SensitivityRunRequest } from '../../protocol/eval-dto';
import type { EvaluateApi } from '../../workers/evaluate.api';
import type { QuantizeApi } from '../../workers/quantize.api';
import { FakeQuantizeApi } from '../testing/fake-quantize-api';
import { selectLoaded } from '../selectors';
import { appStore, initialState } from '../store';
import { openFiles } from './open-model';
import { confirmSensitivity, measureForBudget, runSensitivity } from './sensitivity';
import { sensitivityKey } from './sensitivity-data';
import { durationText, estimateMeasurement, measuredRate } from './sensitivity-plan';

const w = (name: string, node: string, op = 'MatMul') => ({ name, node, op, consumers: 1 }) as WeightInfo;

describe('estimateMeasurement', () => {
  const ws = [
    w('a', '/l.0/q/MatMul'),
    w('b', '/l.0/k/MatMul'),
    w('c', '/l.1/q/MatMul'),
    w('d', '/head/Gemm'),
  ];
  it.each([
    // guess: per model 0.2 s + 10 samples × 1e6 weights × 1e-8 s = 0.3 s; 5 models × 2 widths = 3 s
    { sel: undefined, rate: null, units: 4, seconds: 3, basis: 'guess' },
    // blocks: /l.0 (a, b), c, d → 3 units, 4 models × 0.3 s
    { sel: { groupBy: 'block' as const }, rate: null, units: 3, seconds: 2.4, basis: 'guess' },
    // measured: 0.01 s per model and sample × 10 samples × 3 models (a sample of 2 layers + float) × 2 widths
    { sel: { sample: 2 }, rate: 0.01, units: 2, seconds: 0.6, basis: 'measured' },
  ])('$sel, rate $rate → $units units, $seconds s', ({ sel, rate, units, seconds, basis }) => {
    const e = estimateMeasurement(ws, 1e6, 10, 2, sel, rate);
    expect(e).toMatchObject({ units, models: units + 1, basis });
    expect(e.seconds).toBeCloseTo(seconds, 10);
  });
  it('takes the rate of the last run: duration over models × samples', () =>
    expect(
      measuredRate([{ durationMs: 3000, layers: [{}, {}], sampleCount: 10 } as unknown as SensitivityReport]),
    ).toBeCloseTo(0.1, 12));
  it.each([
    [0.2, 'about 1 s'],
    [45, 'about 45 s'],
    [600, 'about 10 min'],
    [7200, 'about 2.0 h'],
  ])('durationText(%s) = %s', (s, text) => expect(durationText(s)).toBe(text));
});

let requests: SensitivityRunRequest[];
const fakeEval = {
  sensitivity: async (req: SensitivityRunRequest) => {
    requests.push(req);
    return {
      spec: { bits: req.config.bits, scheme: 'symmetric', granularity: 'channel', blockSize: 32 },
      metric: 'kl',
      layers: [],
      skipped: [],
      spearman: null,
      sampleCount: 8,
      sourceName: 'synthetic probe',
      synthetic: true,
      labeled: false,
      floatTop1: null,
      notes: [],
      durationMs: 1,
    } as SensitivityReport;
  },
} as unknown as EvaluateApi;

beforeEach(async () => {
  appStore.setState(initialState(), true);
  requests = [];
  const fake = new FakeQuantizeApi();
  setQuantizeBridge(new InProcessBridge<QuantizeApi>(fake.api, () => fake.restart()));
  setEvaluateBridge(new InProcessBridge<EvaluateApi>(fakeEval));
  await openFiles([new File([new Uint8Array(8)], 'model.onnx')]);
});
afterEach(() => {
  setQuantizeBridge(undefined);
  setEvaluateBridge(undefined);
});

/** Make the open model large: 24 blocks of 4 layers, 1e9 weights (the guess: minutes per width). */
function makeLarge() {
  const s = appStore.getState();
  const loaded = selectLoaded(s)!;
  const weights = Array.from({ length: 96 }, (_, i) =>
    w(`w${i}`, `/layers.${Math.floor(i / 4)}/m${i % 4}/MatMul`),
  );
  const big = { ...loaded, summary: { ...loaded.summary, weights, totalParams: 1e9 } };
  appStore.setState({ model: { ...(s.model as object), loaded: big } as typeof s.model });
}

describe('a long measurement asks first', () => {
  it('a small model runs at once', async () => {
    await runSensitivity();
    expect(requests).toHaveLength(1);
    expect(appStore.getState().sensitivityConfirm).toBeNull();
  });

  it('offers all layers, blocks or a sample with their times, and runs the choice', async () => {
    makeLarge();
    await runSensitivity();
    expect(requests).toHaveLength(0);
    const c = appStore.getState().sensitivityConfirm!;
    expect(c.all).toMatchObject({ units: 96, models: 97, basis: 'guess' });
    expect(c.block).toMatchObject({ units: 24, models: 25 });
    expect(c.sample).toMatchObject({ units: 16, selection: { sample: 16 } });
    expect(c.block!.seconds).toBeLessThan(c.all.seconds);
    await confirmSensitivity('block');
    expect(requests.map((r) => r.selection)).toEqual([{ groupBy: 'block' }]);
    expect(appStore.getState().sensitivityConfirm).toBeNull();
    // A block report is kept apart from whole-layer reports (the budget never sums it).
    expect(appStore.getState().sensitivityReports[0].key).toMatch(/\|by block$/);
  });

  it('for the budget, offers only every layer; "Not now" runs nothing', async () => {
    makeLarge();
    await measureForBudget();
    const c = appStore.getState().sensitivityConfirm!;
    expect([c.block, c.sample]).toEqual([null, null]);
    expect(c.widths).toHaveLength(6);
    await confirmSensitivity('cancel');
    expect(requests).toHaveLength(0);
    expect(appStore.getState().sensitivityConfirm).toBeNull();
  });
});

describe('sensitivityKey', () => {
  const base = normalizeConfig({ bits: 4 });
  it.each([
    { name: 'a layer kept float', patch: { layers: { a: { skip: true } } }, same: true },
    { name: "a layer's own width", patch: { layers: { a: { bits: 8 as const } } }, same: true },
    {
      name: "a layer's own granularity",
      patch: { layers: { a: { granularity: 'tensor' as const } } },
      same: false,
    },
    { name: 'equalization', patch: { equalize: true }, same: false },
    { name: 'the global clip', patch: { clip: 'mse' as const }, same: false },
  ])('$name: same key $same', ({ patch, same }) =>
    expect(sensitivityKey({ ...base, ...patch }) === sensitivityKey(base)).toBe(same),
  );
});

// The budget tests' world in one object: a fake quantize worker, a fake evaluate worker that records what it was
// asked to measure, and an opened model. Each test file makes one and resets it before each test.
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setEvaluateBridge, setQuantizeBridge } from '../../bridge';
import type { WeightInfo } from '../../core/onnx/types';
import type { IntBits } from '../../core/quant/config';
import type {
  AssignmentsRunRequest,
  SensitivityReport,
  SensitivityRunRequest,
} from '../../protocol/eval-dto';
import type { EvaluateApi } from '../../workers/evaluate.api';
import type { QuantizeApi } from '../../workers/quantize.api';
import { openFiles } from '../actions/open-model';
import type { LoadedSamples } from '../eval-slice';
import { selectLoaded } from '../selectors';
import { appStore, initialState } from '../store';
import { FakeQuantizeApi } from './fake-quantize-api';

export interface BudgetFixture {
  fake: FakeQuantizeApi;
  /** Widths the fake evaluate worker was asked to measure, in order, and the requests. */
  measured: (number | string)[];
  requests: SensitivityRunRequest[];
  /** When set, sensitivity calls after this many never answer (a long run, to cancel). */
  answers: number | null;
  /** Whole assignments the fake evaluate worker was asked to measure (the budget's refinement), in order. */
  wholes: AssignmentsRunRequest[];
  /** When set, refinement batches after this many never answer (to cancel one). */
  wholeAnswers: number | null;
  /** The quantize worker's planBudget calls. */
  planCalls(): string[];
  /** A fresh store, fresh fakes, and model.onnx opened. */
  reset(): Promise<void>;
  /** Unhook the fake workers. */
  close(): void;
}

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

const never = () => new Promise<never>(() => {});

export function budgetFixture(): BudgetFixture {
  const fx: BudgetFixture = {
    fake: new FakeQuantizeApi(),
    measured: [],
    requests: [],
    answers: null,
    wholes: [],
    wholeAnswers: null,
    planCalls: () => fx.fake.calls.filter((c) => c.startsWith('planBudget')),
    async reset() {
      appStore.setState(initialState(), true);
      Object.assign(fx, { measured: [], requests: [], answers: null, wholes: [], wholeAnswers: null });
      const fake = (fx.fake = new FakeQuantizeApi());
      setQuantizeBridge(new InProcessBridge<QuantizeApi>(fake.api, () => fake.restart()));
      setEvaluateBridge(new InProcessBridge<EvaluateApi>(fakeEval));
      await openFiles([new File([new Uint8Array(8)], 'model.onnx')]);
    },
    close() {
      setQuantizeBridge(undefined);
      setEvaluateBridge(undefined);
    },
  };
  const fakeEval = {
    stageSampleFiles: async () => {},
    loadStagedSamples: async () => ({ count: 8, kind: 'images' }),
    sensitivity: async (req: SensitivityRunRequest) => {
      fx.measured.push(req.config.bits);
      fx.requests.push(req);
      if (fx.answers !== null && fx.measured.length > fx.answers) await never();
      return report(req);
    },
    // The whole model's loss: the layers' losses of report(), summed (float: 0).
    measureAssignments: async (req: AssignmentsRunRequest) => {
      fx.wholes.push(req);
      if (fx.wholeAnswers !== null && fx.wholes.length > fx.wholeAnswers) await never();
      return req.assignments.map((a) => ({
        loss: Object.entries(a).reduce(
          (s, [name, c]) => s + (c === 'float' ? 0 : (name === 'big' ? 10 : 1) * 2 ** -(c as number)),
          0,
        ),
        agreement: 1,
      }));
    },
  } as unknown as EvaluateApi;
  return fx;
}

/** A loaded sample set (images), as the evaluate panel leaves it. */
export const withSamples = (count = 8) =>
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

/** Make the open model large: 96 layers, 1e9 weights (the estimate's guess: minutes per width). */
export function makeLarge() {
  const s = appStore.getState();
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

// The variants scripts/bench/eval-options.ts measures: session options, batch sizes and execution providers, and the
// quantized forms of each model it measures them on (qstudio quantize arguments).
import type * as ortWeb from 'onnxruntime-web';
import { SESSION_OPTIONS } from '../../../src/workers/ort-backend';
import type { EvalMode } from '../../../src/protocol/eval-dto';

export type Opts = ortWeb.InferenceSession.SessionOptions;
export interface Variant {
  name: string;
  batch: number;
  what: string;
  /** Runs with pre-allocated output tensors (`session.run(feeds, { logits: tensor })`). */
  preallocated?: boolean;
  opts: (mode: EvalMode) => Opts;
}
const base = (mode: EvalMode): Opts => structuredClone(SESSION_OPTIONS[mode]) as Opts;
const withSession = (mode: EvalMode, entries: Record<string, string>): Opts => {
  const o = base(mode);
  o.extra = { ...o.extra, session: { ...(o.extra as { session?: object })?.session, ...entries } };
  return o;
};
export const VARIANTS: Variant[] = [
  { name: 'base', batch: 32, what: "the studio's session options, batch 32", opts: base },
  {
    name: 'arena+mempattern',
    batch: 32,
    what: 'enableCpuMemArena and enableMemPattern (onnxruntime-web passes false for both unless set)',
    opts: (m) => ({ ...base(m), enableCpuMemArena: true, enableMemPattern: true }),
  },
  {
    name: 'opt-extended',
    batch: 32,
    what: "graphOptimizationLevel 'extended' instead of 'all'",
    opts: (m) => ({ ...base(m), graphOptimizationLevel: 'extended' }),
  },
  {
    name: 'opt-basic',
    batch: 32,
    what: "graphOptimizationLevel 'basic'",
    opts: (m) => ({ ...base(m), graphOptimizationLevel: 'basic' }),
  },
  {
    name: 'parallel',
    batch: 32,
    what: "executionMode 'parallel'",
    opts: (m) => ({ ...base(m), executionMode: 'parallel' }),
  },
  {
    name: 'no-spin',
    batch: 32,
    what: 'session.intra_op.allow_spinning = 0',
    opts: (m) => withSession(m, { 'session.intra_op.allow_spinning': '0' }),
  },
  {
    name: 'denormal-zero',
    batch: 32,
    what: 'session.set_denormal_as_zero = 1',
    opts: (m) => withSession(m, { 'session.set_denormal_as_zero': '1' }),
  },
  {
    name: 'prealloc-out',
    batch: 32,
    what: 'pre-allocated output tensors, one per run',
    opts: base,
    preallocated: true,
  },
  { name: 'batch40', batch: 40, what: 'batch 40 (25 equal runs)', opts: base },
  {
    name: 'batch40+freedim',
    batch: 40,
    what: 'batch 40 with freeDimensionOverrides { batch: 40 } (a fixed batch axis)',
    opts: (m) => ({ ...base(m), freeDimensionOverrides: { batch: 40 } }),
  },
  { name: 'batch64', batch: 64, what: 'batch 64', opts: base },
  { name: 'batch128', batch: 128, what: 'batch 128', opts: base },
  { name: 'batch256', batch: 256, what: 'batch 256', opts: base },
  { name: 'batch1000', batch: 1000, what: 'all 1,000 samples in one run', opts: base },
  {
    name: 'xnnpack',
    batch: 32,
    what: "executionProviders ['xnnpack']",
    opts: (m) => ({ ...base(m), executionProviders: ['xnnpack'] }),
  },
  {
    name: 'webnn',
    batch: 32,
    what: "executionProviders ['webnn']",
    opts: (m) => ({ ...base(m), executionProviders: ['webnn'] }),
  },
];

export const FORMS: Record<string, Record<string, string[]>> = {
  dwcnn: {
    int8: ['--bits', '8', '--granularity', 'channel'],
    int4: ['--bits', '4', '--granularity', 'block', '--block-size', '32'],
  },
  tinytf: {
    int8: ['--bits', '8', '--granularity', 'channel'],
    int4: ['--bits', '4', '--granularity', 'block', '--block-size', '32', '--format', 'matmulnbits'],
  },
};

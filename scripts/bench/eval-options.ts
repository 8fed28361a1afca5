// Which onnxruntime-web session options, execution providers and batch sizes change evaluation speed (issue 12,
// goal 4), measured on onnxruntime-web's wasm build in Node (the binary the browser runs; the browser worker is about
// as fast, docs/evaluation-speed.md) against onnxruntime-node on the same models, samples and batches. Every variant's
// outputs are checked against the plain wasm session's: max |difference| and top-1 agreement.
//   npx tsx scripts/bench/eval-options.ts [--models dwcnn,tinytf] [--reps 5] [--variants base,arena,...]
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { fixtureSampleFiles, studioFeedBatches } from './eval-browser/studio-feeds';
import { SESSION_OPTIONS } from '../../src/workers/ort-backend';
import type { EvalMode } from '../../src/protocol/eval-dto';
import { loadText } from './load-average';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'dwcnn,tinytf' },
    reps: { type: 'string', default: '5' },
    variants: { type: 'string' },
    forms: { type: 'string', default: 'float,int8,int4' },
    /** Write docs/.eval-options.json also when --variants picks a subset. */
    write: { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const REPS = Number(args.reps);
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-eval-options-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
ortWeb.env.wasm.numThreads = 1;
/**
 * This process's CPU time (user + system, every thread): with one thread per runtime and nothing else running in the
 * process, it is the work done, much less disturbed than wall time by other jobs on a shared machine.
 */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Opts = ortWeb.InferenceSession.SessionOptions;
interface Variant {
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
const VARIANTS: Variant[] = [
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

const FORMS: Record<string, Record<string, string[]>> = {
  dwcnn: {
    int8: ['--bits', '8', '--granularity', 'channel'],
    int4: ['--bits', '4', '--granularity', 'block', '--block-size', '32'],
  },
  tinytf: {
    int8: ['--bits', '8', '--granularity', 'channel'],
    int4: ['--bits', '4', '--granularity', 'block', '--block-size', '32', '--format', 'matmulnbits'],
  },
};

const feedsFor = (model: string, floatPath: string, batch: number) =>
  studioFeedBatches(floatPath, fixtureSampleFiles(model), batch);

type Feeds = Awaited<ReturnType<typeof feedsFor>>;

/** A session, its feeds as tensors, and one timed pass over every batch (outputs kept for the equality check). */
async function openWeb(bytes: Uint8Array, feeds: Feeds, v: Variant, mode: EvalMode) {
  const session = await ortWeb.InferenceSession.create(bytes, v.opts(mode));
  const xs = feeds.map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortWeb.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
  const outName = session.outputNames[0];
  // Pre-allocated outputs: one float32 tensor per run, of the output's shape (every output here is [batch, classes]).
  const classes = (await session.run(xs[0], [outName]))[outName].dims[1];
  const outs = v.preallocated
    ? xs.map((x) => {
        const n = Object.values(x)[0].dims[0];
        return new ortWeb.Tensor('float32', new Float32Array(n * classes), [n, classes]);
      })
    : null;
  return {
    async pass() {
      const logits: Float32Array[] = [];
      const c0 = cpuMs();
      const t0 = performance.now();
      for (const [i, x] of xs.entries()) {
        const out = outs ? await session.run(x, { [outName]: outs[i] }) : await session.run(x, [outName]);
        logits.push(out[outName].data as Float32Array);
      }
      return { ms: performance.now() - t0, cpu: cpuMs() - c0, logits };
    },
    release: () => session.release(),
  };
}

async function openNode(bytes: Uint8Array, feeds: Feeds, mode: EvalMode) {
  const session = await ortNode.InferenceSession.create(bytes, {
    ...SESSION_OPTIONS[mode],
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  } as ortNode.InferenceSession.SessionOptions);
  const xs = feeds.map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortNode.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
  return {
    async pass() {
      const c0 = cpuMs();
      const t0 = performance.now();
      for (const x of xs) await session.run(x);
      return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
    },
    release: () => session.release(),
  };
}

function compare(a: Float32Array[], b: Float32Array[], classes: number) {
  let maxAbs = 0;
  let top1Diff = 0;
  const fa = Float32Array.from(a.flatMap((x) => [...x]));
  const fb = Float32Array.from(b.flatMap((x) => [...x]));
  for (let i = 0; i < fa.length; i++) maxAbs = Math.max(maxAbs, Math.abs(fa[i] - fb[i]));
  const argmax = (f: Float32Array, r: number) => {
    let k = 0;
    for (let j = 1; j < classes; j++) if (f[r * classes + j] > f[r * classes + k]) k = j;
    return k;
  };
  for (let r = 0; r < fa.length / classes; r++) if (argmax(fa, r) !== argmax(fb, r)) top1Diff++;
  return { maxAbs, top1Diff };
}

/** One variant on one model, form and mode: medians of the rounds. */
export interface OptionRow {
  model: string;
  form: string;
  mode: EvalMode;
  variant: string;
  batch: number;
  wasmSamplesPerCpuS: number;
  /** onnxruntime-node, the studio's session options, the variant's batch. */
  nodeSamplesPerCpuS: number;
  /** The variant's wasm CPU time over the plain session's (base, batch 32): below 1 is faster. */
  wasmCpuVsBase: number;
  wasmWallVsBase: number;
  /** Against the plain session's outputs: max |difference| of the logits, samples whose top-1 class differs. */
  maxAbsDiff: number;
  top1Differs: number;
}
export interface OptionsJson {
  commit: string;
  machine: string;
  reps: number;
  variants: { name: string; batch: number; what: string }[];
  rows: OptionRow[];
  /** The process's first pass (1,000 samples) against the same session's later passes (median), wasm CPU ms. */
  coldPass?: {
    model: string;
    form: string;
    mode: EvalMode;
    variant: string;
    wasmCpuMs: number;
    steadyCpuMs: number;
  };
  /** Variants onnxruntime-web refused (execution providers not in this build). */
  failures: { variant: string; message: string }[];
}

async function main() {
  const load0 = loadText();
  const json: OptionsJson = {
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    machine: '',
    reps: REPS,
    variants: [],
    rows: [],
    failures: [],
  };
  console.log(
    'model | form | mode | variant | wasm samples/s (wall) | wasm samples/cpu-s | node samples/s (wall, same batch) | node samples/cpu-s | wasm/node wall | wasm/node cpu | wall / base | cpu / base | outputs vs base (medians of the rounds)',
  );
  console.log(`load average at start ${loadText()}`);
  const wanted = args.variants ? args.variants.split(',') : VARIANTS.map((v) => v.name);
  const variants = VARIANTS.filter((v) => wanted.includes(v.name));
  json.variants = variants.map((v) => ({ name: v.name, batch: v.batch, what: v.what }));
  for (const model of args.models!.split(',')) {
    const float = join(ROOT, 'test/fixtures/models', model, 'model.onnx');
    const forms = args.forms!.split(',').map((f) => {
      if (f === 'float') return { form: f, path: float, modes: ['exact'] as EvalMode[] };
      const path = join(tmp, `${model}-${f}.onnx`);
      execFileSync(
        'node',
        [join(ROOT, 'bin/qstudio.mjs'), 'quantize', float, '-o', path, ...FORMS[model][f]],
        {
          stdio: 'ignore',
        },
      );
      return { form: f, path, modes: ['exact', 'deployed'] as EvalMode[] };
    });
    const feedCache = new Map<number, Feeds>();
    for (const { form, path, modes } of forms) {
      const bytes = new Uint8Array(readFileSync(path));
      for (const mode of modes) {
        // Every variant's session (and onnxruntime-node's at the variant's batch) open at once; the rounds alternate
        // them, so a change in the machine's load hits all alike. One warm-up pass each.
        const open = [];
        for (const v of variants) {
          if (!feedCache.has(v.batch)) feedCache.set(v.batch, await feedsFor(model, float, v.batch));
          const feeds = feedCache.get(v.batch)!;
          try {
            const web = await openWeb(bytes, feeds, v, mode);
            const node = await openNode(bytes, feeds, mode);
            const warm = await web.pass();
            await node.pass();
            // The process's first pass runs the wasm kernels through V8's baseline compiler (Liftoff) until they are
            // hot enough for TurboFan: kept to compare with the later passes of the same session.
            json.coldPass ??= { model, form, mode, variant: v.name, wasmCpuMs: warm.cpu, steadyCpuMs: 0 };
            open.push({
              v,
              web,
              node,
              logits: warm.logits,
              webMs: [] as number[],
              nodeMs: [] as number[],
              webCpu: [] as number[],
              nodeCpu: [] as number[],
            });
          } catch (e) {
            const message = (e as Error).message.split('\n')[0];
            if (!json.failures.some((f) => f.variant === v.name))
              json.failures.push({ variant: v.name, message });
            console.log(`${model} ${form} ${mode} ${v.name}: ${message}`);
          }
        }
        for (let r = 0; r < REPS; r++)
          for (const o of open) {
            const w = await o.web.pass();
            const nd = await o.node.pass();
            o.webMs.push(w.ms);
            o.webCpu.push(w.cpu);
            o.nodeMs.push(nd.ms);
            o.nodeCpu.push(nd.cpu);
          }
        const ref = open[0];
        const classes = model === 'dwcnn' ? 10 : 2;
        for (const o of open) {
          const c = compare(ref.logits, o.logits, classes);
          const w = median(o.webMs);
          const nd = median(o.nodeMs);
          const wc = median(o.webCpu);
          const nc = median(o.nodeCpu);
          console.log(
            [
              model,
              form,
              mode,
              o.v.name,
              (1e6 / w).toFixed(0),
              (1e6 / wc).toFixed(0),
              (1e6 / nd).toFixed(0),
              (1e6 / nc).toFixed(0),
              (w / nd).toFixed(2),
              (wc / nc).toFixed(2),
              (w / median(ref.webMs)).toFixed(2),
              (wc / median(ref.webCpu)).toFixed(2),
              `max|Δ| ${c.maxAbs.toExponential(1)}, top-1 differs on ${c.top1Diff}`,
            ].join(' | '),
          );
          if (
            json.coldPass?.model === model &&
            json.coldPass.form === form &&
            json.coldPass.mode === mode &&
            json.coldPass.variant === o.v.name
          )
            json.coldPass.steadyCpuMs = wc;
          json.rows.push({
            model,
            form,
            mode,
            variant: o.v.name,
            batch: o.v.batch,
            wasmSamplesPerCpuS: 1e6 / wc,
            nodeSamplesPerCpuS: 1e6 / nc,
            wasmCpuVsBase: wc / median(ref.webCpu),
            wasmWallVsBase: w / median(ref.webMs),
            maxAbsDiff: c.maxAbs,
            top1Differs: c.top1Diff,
          });
          await o.web.release();
          await o.node.release();
        }
      }
    }
  }
  json.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${load0} at start, ${loadText()} at end`;
  if (!args.variants || args.write) {
    writeFileSync(join(ROOT, 'docs/.eval-options.json'), JSON.stringify(json, null, 2) + '\n');
    console.log('wrote docs/.eval-options.json (rendered by scripts/bench-eval-browser.ts)');
  }
  console.log(`load average at end ${loadText()}`);
  rmSync(tmp, { recursive: true, force: true });
}
await main();

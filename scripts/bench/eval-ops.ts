// What bounds evaluation speed in the browser (issue 12, goal 4): each operator of the benchmark models (float, and
// a quantized form in deployed mode with `--models dwcnn:int8`), timed by
// onnxruntime's own profiler in onnxruntime-web's wasm build in Node (the binary the browser runs) and in
// onnxruntime-node (native CPU kernels), one thread each, same model, session options and batches of 32 samples.
// Per node: the best (shortest) of its kernel times over the runs, which leaves out preemption by other jobs on a
// shared machine; rounds alternate the runtimes. onnxruntime-node also runs with graphOptimizationLevel 'extended', which
// leaves out the NCHWc layout transform (x86 blocked-layout convolution kernels the wasm build does not have).
// Writes docs/.eval-ops.json, which `npx tsx scripts/bench-eval-browser.ts --render docs/.bench-eval.json` puts into
// docs/evaluation-speed.md.
//   npx tsx scripts/bench/eval-ops.ts [--models dwcnn,tinytf,dwcnn:int8] [--rounds 5] [--runs 8] [--warmup 30]
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { SESSION_OPTIONS } from '../../src/workers/ort-backend';
import type { EvalMode } from '../../src/protocol/eval-dto';
import { loadText } from './load-average';

/** Quantized forms by name, made by the CLI. */
const FORMS: Record<string, string[]> = {
  int8: ['--bits', '8', '--granularity', 'channel'],
  int4: ['--bits', '4', '--granularity', 'channel'],
};

const { values: args } = parseArgs({
  options: {
    /** Fixture names; `dwcnn:int8` adds the CLI's int8 per-channel QDQ form, run in deployed mode. */
    models: { type: 'string', default: 'dwcnn,tinytf,dwcnn:int8' },
    rounds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '30' },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(args.rounds);
const RUNS = Number(args.runs);
/**
 * Runs before profiling: V8 first runs wasm through its baseline compiler (Liftoff) and moves hot functions to
 * TurboFan after enough calls: the first ~10 runs of a fresh process took several times the later runs' wall time here.
 */
const WARMUP = Number(args.warmup);
const N = 32;
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-eval-ops-'));
ortWeb.env.wasm.numThreads = 1;
/** Best of the runs: a kernel's time without the machine's other jobs preempting it (the load is shared). */
const best = (xs: number[]) => Math.min(...xs);

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}
/** Kernel time per node (µs, one entry per run), the node's operator and the group it is counted in. */
type Profile = Map<string, { op: string; kind: string; us: number[] }>;

/** Groups for the summary: convolutions by kind (from the weight's shape), else the operator. */
function kindOf(e: ProfileEvent): string {
  const op = e.args?.op_name ?? '?';
  const [x, w] = (e.args?.input_type_shape ?? []).map((t) => Object.values(t)[0]);
  if (/Conv/.test(op) && w?.length === 4) {
    if (w[2] === 1 && w[3] === 1) return 'Conv pointwise 1×1';
    if (w[1] === 1 && x?.[1] > 1) return `Conv depthwise ${w[2]}×${w[3]}`;
    return `Conv ${w[2]}×${w[3]}`;
  }
  return op.replace(/^Fused/, '');
}

/** The NCHWc transform names a fused Conv after its output (`…/features.2/Clip_output_0_nchwc`): back to the Conv. */
const nodeName = (n: string) =>
  n.replace(/features\.(\d+)\/Clip_output_0_nchwc$/, (_, i) => `features.${Number(i) - 1}/Conv`);

function addEvents(into: Profile, events: ProfileEvent[]) {
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = nodeName(e.name.slice(0, -'_kernel_time'.length));
    const p = into.get(name) ?? { op: e.args?.op_name ?? '?', kind: kindOf(e), us: [] };
    p.us.push(e.dur);
    into.set(name, p);
  }
}

/** A trace's kernel times, without each node's first run (the warm-up of this session). */
function addTrace(into: Profile, events: ProfileEvent[]) {
  const p: Profile = new Map();
  addEvents(p, events);
  for (const [name, v] of p) {
    const q = into.get(name) ?? { ...v, us: [] };
    q.us.push(...v.us.slice(1));
    into.set(name, q);
  }
}

function feeds<T>(
  model: string,
  make: (dtype: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => T,
): Record<string, T> {
  if (model === 'dwcnn')
    return {
      image: make(
        'float32',
        Float32Array.from({ length: N * 784 }, (_, i) => (i * 37) % 256),
        [N, 1, 28, 28],
      ),
    };
  const ids = BigInt64Array.from({ length: N * 32 }, (_, i) => BigInt(3 + (i % 29)));
  const mask = BigInt64Array.from({ length: N * 32 }, () => 1n);
  return { input_ids: make('int64', ids, [N, 32]), attention_mask: make('int64', mask, [N, 32]) };
}

/**
 * RUNS runs on onnxruntime-web (wasm) with its profiler, which writes the trace to the process's stdout: in a child
 * Node process, whose output is parsed here. Same feeds as `feeds` (the child rebuilds them).
 */
const WEB_CHILD = `
import * as ort from 'onnxruntime-web';
import { readFileSync } from 'node:fs';
const [path, model, runs, warmup] = process.argv.slice(1);
const N = ${N};
ort.env.wasm.numThreads = 1;
const opts = JSON.parse(process.env.ORT_OPTS);
const x = model === 'dwcnn'
  ? { image: new ort.Tensor('float32', Float32Array.from({ length: N * 784 }, (_, i) => (i * 37) % 256), [N, 1, 28, 28]) }
  : {
      input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: N * 32 }, (_, i) => BigInt(3 + (i % 29))), [N, 32]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: N * 32 }, () => 1n), [N, 32]),
    };
const warm = await ort.InferenceSession.create(readFileSync(path), opts);
for (let i = 0; i < Number(warmup); i++) await warm.run(x);
await warm.release();
const s = await ort.InferenceSession.create(readFileSync(path), { ...opts, enableProfiling: true });
for (let i = 0; i <= Number(runs); i++) await s.run(x);
s.endProfiling();
`;

function profileWeb(path: string, model: string, mode: EvalMode, into: Profile) {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', WEB_CHILD, path, model, String(RUNS), String(WARMUP)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      env: { ...process.env, ORT_OPTS: JSON.stringify(SESSION_OPTIONS[mode]) },
    },
  );
  const events = out
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProfileEvent);
  addTrace(into, events);
}

async function profileNode(
  bytes: Uint8Array,
  model: string,
  mode: EvalMode,
  level: 'all' | 'extended',
  into: Profile,
) {
  const prefix = join(tmp, `node-${level}-${Date.now()}`);
  const session = await ortNode.InferenceSession.create(bytes, {
    ...SESSION_OPTIONS[mode],
    graphOptimizationLevel: level,
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    enableProfiling: true,
    profileFilePrefix: prefix,
  } as ortNode.InferenceSession.SessionOptions);
  const x = feeds(model, (t, d, dims) => new ortNode.Tensor(t, d, dims));
  for (let i = 0; i <= RUNS; i++) await session.run(x);
  session.endProfiling();
  await session.release();
  const file = readdirSync(tmp).find((f) => join(tmp, f).startsWith(prefix))!;
  const events = JSON.parse(readFileSync(join(tmp, file), 'utf8')) as ProfileEvent[];
  rmSync(join(tmp, file));
  addTrace(into, events);
}

const sum = (p: Profile) => [...p.values()].reduce((a, v) => a + best(v.us), 0);

/** One group of nodes (by the wasm profile's kinds), µs per run of batch 32. */
export interface OpGroup {
  kind: string;
  nodes: number;
  wasmUs: number;
  nativeUs: number;
  /** onnxruntime-node without the NCHWc layout transform (graphOptimizationLevel 'extended'). */
  nativeNoNchwcUs: number;
}
export interface OpsJson {
  commit: string;
  machine: string;
  rounds: number;
  runs: number;
  warmup: number;
  batch: number;
  models: { model: string; groups: OpGroup[]; total: Omit<OpGroup, 'kind' | 'nodes'> }[];
}

async function main() {
  const load0 = loadText();
  console.log(
    `load average ${load0}; ${ROUNDS} rounds × ${RUNS} runs, batch ${N}, 1 thread, best kernel µs of the runs`,
  );
  const json: OpsJson = {
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    machine: '',
    rounds: ROUNDS,
    runs: RUNS,
    warmup: WARMUP,
    batch: N,
    models: [],
  };
  for (const entry of args.models!.split(',')) {
    const [model, form] = entry.split(':');
    const mode: EvalMode = form ? 'deployed' : 'exact';
    const float = join(ROOT, 'test/fixtures/models', model, 'model.onnx');
    const path = form ? join(tmp, `${model}-${form}.onnx`) : float;
    if (form)
      execFileSync('node', [join(ROOT, 'bin/qstudio.mjs'), 'quantize', float, '-o', path, ...FORMS[form]], {
        stdio: 'ignore',
      });
    const label = form ? `${model} ${form} QDQ per-channel, deployed` : `${model} float32`;
    const bytes = new Uint8Array(readFileSync(path));
    const web: Profile = new Map();
    const nodeAll: Profile = new Map();
    const nodeExt: Profile = new Map();
    for (let r = 0; r < ROUNDS; r++) {
      profileWeb(path, model, mode, web);
      await profileNode(bytes, model, mode, 'all', nodeAll);
      await profileNode(bytes, model, mode, 'extended', nodeExt);
    }
    console.log(`\n### ${label}\n`);
    console.log(
      '| node | group | wasm µs | native µs | wasm / native | native µs, no NCHWc | wasm / native (no NCHWc) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    const cell = (p: Profile, n: string) => (p.has(n) ? best(p.get(n)!.us) : 0);
    const groups = new Map<string, OpGroup>();
    // Nodes only the native graph has (NCHWc reorders) count in their own group.
    for (const n of new Set([...web.keys(), ...nodeAll.keys(), ...nodeExt.keys()])) {
      const [w, a, e] = [cell(web, n), cell(nodeAll, n), cell(nodeExt, n)];
      const kind = web.get(n)?.kind ?? nodeAll.get(n)?.kind ?? nodeExt.get(n)!.kind;
      const g = groups.get(kind) ?? { kind, nodes: 0, wasmUs: 0, nativeUs: 0, nativeNoNchwcUs: 0 };
      g.nodes++;
      g.wasmUs += w;
      g.nativeUs += a;
      g.nativeNoNchwcUs += e;
      groups.set(kind, g);
      const r = (x: number, y: number) => (x && y ? (x / y).toFixed(2) : '–');
      console.log(
        `| ${n} | ${kind} | ${w.toFixed(0)} | ${a.toFixed(0)} | ${r(w, a)} | ${e.toFixed(0)} | ${r(w, e)} |`,
      );
    }
    const total = { wasmUs: sum(web), nativeUs: sum(nodeAll), nativeNoNchwcUs: sum(nodeExt) };
    json.models.push({
      model: label,
      groups: [...groups.values()].sort((a, b) => b.wasmUs - a.wasmUs),
      total,
    });
    console.log(
      `| **all nodes** | | ${total.wasmUs.toFixed(0)} | ${total.nativeUs.toFixed(0)} | ${(total.wasmUs / total.nativeUs).toFixed(2)} | ${total.nativeNoNchwcUs.toFixed(0)} | ${(total.wasmUs / total.nativeNoNchwcUs).toFixed(2)} |`,
    );
  }
  json.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${load0} at start, ${loadText()} at end`;
  writeFileSync(join(ROOT, 'docs/.eval-ops.json'), JSON.stringify(json, null, 2) + '\n');
  console.log(
    `\nload average at end ${loadText()}; wrote docs/.eval-ops.json (rendered by scripts/bench-eval-browser.ts)`,
  );
  rmSync(tmp, { recursive: true, force: true });
}
await main();

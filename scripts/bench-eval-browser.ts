// Evaluation speed, browser against native, in one run (issue 12 goal 4): the same models (committed fixtures and
// their quantized forms, made by the CLI), the same 1,000 samples and the same batch, evaluated
//   - by onnxruntime-node (CPU EP, the studio's session options, inputs built once, only session.run timed), and
//   - in headless Chromium by the studio's evaluate worker code (createEvaluateApi → runEvaluation → ort-backend on
//     onnxruntime-web/wasm), served by a production build with the app's COOP/COEP headers.
// Prints a table, writes docs/evaluation-speed.md and the rows as JSON to docs/.bench-eval.json.
//   npx tsx scripts/bench-eval-browser.ts [--port 4306] [--reps 3] [--threads 1,2] [--models dwcnn,tinytf]
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumLaunchOptions } from './chromium.mjs';
import { detectSampleSet } from '../src/core/samples';
import { DEFAULT_BATCH_SIZE, batchRanges, planBatches, planFeeds } from '../src/core/eval';
import { createFeedBuilder } from '../src/core/eval/batch-feeds';
import type { FeedTensor } from '../src/core/eval/feeds';
import { SESSION_OPTIONS } from '../src/workers/ort-backend';
import type { BenchPage, BenchRun, BenchSetup } from './bench/eval-browser/page';
import { EVAL_MODES, type EvalMode } from '../src/protocol/eval-dto';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4306' },
    reps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    models: { type: 'string', default: 'dwcnn,tinytf' },
    batch: { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const REPS = Number(args.reps);
const BATCH = Number(args.batch);
const THREADS = args.threads!.split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-eval-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load0 = loadavg();

/** Quantized forms of each fixture, made by the CLI (what the studio exports for the same config). */
const FORMS: Record<string, { form: string; args: string[] }[]> = {
  dwcnn: [
    { form: 'int8 QDQ per-channel', args: ['--bits', '8', '--granularity', 'channel'] },
    { form: 'int4 QDQ per-channel', args: ['--bits', '4', '--granularity', 'channel'] },
    { form: 'int4 QDQ block 32', args: ['--bits', '4', '--granularity', 'block', '--block-size', '32'] },
  ],
  tinytf: [
    { form: 'int8 QDQ per-channel', args: ['--bits', '8', '--granularity', 'channel'] },
    { form: 'int4 QDQ per-channel', args: ['--bits', '4', '--granularity', 'channel'] },
    {
      form: 'int4 MatMulNBits block 32',
      args: ['--bits', '4', '--granularity', 'block', '--block-size', '32', '--format', 'matmulnbits'],
    },
  ],
};

interface ModelFile {
  id: string;
  form: string;
  path: string;
}

function modelFiles(model: string): ModelFile[] {
  const float = join(ROOT, 'test/fixtures/models', model, 'model.onnx');
  return [
    { id: 'float', form: 'float32', path: float },
    ...FORMS[model].map((f, i) => {
      const out = join(tmp, `${model}-${i}.onnx`);
      execFileSync('node', [join(ROOT, 'bin/qstudio.mjs'), 'quantize', float, '-o', out, ...f.args], {
        stdio: 'ignore',
      });
      return { id: `v${i}`, form: f.form, path: out };
    }),
  ];
}

/** The fixture's evaluation set as dropped files: an `eval/` folder of .npy or one .npz. */
function sampleFiles(model: string): { name: string; bytes: Uint8Array }[] {
  const dir = join(ROOT, 'test/fixtures/models', model);
  const files = readdirSync(dir).includes('eval')
    ? readdirSync(join(dir, 'eval')).map((f) => join(dir, 'eval', f))
    : [join(dir, 'eval.npz')];
  return files.map((p) => ({ name: relative(dir, p), bytes: new Uint8Array(readFileSync(p)) }));
}

type NodeFeeds = Record<string, ortNode.Tensor>[];

/** The studio's feeds for every run (the float model's input plan and batches), as onnxruntime-node tensors. */
async function nodeFeeds(
  floatPath: string,
  samples: { name: string; bytes: Uint8Array }[],
): Promise<NodeFeeds> {
  const set = await detectSampleSet(samples.map((s) => ({ path: s.name, bytes: async () => s.bytes })));
  const session = await ortNode.InferenceSession.create(readFileSync(floatPath));
  const specs = session.inputMetadata.map((m) => ({
    name: m.name,
    dtype: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d < 0 ? null : d)) : [],
  }));
  await session.release();
  const plan = planFeeds(specs, set, null, floatPath);
  const batches = planBatches(set.count, plan.primary.fit.batch, BATCH);
  const builder = createFeedBuilder(plan, set, set.count, 0, null);
  const feeds: NodeFeeds = [];
  for (const [start, end] of batchRanges(set.count, batches)) {
    const x = await builder.get(start, end, batches.pad ? batches.samplesPerRun : end - start);
    feeds.push(
      Object.fromEntries(
        Object.entries(x).map(([k, t]: [string, FeedTensor]) => [
          k,
          new ortNode.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
        ]),
      ),
    );
  }
  return feeds;
}

/** onnxruntime-node, one model in one mode: session create and the total of its runs over every batch. */
async function nodeEval(path: string, feeds: NodeFeeds, mode: EvalMode, threads: number) {
  const opts = {
    ...SESSION_OPTIONS[mode],
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  } as ortNode.InferenceSession.SessionOptions;
  const t0 = performance.now();
  const session = await ortNode.InferenceSession.create(readFileSync(path), opts);
  const createMs = performance.now() - t0;
  const t1 = performance.now();
  for (const x of feeds) await session.run(x);
  const runMs = performance.now() - t1;
  await session.release();
  return { createMs, runMs };
}

/**
 * The same runs on onnxruntime-web's wasm build in Node (the binary the browser runs, one thread, no browser and no
 * studio code around it): tells the wasm-versus-native gap from what the browser and the studio add.
 */
async function wasmInNodeEval(path: string, feeds: NodeFeeds, mode: EvalMode) {
  const session = await ortWeb.InferenceSession.create(readFileSync(path), SESSION_OPTIONS[mode]);
  const webFeeds = feeds.map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortWeb.Tensor(t.type as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
  const t1 = performance.now();
  for (const x of webFeeds) await session.run(x);
  const runMs = performance.now() - t1;
  await session.release();
  return runMs;
}
ortWeb.env.wasm.numThreads = 1;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The float model runs once (exact); each variant in both modes. */
const cells = (files: ModelFile[]) =>
  files.flatMap((f) =>
    f.id === 'float' ? [{ f, mode: 'exact' as const }] : EVAL_MODES.map((mode) => ({ f, mode })),
  );
const key = (id: string, mode: EvalMode) => `${id}:${mode}`;

async function main() {
  const outDir = join(tmp, 'dist');
  await build({
    root: ROOT,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: { input: join(ROOT, 'scripts/bench/eval-browser/index.html') },
    },
  });
  const port = Number(args.port);
  const server = await preview({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir },
    preview: { port, strictPort: true },
  });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const rows: Row[] = [];
  const env: { isolated?: boolean; cores?: number } = {};
  try {
    for (const model of args.models!.split(',')) {
      const files = modelFiles(model);
      const samples = sampleFiles(model);
      const feeds = await nodeFeeds(files[0].path, samples);
      for (const threads of THREADS) {
        const page = await browser.newPage();
        await page.goto(`http://localhost:${port}/scripts/bench/eval-browser/index.html`);
        await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
        const setup: BenchSetup = {
          threads,
          float: { name: files[0].form, base64: b64(readFileSync(files[0].path)) },
          variants: files
            .slice(1)
            .map((f) => ({ id: f.id, name: f.form, base64: b64(readFileSync(f.path)) })),
          samples: samples.map((s) => ({ name: s.name, base64: b64(s.bytes) })),
          mode: 'both',
          batchSize: BATCH,
        };
        const info = await page.evaluate(
          (s) => (window as unknown as { bench: BenchPage }).bench.open(s),
          setup,
        );
        env.isolated = info.crossOriginIsolated;
        env.cores = info.hardwareConcurrency;
        // Repetitions alternate browser and node, so a change in the machine's load hits both alike.
        const browserRuns: BenchRun[] = [];
        const nodeRuns = new Map<string, { createMs: number; runMs: number }[]>();
        const wasmRuns = new Map<string, number[]>();
        for (let r = 0; r < REPS; r++) {
          browserRuns.push(
            await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.run()),
          );
          for (const { f, mode } of cells(files)) {
            const k = key(f.id, mode);
            nodeRuns.set(k, [...(nodeRuns.get(k) ?? []), await nodeEval(f.path, feeds, mode, threads)]);
            if (threads === 1)
              wasmRuns.set(k, [...(wasmRuns.get(k) ?? []), await wasmInNodeEval(f.path, feeds, mode)]);
          }
        }
        await page.close();
        for (const { f, mode } of cells(files)) {
          const timings = browserRuns.map((run) => {
            const rep = run.report;
            if (f.id === 'float') return { t: rep.float.timing, step: run.stepMs[0] };
            const vi = rep.variants.findIndex((v) => v.id === f.id);
            const k = 1 + vi * rep.modes.length + rep.modes.indexOf(mode);
            return { t: rep.variants[vi][mode]!.timing, step: run.stepMs[k] };
          });
          const node = nodeRuns.get(key(f.id, mode))!;
          const runMs = median(timings.map((x) => x.t.totalRunMs));
          const nodeRun = median(node.map((x) => x.runMs));
          const n = browserRuns[0].report.sampleCount;
          rows.push({
            model,
            form: f.form,
            mode: f.id === 'float' ? 'float' : mode,
            threads,
            samples: n,
            batch: browserRuns[0].report.input.samplesPerRun,
            nodeSamplesPerS: (n / nodeRun) * 1000,
            wasmInNodeSamplesPerS: wasmRuns.has(key(f.id, mode))
              ? (n / median(wasmRuns.get(key(f.id, mode))!)) * 1000
              : null,
            browserSamplesPerS: (n / runMs) * 1000,
            browserStepSamplesPerS: (n / median(timings.map((x) => x.step))) * 1000,
            ratio: runMs / nodeRun,
            nodeCreateMs: median(node.map((x) => x.createMs)),
            browserCreateMs: median(timings.map((x) => x.t.sessionCreateMs)),
            browserReportedThreads: browserRuns[0].report.runtime?.threads ?? null,
          });
          console.log(fmtRow(rows.at(-1)!).join(' | '));
        }
      }
    }
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
    rmSync(tmp, { recursive: true, force: true });
  }
  write(rows, env);
}

interface Row {
  model: string;
  form: string;
  mode: 'float' | EvalMode;
  threads: number;
  samples: number;
  batch: number;
  nodeSamplesPerS: number;
  /** onnxruntime-web's wasm in Node, 1 thread (null on rows with more threads). */
  wasmInNodeSamplesPerS: number | null;
  browserSamplesPerS: number;
  /** Samples over the whole step in the studio: session create, feeds, runs, metrics. */
  browserStepSamplesPerS: number;
  /** Browser session.run time / node session.run time, same samples and batch. */
  ratio: number;
  nodeCreateMs: number;
  browserCreateMs: number;
  browserReportedThreads: number | null;
}

const HEADER = [
  'model',
  'form',
  'mode',
  'threads',
  'node samples/s',
  'wasm in node samples/s',
  'browser samples/s (runs)',
  'browser samples/s (whole step)',
  'browser / node time',
  'session create ms (node / browser)',
];
const fmtRow = (r: Row) => [
  r.model,
  r.form,
  r.mode,
  String(r.threads),
  r.nodeSamplesPerS.toFixed(0),
  r.wasmInNodeSamplesPerS === null ? '–' : r.wasmInNodeSamplesPerS.toFixed(0),
  r.browserSamplesPerS.toFixed(0),
  r.browserStepSamplesPerS.toFixed(0),
  r.ratio.toFixed(2),
  `${r.nodeCreateMs.toFixed(0)} / ${r.browserCreateMs.toFixed(0)}`,
];

function write(rows: Row[], env: { isolated?: boolean; cores?: number }) {
  const table = [HEADER, HEADER.map(() => '---'), ...rows.map(fmtRow)]
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');
  const fastest = (threads: number, mode: EvalMode) => {
    const rs = rows.filter((r) => r.threads === threads && (r.mode === mode || r.mode === 'float'));
    return [...new Set(rs.map((r) => r.model))]
      .map((m) => {
        const best = rs
          .filter((r) => r.model === m)
          .reduce((a, b) => (b.browserSamplesPerS > a.browserSamplesPerS ? b : a));
        return `${m}: ${best.form}${best.mode === 'float' ? '' : ` (${best.mode})`}`;
      })
      .join('; ');
  };
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}, load average ${load0.map((x) => x.toFixed(1)).join(' ')} at start, ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at end`;
  console.log('\n' + table + '\n');
  for (const t of THREADS)
    console.log(`fastest in the browser, ${t} thread(s), deployed: ${fastest(t, 'deployed')}`);
  writeFileSync(
    join(ROOT, 'docs/.bench-eval.json'),
    JSON.stringify({ commit, machine, crossOriginIsolated: env.isolated, rows }, null, 2) + '\n',
  );
  const md = [
    '# Evaluation speed: browser against onnxruntime-node',
    '',
    '<!-- written by `npx tsx scripts/bench-eval-browser.ts`; edit the script, not this file -->',
    '',
    `Machine: ${machine}. Commit ${commit}. Chromium (headless, \`navigator.hardwareConcurrency\` = ${env.cores}, \`crossOriginIsolated\` = ${env.isolated}), onnxruntime-web ${ortWebVersion()} (wasm) and onnxruntime-node ${ortNodeVersion()}, medians of ${REPS} repetitions.`,
    '',
    'Each row evaluates one model on the same samples in the same batches of the fixture `test/fixtures/models/<model>` (1,000 evaluation samples):',
    '',
    "- **node**: onnxruntime-node, CPU execution provider, the studio's session options for the mode, `intraOpNumThreads` = threads; input tensors built once before timing; only `session.run` is timed.",
    "- **browser (runs)**: the studio's evaluate worker code in Chromium (`createEvaluateApi` → `runEvaluation` → onnxruntime-web/wasm, `env.wasm.numThreads` = threads), the sum of its `session.run` times as the report gives them (`timing.totalRunMs`).",
    "- **browser (whole step)**: the same evaluation step measured from the page, from the step's first progress message to the next step's: session creation, feeds, runs, output conversion and metrics.",
    "- **mode**: `exact` folds DequantizeLinear on constant weights to float32 at load (`disable_quant_qdq`), so it computes with the dequantized weights in float; `deployed` is onnxruntime's default (QDQ kept, DQ→MatMul rewritten to MatMulNBits).",
    '',
    table,
    '',
    ...THREADS.map(
      (t) => `Fastest form in the browser, ${t} thread(s), deployed mode: ${fastest(t, 'deployed')}.`,
    ),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'docs/evaluation-speed.md'), md);
}

const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
const ortWebVersion = () => version('onnxruntime-web');
const ortNodeVersion = () => version('onnxruntime-node');

await main();

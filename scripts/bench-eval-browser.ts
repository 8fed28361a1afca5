// Evaluation speed, browser against native, in one run (issue 12 goal 4): the same models (committed fixtures and
// their quantized forms, made by the CLI), the same 1,000 samples and the same batch, evaluated
//   - by onnxruntime-node (CPU EP, the studio's session options, inputs built once, only session.run timed), and
//   - in headless Chromium by the studio's evaluate worker code (createEvaluateApi → runEvaluation → ort-backend on
//     onnxruntime-web/wasm), served by a production build with the app's COOP/COEP headers.
// Prints a table, writes docs/evaluation-speed.md and the rows as JSON to docs/.bench-eval.json. The doc also renders
// docs/.eval-ops.json (scripts/bench/eval-ops.ts: kernel time per operator, wasm against native) and
// docs/.eval-options.json (scripts/bench/eval-options.ts: session options, batch sizes and execution providers tried);
// after running either, `--render docs/.bench-eval.json` writes the doc again without measuring.
//   npx tsx scripts/bench-eval-browser.ts [--port 4306] [--reps 3] [--threads 1,2] [--models dwcnn,tinytf]
//     [--batch 32] [--before old/docs/.bench-eval.json] [--render docs/.bench-eval.json]
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { machineText } from './bench/load-average';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumLaunchOptions } from './chromium.mjs';
import { DEFAULT_BATCH_SIZE } from '../src/core/eval';
import { SESSION_OPTIONS, wasmThreads } from '../src/workers/ort-backend';
import type { BenchPage, BenchRun, BenchSetup } from './bench/eval-browser/page';
import { fixtureSampleFiles, studioFeedBatches } from './bench/eval-browser/studio-feeds';
import { limitsSection, opsSection, optionsSection } from './bench/eval-browser/bounds';
import { EVAL_MODES, type EvalMode } from '../src/protocol/eval-dto';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4306' },
    reps: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1,2' },
    models: { type: 'string', default: 'dwcnn,tinytf' },
    batch: { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
    /** A docs/.bench-eval.json written by this script on an older commit: adds before/after columns. */
    before: { type: 'string' },
    /** Write the docs again from a docs/.bench-eval.json (no measuring). */
    render: { type: 'string' },
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

type NodeFeeds = Record<string, ortNode.Tensor>[];

/** The studio's feeds for every run, as onnxruntime-node tensors. */
async function nodeFeeds(
  floatPath: string,
  samples: { name: string; bytes: Uint8Array }[],
): Promise<NodeFeeds> {
  return (await studioFeedBatches(floatPath, samples, BATCH)).map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortNode.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
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
  const walls: Wall[] = [];
  const env: { isolated?: boolean; cores?: number } = {};
  try {
    for (const model of args.models!.split(',')) {
      const files = modelFiles(model);
      const samples = fixtureSampleFiles(model);
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
        /** The whole evaluation as the studio runs it: every model, both modes, then the latency benchmark. */
        const studioRuns: number[] = [];
        for (let r = 0; r < REPS; r++) {
          browserRuns.push(
            await page.evaluate(() => (window as unknown as { bench: BenchPage }).bench.run(false)),
          );
          const studio = await page.evaluate(() =>
            (window as unknown as { bench: BenchPage }).bench.run(true),
          );
          studioRuns.push(studio.wallMs);
          for (const { f, mode } of cells(files)) {
            const k = key(f.id, mode);
            nodeRuns.set(k, [...(nodeRuns.get(k) ?? []), await nodeEval(f.path, feeds, mode, threads)]);
            if (threads === 1)
              wasmRuns.set(k, [...(wasmRuns.get(k) ?? []), await wasmInNodeEval(f.path, feeds, mode)]);
          }
        }
        await page.close();
        walls.push({ model, threads, models: files.length, wallMs: median(studioRuns) });
        console.log(
          `${model}, ${threads} thread(s): whole evaluation with latency ${median(studioRuns).toFixed(0)} ms`,
        );
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
  write(rows, walls, env);
}

interface Wall {
  model: string;
  threads: number;
  models: number;
  wallMs: number;
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

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const mdTable = (header: string[], body: string[][]) =>
  [header, header.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');

interface BenchJson {
  commit: string;
  machine: string;
  crossOriginIsolated?: boolean;
  /** navigator.hardwareConcurrency in the browser. */
  cores?: number;
  /** The thread count the studio's evaluate worker chooses on this machine. */
  studioThreads?: number;
  reps?: number;
  batch?: number;
  rows: Row[];
  walls: Wall[];
}

/** Rows and walls of a run, or of a JSON file written by one (`--render`: the docs again, no measuring). */
function write(rows: Row[], walls: Wall[], env: { isolated?: boolean; cores?: number }, from?: BenchJson) {
  const table = mdTable(HEADER, rows.map(fmtRow));
  const fastest = (threads: number, mode: EvalMode) => {
    const rs = rows.filter((r) => r.threads === threads && (r.mode === mode || r.mode === 'float'));
    return [...new Set(rs.map((r) => r.model))]
      .map((m) => {
        const [best, next] = rs
          .filter((r) => r.model === m)
          .sort((a, b) => b.browserSamplesPerS - a.browserSamplesPerS);
        const name = (r: Row) => `${r.form}${r.mode === 'float' ? '' : ` ${r.mode}`}`;
        return `${m}: ${name(best)} (${best.browserSamplesPerS.toFixed(0)}/s; next ${name(next)}, ${next.browserSamplesPerS.toFixed(0)}/s)`;
      })
      .join('; ');
  };
  const commit =
    from?.commit ??
    execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const reps = from?.reps ?? REPS;
  const batch = from?.batch ?? BATCH;
  const threadCounts = [...new Set(rows.map((r) => r.threads))];
  const machine = from?.machine ?? machineText(load0);
  const studioThreads = wasmThreads(env.isolated ?? false, env.cores ?? 1);
  const summary = threadCounts.map((t) => {
    const rs = rows.filter((r) => r.threads === t);
    const met = rs.filter((r) => r.ratio <= 2).length;
    const wasm = rs.filter((r) => r.wasmInNodeSamplesPerS !== null);
    const split = wasm.length
      ? `; of that, onnxruntime-web's wasm in Node against native: ${geomean(wasm.map((r) => r.nodeSamplesPerS / r.wasmInNodeSamplesPerS!)).toFixed(2)}×, the browser worker against wasm in Node: ${geomean(wasm.map((r) => r.wasmInNodeSamplesPerS! / r.browserSamplesPerS)).toFixed(2)}×`
      : '';
    return `- **${t} thread${t === 1 ? '' : 's'}${t === studioThreads.threads ? " (the studio's choice here)" : ''}**: browser / node time ${geomean(rs.map((r) => r.ratio)).toFixed(2)}× (geometric mean of ${rs.length} rows, range ${Math.min(...rs.map((r) => r.ratio)).toFixed(2)}–${Math.max(...rs.map((r) => r.ratio)).toFixed(2)}×); ≤ 2× on ${met} of ${rs.length} rows${split}. Fastest form in the browser (deployed mode): ${fastest(t, 'deployed')}.`;
  });
  console.log('\n' + table + '\n\n' + summary.join('\n') + '\n');
  const json: BenchJson = {
    commit,
    machine,
    crossOriginIsolated: env.isolated,
    cores: env.cores,
    studioThreads: studioThreads.threads,
    reps,
    batch,
    rows,
    walls,
  };
  writeFileSync(join(ROOT, 'docs/.bench-eval.json'), JSON.stringify(json, null, 2) + '\n');
  const before = args.before ? (JSON.parse(readFileSync(args.before, 'utf8')) as BenchJson) : null;
  const wallTable = mdTable(
    ['model', 'models evaluated', 'threads', 'whole evaluation s', ...(before ? ['before s'] : [])],
    walls.map((w) => {
      const b = before?.walls.find((x) => x.model === w.model && x.threads === w.threads);
      return [
        w.model,
        String(w.models),
        String(w.threads),
        (w.wallMs / 1000).toFixed(2),
        ...(before ? [b ? (b.wallMs / 1000).toFixed(2) : '–'] : []),
      ];
    }),
  );
  const beforeTable = before
    ? mdTable(
        [
          'model',
          'form',
          'mode',
          'threads',
          'browser samples/s before → after',
          'browser / node time before → after',
        ],
        rows.flatMap((r) => {
          const b = before.rows.find(
            (x) => x.model === r.model && x.form === r.form && x.mode === r.mode && x.threads === r.threads,
          );
          return b
            ? [
                [
                  r.model,
                  r.form,
                  r.mode,
                  String(r.threads),
                  `${b.browserStepSamplesPerS.toFixed(0)} → ${r.browserStepSamplesPerS.toFixed(0)}`,
                  `${b.ratio.toFixed(2)} → ${r.ratio.toFixed(2)}`,
                ],
              ]
            : [];
        }),
      )
    : '';
  const md = [
    '# Evaluation speed: browser against onnxruntime-node',
    '',
    '<!-- written by `npx tsx scripts/bench-eval-browser.ts`; edit the script, not this file -->',
    '',
    `Machine: ${machine}. Commit ${commit}. Chromium (headless, \`navigator.hardwareConcurrency\` = ${env.cores}, \`crossOriginIsolated\` = ${env.isolated}), onnxruntime-web ${ortWebVersion()} (wasm) and onnxruntime-node ${ortNodeVersion()}, medians of ${reps} repetitions; each repetition runs the browser, then node, so a change in load hits both. The machine is shared: absolute numbers are noisy, compare the ratios within a row.`,
    '',
    `Threads: the studio asks onnxruntime-web for ${studioThreads.threads} here (${studioThreads.why}; \`wasmThreads\` in \`src/workers/ort-backend.ts\`). The rows force each thread count.`,
    '',
    '## Summary (goal: browser ≤ 2× onnxruntime-node)',
    '',
    ...summary,
    '',
    ...limitsSection(),
    ...opsSection(ROOT),
    ...optionsSection(ROOT),
    '## Per model and form',
    '',
    `Each row evaluates one model on the 1,000 evaluation samples of the fixture \`test/fixtures/models/<model>\` in batches of ${batch} (both models have a dynamic batch axis):`,
    '',
    "- **node**: onnxruntime-node, CPU execution provider, the studio's session options for the mode, `intraOpNumThreads` = threads; input tensors built once before timing; only `session.run` is timed.",
    "- **wasm in node**: the same runs on onnxruntime-web's wasm build in Node (the binary the browser runs; 1 thread rows only).",
    "- **browser (runs)**: the studio's evaluate worker code in Chromium (`createEvaluateApi` → `runEvaluation` → onnxruntime-web/wasm, `env.wasm.numThreads` = threads), the sum of its `session.run` times as the report gives them (`timing.totalRunMs`).",
    "- **browser (whole step)**: the same evaluation step measured from the page, from the step's first progress message to the next step's: session creation, feeds, runs, output conversion and metrics.",
    '- **browser / node time**: browser (runs) time over node time, same model, samples and batches.',
    "- **mode**: `exact` folds DequantizeLinear on constant weights to float32 at load (`disable_quant_qdq`), so it computes with the dequantized weights in float; `deployed` is onnxruntime's default (QDQ kept, DQ→MatMul rewritten to MatMulNBits). The float model runs once.",
    '',
    table,
    '',
    '## The whole evaluation as the studio runs it',
    '',
    'Float model and every form in both modes, then the latency benchmark (warm-up and interleaved rounds), measured from the page.',
    '',
    wallTable,
    '',
    ...(before
      ? [
          `## Before and after`,
          '',
          `Before: commit ${before.commit} (${before.machine}), the same script (its evaluate worker's thread rule added for the run). Browser samples/s over the whole step.`,
          '',
          ...(before.studioThreads
            ? [
                `The studio's own thread choice on this machine: ${before.studioThreads} before, ${studioThreads.threads} after. The whole evaluation at that choice: ${walls
                  .map((w) => {
                    const b = before.walls.find(
                      (x) => x.model === w.model && x.threads === before.studioThreads,
                    );
                    return w.threads === studioThreads.threads && b
                      ? `${w.model} ${(b.wallMs / 1000).toFixed(1)} s → ${(w.wallMs / 1000).toFixed(1)} s`
                      : null;
                  })
                  .filter(Boolean)
                  .join(', ')}.`,
                '',
              ]
            : []),
          beforeTable,
          '',
        ]
      : []),
  ].join('\n');
  writeFileSync(join(ROOT, 'docs/evaluation-speed.md'), md);
  // Formatted as `npm run lint` expects (prettier --check .).
  const docs = [
    'docs/evaluation-speed.md',
    'docs/.bench-eval.json',
    'docs/.eval-ops.json',
    'docs/.eval-options.json',
  ];
  execFileSync('npx', ['prettier', '--write', ...docs.filter((f) => existsSync(join(ROOT, f)))], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}

const version = (pkg: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
const ortWebVersion = () => version('onnxruntime-web');
const ortNodeVersion = () => version('onnxruntime-node');

if (args.render) {
  const from = JSON.parse(readFileSync(args.render, 'utf8')) as BenchJson;
  write(from.rows, from.walls, { isolated: from.crossOriginIsolated, cores: from.cores }, from);
  rmSync(tmp, { recursive: true, force: true });
} else {
  await main();
}

// `npm run bench`: performance as ratios measured in one run (the machine is shared: medians of several runs).
// Prints one table and writes docs/performance.md. Options:
//   --before <dir>   a checkout of an older commit (with node_modules and its CLI built) to measure alongside
//   --sizes 1,10,100,400   model sizes in MB for the growth table
//   --runs 3         whole-process runs per cell
//   --rows <file>    extra rows as JSON (docs/.bench-eval.json and docs/.bench-quantize-browser.json are read if present)
//   --large          also an LLM-shaped 2.6 GB model (int4 block-32 and int8 per-channel, a CPU profile: scripts/bench/
//                    large.ts), fp16 of a synthetic ~5 GB model (> 2 GiB output, external data), and the studio on
//                    the 2.6 GB model in headless Chromium (studio-large.ts)
//   --studio-port 4394   the port of the studio's preview server for --large
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism, cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { loadText } from './load-average';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { writeInlineModel, writeExternalModel } from './models';
import type { KernelResult } from './kernel';
import { browserKernelBench } from './kernel-browser';
import { EXTRA_PREFIX, extraRows, type Row } from './extra-rows';
import { llmBench } from './large';
import { DESCRIPTION as STUDIO_LARGE_DESCRIPTION, studioLargeBench } from './studio-large';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    sizes: { type: 'string', default: '1,10,100,400' },
    large: { type: 'boolean' },
    runs: { type: 'string', default: '3' },
    rows: { type: 'string', multiple: true },
    'studio-port': { type: 'string', default: '4394' },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const AFTER = join(ROOT, 'bin/qstudio.mjs');
const BEFORE_DIR = args.before ? resolve(args.before) : null;
const BEFORE = BEFORE_DIR ? join(BEFORE_DIR, 'bin/qstudio.mjs') : null;
const RUNS = Number(args.runs);
const THREADS = availableParallelism();
const load0 = loadavg();
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One whole process from GNU time: wall seconds, CPU seconds (user + system, all threads), peak resident bytes. */
function measure(cmd: string[]): { s: number; cpu: number; user: number; sys: number; rss: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  const [s, user, sys, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { s, cpu: user + sys, user, sys, rss: kb * 1024 };
}
/** Commands measured in alternating rounds (load bursts spread over all of them); medians per command. */
function medianOf(cmds: string[][], runs = RUNS) {
  const m = cmds.map(() => [] as { s: number; cpu: number; rss: number }[]);
  for (let r = 0; r < runs; r++) cmds.forEach((c, i) => m[i].push(measure(c)));
  const med = (xs: { s: number; cpu: number; rss: number }[], k: 's' | 'cpu' | 'rss') =>
    median(xs.map((x) => x[k]));
  return m.map((xs) => ({ s: med(xs, 's'), cpu: med(xs, 'cpu'), rss: med(xs, 'rss') }));
}

const COPY = `const fs = require('fs'); fs.writeFileSync(process.argv[2], fs.readFileSync(process.argv[1]));`;
const quantizeCmd = (bin: string, model: string, out: string, extra: string[] = []) => [
  'node',
  bin,
  'quantize',
  model,
  '-o',
  out,
  '--bits',
  '8',
  '--granularity',
  'channel',
  '--json',
  ...extra,
];

const rows: Row[] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const dash = '–';

// Start-up: `qstudio --help` against a bare `node -e 0`, alternating.
const [bare, help, helpBefore] = medianOf(
  [['node', '-e', '0'], ['node', AFTER, '--help'], ...(BEFORE ? [['node', BEFORE, '--help']] : [])],
  9,
);
row(
  'start-up',
  'qstudio --help (s)',
  f2(help.s),
  helpBefore ? f2(helpBefore.s) : dash,
  `bare node -e 0: ${f2(bare.s)} s`,
  '≤ 0.15 s',
);
row(
  'start-up',
  'qstudio --help / bare node',
  f2(help.s / bare.s),
  helpBefore ? f2(helpBefore.s / bare.s) : dash,
  `help − bare node: ${f2(help.s - bare.s)} s${helpBefore ? ` (before ${f2(helpBefore.s - bare.s)} s)` : ''}`,
  '',
);

// Kernel: RTN int8 per-channel (fused) against typed-array copies, one fresh process / worker per kernel.
const fusedAfter = join(ROOT, 'src/core/quant/fused.ts');
const fusedBefore = BEFORE_DIR ? join(BEFORE_DIR, 'src/core/quant/fused.ts') : null;
const nodeKernel = (path: string): KernelResult =>
  JSON.parse(
    execFileSync('npx', ['tsx', join(import.meta.dirname, 'kernel-node.ts'), path], { encoding: 'utf8' }),
  );
const kAfter = nodeKernel(fusedAfter);
const kBefore = fusedBefore ? nodeKernel(fusedBefore) : null;
const [bAfter, bBefore] = await browserKernelBench(fusedBefore ? [fusedAfter, fusedBefore] : [fusedAfter]);
const kernelRows = (where: string, a: KernelResult | null, b: KernelResult | null | undefined) => {
  const cell = (k: KernelResult | null | undefined, key: 'vsLoop' | 'vsSet') => (k ? f2(k[key]) : dash);
  const detail = a
    ? `${f2(a.fused)} GB/s in${a.js ? ` (WebAssembly SIMD; JS loops ${f2(a.js.fused)} GB/s = ${f2(a.js.vsSet)} of .set)` : ''}; loop copy ${f2(a.loopCopy)} GB/s, .set ${f2(a.setCopy)} GB/s${b ? `; before ${f2(b.fused)} GB/s` : ''}`
    : 'not measured (Chromium did not start)';
  row('kernel', `fused RTN / JS copy loop, ${where}`, cell(a, 'vsLoop'), cell(b, 'vsLoop'), detail, '≥ 0.25');
  row('kernel', `fused RTN / TypedArray.set, ${where}`, cell(a, 'vsSet'), cell(b, 'vsSet'), '', '≥ 0.25');
  const into = a?.into;
  if (into) {
    const before = b?.into ? f2(b.into.vsSet) : dash;
    const detail = `${f2(into.fused)} GB/s in; the rows above allocate the output per call`;
    row(
      'kernel',
      `fused RTN into a preallocated output / TypedArray.set, ${where}`,
      f2(into.vsSet),
      before,
      detail,
      '≥ 0.25',
    );
  }
};
kernelRows('Node (CPU time)', kAfter, kBefore);
kernelRows('Chromium worker (wall time, best of 15)', bAfter, bBefore);

// Growth: copy vs quantize, whole processes; "after" with the default threads (one per core) and with one.
const growth: string[] = [];
const points: { bytes: number; s: number; rss: number }[] = [];
for (const size of args.sizes!.split(',').map(Number)) {
  const model = join(tmp, `m${size}.onnx`);
  const bytes = writeInlineModel(model, size);
  const runs = size >= 400 ? Math.min(RUNS, 2) : RUNS;
  const out = (name: string) => join(tmp, name);
  const [copy, after, after1, before] = medianOf(
    [
      ['node', '-e', COPY, model, out('copy.onnx')],
      quantizeCmd(AFTER, model, out('out.onnx')),
      quantizeCmd(AFTER, model, out('out-1.onnx'), ['--threads', '1']),
      ...(BEFORE ? [quantizeCmd(BEFORE, model, out('out-before.onnx'))] : []),
    ],
    runs,
  );
  const same = (a: string, b: string) => spawnSync('cmp', ['-s', out(a), out(b)]).status === 0;
  if (!same('out.onnx', 'out-1.onnx')) throw new Error(`${size} MB: --threads ${THREADS} and 1 differ`);
  if (BEFORE && !same('out.onnx', 'out-before.onnx')) throw new Error(`${size} MB: before and after differ`);
  points.push({ bytes, s: after.s, rss: after.rss });
  growth.push(
    [mb(bytes), f2(copy.s), f2(after.s), f2(after1.s), before ? f2(before.s) : dash]
      .concat([mb(after.rss), mb(after1.rss), before ? mb(before.rss) : dash, mb(copy.rss)])
      .join(' | '),
  );
  if (size === 100) {
    const vs = (x: { s: number } | undefined) => (x ? f2(x.s / copy.s) : dash);
    const per = (x: { rss: number } | undefined) => (x ? f2(x.rss / bytes) : dash);
    row(
      'copy',
      `int8-pc quantize / file copy (100 MB), default (${THREADS} threads)`,
      vs(after),
      vs(before),
      `${f2(after.s)} s vs copy ${f2(copy.s)} s${BEFORE ? ' (before: one thread)' : ''}`,
      '≤ 2.5',
    );
    row(
      'copy',
      'int8-pc quantize / file copy (100 MB), --threads 1',
      vs(after1),
      vs(before),
      `${f2(after1.s)} s`,
      '≤ 2.5',
    );
    // Under load wall time is mostly waiting for a core (and for thread hand-offs): CPU time says what the work costs.
    const cpu = (x: { cpu: number } | undefined) => (x ? f2(x.cpu / copy.cpu) : dash);
    row(
      'copy',
      'same, CPU time (user + sys, all threads), default',
      cpu(after),
      cpu(before),
      `${f2(after.cpu)} s vs copy ${f2(copy.cpu)} s; --threads 1: ${f2(after1.cpu)} s (${cpu(after1)})`,
      '',
    );
    row(
      'memory',
      `peak RSS / model size (100 MB), default (${THREADS} threads)`,
      per(after),
      per(before),
      `node baseline (qstudio --help) ${mb(help.rss)} MB RSS`,
      '≤ 1.5',
    );
    row('memory', 'peak RSS / model size (100 MB), --threads 1', per(after1), per(before), '', '≤ 1.5');
    row(
      'memory',
      '(peak RSS − --help RSS) / model, --threads 1',
      f2((after1.rss - help.rss) / bytes),
      before ? f2((before.rss - (helpBefore?.rss ?? help.rss)) / bytes) : dash,
      'what the model itself costs',
      '',
    );
  }
  rmSync(model);
}

// 2.6 GB, LLM-shaped: rows, the growth table's last point and where the time goes.
let profile: string[] = [];
if (args.large) {
  const r = await llmBench({ after: AFTER, before: BEFORE, tmp, threads: THREADS, measure });
  rows.push(...r.rows);
  growth.push(r.growth);
  points.push(r.point);
  profile = r.profile;
}

// Beyond 2 GiB: fp16 of a ~5 GB model (external data in, external data out), loaded back by onnxruntime-node.
if (args.large) {
  const model = join(tmp, 'big.onnx');
  const inBytes = await writeExternalModel(model, 5000);
  const out = join(tmp, 'big-fp16.onnx');
  const r = measure(['node', AFTER, 'quantize', model, '-o', out, '--bits', 'fp16', '--json']);
  const dataBytes = statSync(out + '_data').size;
  const check = spawnSync('node', [join(import.meta.dirname, 'load-check.mjs'), out], { encoding: 'utf8' });
  const large = `${mb(inBytes)} MB in → ${mb(dataBytes)} MB model.onnx_data; ${f2(r.s)} s, ${f2(inBytes / 1e9 / r.s)} GB/s of input, peak RSS ${f2(r.rss / inBytes)}× the model; onnxruntime-node: ${check.status === 0 ? check.stdout.trim() : 'FAILED ' + check.stderr.trim()}`;
  for (const f of [model, model + '_data', out, out + '_data']) rmSync(f);
  row('> 2 GiB', 'fp16 of ~5 GB, external data', f2(r.s), dash, large, 'loads in ORT');
}
// The studio on the same 2.6 GB model: the real page in headless Chromium, memory of its processes from /proc.
if (args.large) rows.push(...(await studioLargeBench({ tmp, port: Number(args['studio-port']) })));
rmSync(tmp, { recursive: true, force: true });

const extra = extraRows([
  join(ROOT, 'docs/.bench-eval.json'),
  join(ROOT, 'docs/.bench-quantize-browser.json'), // scripts/bench-quantize-browser.ts: the studio's RTN threads
  // scripts/bench/studio-large.ts run on its own (with --large its rows were measured above)
  ...(args.large ? [] : [join(ROOT, 'docs/.bench-studio-large.json')]),
  ...(args.rows ?? []),
]);
rows.push(...extra.rows);
if (!extra.rows.some((r) => r[0] === 'browser-vs-node'))
  row(
    'browser-vs-node',
    'evaluate: node / browser samples/s',
    dash,
    dash,
    'not in this run: docs/.bench-eval.json is absent (run scripts/bench-eval-browser.ts first)',
    '≤ 2',
  );

// Scaling exponent between the smallest model of ≥ 10 MB and the largest: time ∝ size^k (1 = linear).
const big = points.filter((p) => p.bytes >= 10 * 2 ** 20);
const slope = (key: 's' | 'rss') =>
  big.length >= 2
    ? (Math.log(big.at(-1)![key] / big[0][key]) / Math.log(big.at(-1)!.bytes / big[0].bytes)).toFixed(2)
    : 'n/a';
const scaling = `Default threads: ${THREADS} (one per core) from 32 MiB, 1 below. Measured scaling from ${mb(big[0]?.bytes ?? 0)} to ${mb(big.at(-1)?.bytes ?? 0)} MB (default threads): time ∝ size^${slope('s')}, peak memory ∝ size^${slope('rss')} (1 = linear).`;
const header = ['area', 'measure', 'after', 'before', 'detail', 'goal'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const growthTable = [
  `| model MB | copy s | quantize s (default) | quantize s (--threads 1) | quantize s (before) | peak RSS MB (default) | peak RSS MB (--threads 1) | peak RSS MB (before) | copy peak RSS MB |`,
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...growth.map((g) => `| ${g} |`),
].join('\n');
console.log(table + '\n\n' + growthTable + '\n\n' + scaling + '\n');

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} MB RAM (${mb(freemem())} MB free), node ${process.version}, ${chromiumVersion()}; load average ${loadText(load0)} at start, ${loadText()} at end`;
const rev = (dir: string) =>
  execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
const PERF = join(ROOT, 'docs/performance.md');
// Written as prettier would (`npm run lint` checks docs too).
const formatted = async (text: string) =>
  prettier.format(text, { ...(await prettier.resolveConfig(PERF)), filepath: PERF });
writeFileSync(
  PERF,
  await formatted(
    [
      '# Performance',
      '',
      '<!-- written by `npm run bench` (scripts/bench); edit the script, not this file -->',
      '',
      `Machine: ${machine}. Commit ${rev(ROOT)}${BEFORE_DIR ? `; "before" is commit ${rev(BEFORE_DIR)} (a temporary checkout, its CLI and its kernel)` : ''}. Whole processes: medians of ${RUNS} runs per cell, the commands of a cell group run in alternating rounds, timed by GNU time (peak memory is the process's maximum resident set).`,
      'The machine is shared (2 cores, several other jobs): absolute times are noisy, ratios measured in the same run are what to compare.',
      '',
      "Kernel rows: one 4096×1024 float32 weight (16 MiB), int8 symmetric per-channel, `quantizeFused` (range pass, levels packed, error sums) against a JS copy loop and `TypedArray.set` of the same array, in alternating rounds; the ratios are of the WebAssembly SIMD path (the default), and the detail gives the same call with it switched off (the JS loops, `QSTUDIO_KERNEL=js`). Node: the process's CPU time (waiting for a core does not count), median of 9 per-round ratios. A Chromium worker has only wall time: the ratio of the best of 15 rounds of each.",
      '',
      table,
      '',
      ...(extra.sources.length ? [`${EXTRA_PREFIX}${extra.sources.join('; ')}.`, ''] : []),
      '## Growth (int8 per-channel, synthetic Gemm models; with `--large` a last row for the 2.6 GB MatMul model)',
      '',
      growthTable,
      '',
      scaling,
      '',
      ...(args.large
        ? [
            STUDIO_LARGE_DESCRIPTION,
            '',
            'The 2.6 GB row is the LLM-shaped model of scripts/bench/large.ts (18 MatMul weights 4096×4096, 4096×11008, 11008×4096, external data), one run per cell; its copy is a streamed copy (a whole-file read cannot hold 2.6 GB).',
            '',
            '## Where the time goes (2.6 GB, int4 block-32)',
            '',
            'Written by the bench from `node --cpu-prof` of the whole process (the main thread and each worker write a profile; a sample is charged to the innermost of: MatMulNBits packing, the quantization kernel `quantizeForExport`, reads, writes; GC and idle as V8 reports them). Profiles sample wall time while a thread runs, so under load the seconds grow; the shares are what to compare. Reads and writes happen mostly outside JavaScript (libuv threads, the kernel): they show as idle and as system time, not as JS samples.',
            '',
            ...profile,
            '',
          ]
        : []),
      args.large
        ? ''
        : 'The > 2 GiB case was not run (pass `--large`; it writes ~5 GB to the temp folder and deletes it).',
      '',
    ].join('\n'),
  ),
);

function chromiumVersion(): string {
  const r = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n').pop()! : 'Chromium version unknown';
}

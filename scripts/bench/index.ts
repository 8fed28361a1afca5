// `npm run bench`: performance as ratios measured in one run (the machine is shared: medians of several runs).
// Prints one table and writes docs/performance.md. Options:
//   --before <dir>   a checkout of an older commit (with node_modules) to time its CLI alongside this one
//   --sizes 1,10,100,400   model sizes in MB for the growth table
//   --large          also write and quantize a synthetic ~5 GB model to fp16 (> 2 GiB output, external data)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeInlineModel, writeExternalModel } from './models';
import { kernelBench } from './kernel';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    sizes: { type: 'string', default: '1,10,100,400' },
    large: { type: 'boolean' },
    runs: { type: 'string', default: '3' },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const AFTER = join(ROOT, 'bin/qstudio.mjs');
const BEFORE = args.before ? join(resolve(args.before), 'bin/qstudio.mjs') : null;
const RUNS = Number(args.runs);
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One whole process: wall seconds and peak resident memory (bytes) from GNU time. */
function measure(cmd: string[]): { s: number; rss: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  const [s, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { s, rss: kb * 1024 };
}
const medianOf = (cmd: string[], runs = RUNS) => {
  const m = Array.from({ length: runs }, () => measure(cmd));
  return { s: median(m.map((x) => x.s)), rss: median(m.map((x) => x.rss)) };
};

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

const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);

// Start-up: `qstudio --help` against a bare `node -e ''`.
const bare = medianOf(['node', '-e', ''], 7);
const help = medianOf(['node', AFTER, '--help'], 7);
const helpBefore = BEFORE ? medianOf(['node', BEFORE, '--help'], 7) : null;
row(
  'start-up',
  'qstudio --help (s)',
  f2(help.s),
  helpBefore ? f2(helpBefore.s) : '–',
  `bare node ${f2(bare.s)} s`,
  '≤ 0.15 s',
);

// Kernel: RTN int8 per-channel (fused) against typed-array copies, in this process.
const k = kernelBench();
row(
  'kernel',
  'fused RTN / JS copy loop',
  f2(k.fused / k.loopCopy),
  f2(k.unfused / k.loopCopy),
  `${f2(k.fused)} GB/s in, loop copy ${f2(k.loopCopy)} GB/s, .set ${f2(k.setCopy)} GB/s`,
  '≥ 0.25',
);
row(
  'kernel',
  'fused RTN / TypedArray.set',
  f2(k.fused / k.setCopy),
  f2(k.unfused / k.setCopy),
  'before = quantizeTensor+packLevels+dequantize+errorSums',
  '',
);

// Growth: copy vs quantize, whole processes.
const growth: string[] = [];
const points: { bytes: number; s: number; rss: number }[] = [];
for (const size of args.sizes!.split(',').map(Number)) {
  const model = join(tmp, `m${size}.onnx`);
  const bytes = writeInlineModel(model, size);
  const runs = size >= 400 ? Math.min(RUNS, 2) : RUNS;
  const copy = medianOf(['node', '-e', COPY, model, join(tmp, 'copy.onnx')], runs);
  const after = medianOf(quantizeCmd(AFTER, model, join(tmp, 'out.onnx')), runs);
  const before = BEFORE ? medianOf(quantizeCmd(BEFORE, model, join(tmp, 'out-before.onnx')), runs) : null;
  if (BEFORE) {
    const same =
      execFileSync('cmp', ['-s', join(tmp, 'out.onnx'), join(tmp, 'out-before.onnx')]).length === 0;
    if (!same) throw new Error(`${size} MB: before and after outputs differ`);
  }
  points.push({ bytes, s: after.s, rss: after.rss });
  growth.push(
    [
      mb(bytes),
      f2(copy.s),
      f2(after.s),
      before ? f2(before.s) : '–',
      mb(after.rss),
      before ? mb(before.rss) : '–',
      mb(copy.rss),
    ].join(' | '),
  );
  if (size === 100) {
    row(
      'copy',
      'int8-pc quantize time / file copy (100 MB)',
      f2(after.s / copy.s),
      before ? f2(before.s / copy.s) : '–',
      `${f2(after.s)} s vs copy ${f2(copy.s)} s`,
      '≤ 2.5',
    );
    row(
      'memory',
      'peak RSS / model size (100 MB)',
      f2(after.rss / bytes),
      before ? f2(before.rss / bytes) : '–',
      `node baseline ${mb(help.rss)} MB RSS`,
      '≤ 1.5',
    );
    row(
      'memory',
      '(peak RSS − bare CLI RSS) / model',
      f2((after.rss - help.rss) / bytes),
      before ? f2((before.rss - (helpBefore?.rss ?? help.rss)) / bytes) : '–',
      'what the model itself costs',
      '',
    );
  }
  rmSync(model);
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
  rmSync(model);
  rmSync(model + '_data');
  rmSync(out);
  rmSync(out + '_data');
  row('> 2 GiB', 'fp16 of ~5 GB, external data', f2(r.s), '–', large, 'loads in ORT');
}
rmSync(tmp, { recursive: true, force: true });

// Scaling exponent between the smallest model of ≥ 10 MB and the largest: time ∝ size^k (1 = linear).
const big = points.filter((p) => p.bytes >= 10 * 2 ** 20);
const slope = (key: 's' | 'rss') =>
  big.length >= 2
    ? (Math.log(big.at(-1)![key] / big[0][key]) / Math.log(big.at(-1)!.bytes / big[0].bytes)).toFixed(2)
    : 'n/a';
const scaling = `Measured scaling from ${mb(big[0]?.bytes ?? 0)} to ${mb(big.at(-1)?.bytes ?? 0)} MB: time ∝ size^${slope('s')}, peak memory ∝ size^${slope('rss')} (1 = linear).`;
const header = ['area', 'measure', 'after', 'before', 'detail', 'goal'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const growthTable = [
  '| model MB | copy s | quantize s (after) | quantize s (before) | peak RSS MB (after) | peak RSS MB (before) | copy peak RSS MB |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...growth.map((g) => `| ${g} |`),
].join('\n');
console.log(table + '\n\n' + growthTable + '\n\n' + scaling + '\n');

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mb(totalmem())} MB RAM (${mb(freemem())} MB free), node ${process.version}, load average ${loadavg()
  .map((x) => x.toFixed(1))
  .join(' ')} at start`;
const rev = (dir: string) =>
  execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
const commit = rev(ROOT);
writeFileSync(
  join(ROOT, 'docs/performance.md'),
  [
    '# Performance',
    '',
    '<!-- written by `npm run bench` (scripts/bench); edit the script, not this file -->',
    '',
    `Machine: ${machine}. Commit ${commit}${args.before ? `; "before" is the CLI of commit ${rev(resolve(args.before))} (a temporary checkout)` : ''}. Medians of ${RUNS} runs per cell (whole processes timed by GNU time; peak memory is the process's maximum resident set).`,
    'The machine is shared (2 cores, several other jobs): absolute times are noisy, ratios measured in the same run are what to compare.',
    '',
    table,
    '',
    '## Growth (int8 per-channel, synthetic Gemm models)',
    '',
    growthTable,
    '',
    scaling,
    '',
    args.large
      ? ''
      : 'The > 2 GiB case was not run (pass `--large`; it writes ~5 GB to the temp folder and deletes it).',
    '',
  ].join('\n'),
);

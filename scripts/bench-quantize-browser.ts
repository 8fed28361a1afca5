// The studio's RTN threads in one run (issue 12 goal 2): time to quantize a synthetic float model (Gemm 1024×1024
// layers, int8 per-channel) in the studio's quantize worker code in headless Chromium, with the RTN tensors in that
// worker (0 threads, as below 32 MiB) and spread over 1, 2, … nested workers (src/workers/rtn-threads.ts).
// Rounds alternate between thread counts; the best and the median round per count. The exported files must be identical to each other and
// to the CLI core's (one thread, in Node), or the script fails.
// Writes the rows to docs/.bench-quantize-browser.json (read by `npm run bench`) and into docs/performance.md's table.
//   npx tsx scripts/bench-quantize-browser.ts [--mb 150] [--threads 0,1,2] [--rounds 3] [--port 4393]
//     [--render docs/.bench-quantize-browser.json]
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { machineText } from './bench/load-average';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium.mjs';
import { writeInlineModel } from './bench/models';
import { treeCpuMs } from './bench/chromium-procs';
import { buildPages, previewPages } from './bench/vite-preview';
import { patchPerformance, type RowObject } from './bench/patch-performance';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { rtnThreads } from '../src/workers/rtn-threads';
import type { QuantizeBenchPage } from './bench/quantize-browser/page';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '150' },
    threads: { type: 'string', default: '0,1,2' },
    rounds: { type: 'string', default: '3' },
    port: { type: 'string', default: '4393' },
    /** Write docs/performance.md's rows again from a docs/.bench-quantize-browser.json (no measuring). */
    render: { type: 'string' },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const NOTE = 'Studio threads rows: ';
const JSON_PATH = join(ROOT, 'docs/.bench-quantize-browser.json');

type Row = RowObject;
const patch = (rows: Row[], note: string) =>
  patchPerformance(rows, note, { area: 'studio threads', notePrefix: NOTE, also: [JSON_PATH] });
if (args.render) {
  const saved = JSON.parse(readFileSync(args.render, 'utf8')) as { rows: Row[]; note: string };
  patch(saved.rows, saved.note);
  process.exit(0);
}

const THREADS = args.threads!.split(',').map(Number);
const ROUNDS = Number(args.rounds);
const CONFIG = normalizeConfig({ bits: 8, granularity: 'channel' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f2 = (x: number) => x.toFixed(2);
const load0 = loadavg();
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-threads-'));

const outDir = join(tmp, 'dist');
await buildPages(outDir, [join(ROOT, 'scripts/bench/quantize-browser/index.html')]);
const modelPath = join(outDir, 'model.onnx');
const bytes = writeInlineModel(modelPath, Number(args.mb));
const cliDigest = createHash('sha256')
  .update(
    (await runQuantization(parseModel(new Uint8Array(readFileSync(modelPath)), 'bench.onnx'), CONFIG, 'cli'))
      .bytes,
  )
  .digest('hex');

const server = await previewPages(outDir, Number(args.port));
const chromiumServer = await chromium.launchServer(chromiumLaunchOptions());
const browser = await chromium.connect(chromiumServer.wsEndpoint());
const times = new Map<number, number[]>(THREADS.map((t) => [t, []]));
const cpuTimes = new Map<number, number[]>(THREADS.map((t) => [t, []]));
let cores = 0;
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/scripts/bench/quantize-browser/index.html`);
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  type W = { bench: QuantizeBenchPage };
  const run = (t: number, id: string) =>
    page.evaluate(([t, id, c]) => (window as unknown as W).bench.quantize(t, id, c), [
      t,
      id,
      CONFIG,
    ] as const);
  const digest = (id: string) => page.evaluate((id) => (window as unknown as W).bench.digest(id), id);
  cores = (await page.evaluate(() => (window as unknown as W).bench.info())).hardwareConcurrency;
  await page.evaluate((url) => (window as unknown as W).bench.open(url), '/model.onnx');
  // A first run per thread count, not timed (worker scripts load, the JIT warms up); its output is checked.
  for (const t of THREADS) {
    await run(t, `warm-${t}`);
    if ((await digest(`warm-${t}`)) !== cliDigest)
      throw new Error(`${t} threads: the export differs from the CLI core's (one thread)`);
  }
  for (let r = 0; r < ROUNDS; r++)
    for (const t of THREADS) {
      const cpu0 = treeCpuMs(chromiumServer.process().pid!);
      times.get(t)!.push(await run(t, `r${r}-${t}`));
      cpuTimes.get(t)!.push(treeCpuMs(chromiumServer.process().pid!) - cpu0);
      await digest(`r${r}-${t}`); // drops the run
    }
} finally {
  await browser.close();
  await chromiumServer.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}

// Wall time: the best round of each count is the one least disturbed by other processes on a shared machine (the
// medians are in the detail). CPU time of Chromium's processes (the workers are their threads) says what the work
// costs whatever the load: the medians of the same rounds.
const best = (xs: number[]) => Math.min(...xs);
const base = THREADS.includes(0) ? 0 : THREADS[0];
const baseLabel = base === 0 ? 'all in the quantize worker' : `${base} threads`;
const mbIn = (bytes / 2 ** 20).toFixed(0);
const sec = (ms: number) => f2(ms / 1000);
const rows = THREADS.filter((t) => t !== base).flatMap((t) => {
  const [xs, bs] = [times.get(t)!, times.get(base)!];
  const [cs, cb] = [cpuTimes.get(t)!, cpuTimes.get(base)!];
  const label = `${t} RTN thread${t === 1 ? '' : 's'}`;
  const chosen = t === rtnThreads(cores) ? `; the studio's choice for ${cores} logical cores` : '';
  return [
    {
      area: 'studio threads',
      measure: `studio quantize worker, int8-pc ${mbIn} MB in Chromium: ${label} / ${baseLabel} (wall, best of ${ROUNDS})`,
      after: f2(best(xs) / best(bs)),
      before: '–',
      detail: `best ${sec(best(xs))} s vs ${sec(best(bs))} s (${f2(bytes / 1e9 / (best(xs) / 1000))} GB/s of input); medians ${sec(median(xs))} s vs ${sec(median(bs))} s (${f2(median(xs) / median(bs))}); same bytes as the CLI core${chosen}`,
      goal: '',
    },
    {
      area: 'studio threads',
      measure: `same, CPU time of Chromium's processes, ${label} / ${baseLabel} (median)`,
      after: f2(median(cs) / median(cb)),
      before: '–',
      detail: `${sec(median(cs))} s vs ${sec(median(cb))} s`,
      goal: '',
    },
  ];
});
const machine = machineText(load0, `navigator.hardwareConcurrency ${cores}`);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const perRound = THREADS.map(
  (t) =>
    `${t}: ${times
      .get(t)!
      .map((x) => (x / 1000).toFixed(2))
      .join(', ')} s`,
).join('; ');
console.log(`${machine}\nwall time per round and thread count (0 = in the quantize worker): ${perRound}`);
for (const r of rows) console.log(`${r.measure}: ${r.after} (${r.detail})`);

const note = `${NOTE}\`npx tsx scripts/bench-quantize-browser.ts\` (commit ${commit}; ${machine}): the studio's quantize worker code in headless Chromium, one ${mbIn} MB model opened once, ${ROUNDS} alternating rounds per thread count after an untimed one (threads kept between runs, as in a batch), CPU time from /proc for Chromium's process tree; every export identical to the CLI core's.`;
writeFileSync(
  JSON_PATH,
  JSON.stringify(
    { commit, machine, rounds: ROUNDS, times, cpuTimes, rows, note },
    (_, v) => (v instanceof Map ? Object.fromEntries(v) : v),
    2,
  ) + '\n',
);

patch(rows, note);

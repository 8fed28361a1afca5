// The studio on the 2.6 GB LLM-shaped model (issue 12 goal 3, in the browser): the real studio page (a production
// build under `vite preview`) in headless Chromium opens model.onnx + model.onnx_data through its file input (paths:
// Playwright hands a local browser the paths, the test process never reads the files), quantizes int4 block-32 and
// int8 per-channel, and downloads the result. Chromium's process tree is sampled from /proc every 50 ms: the peak
// of its summed proportional set size (PSS) over open + quantize + download, against the model's size (the summed
// resident memory, which counts shared pages once per process, is the detail). A fresh browser per config (a
// profile on disk, as a user's), so one run's memory does not carry into the other's. The downloads are loaded in
// onnxruntime-node.
//   npx tsx scripts/bench/studio-large.ts [--mb 2600] [--port 4394] [--only int8]
// prints the rows and, for the whole 2.6 GB run, writes them into docs (`npm run bench --large` runs it too).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { loadText, machineText } from './load-average';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';
import {
  launchedBrowserPid,
  treeCpuMs,
  TreeMemorySampler,
  type MemoryPeak,
  type TreeMemory,
} from './chromium-procs';
import type { Row } from './extra-rows';
import { writeLlmModel } from './models';
import { buildPages, previewPages } from './vite-preview';
import { patchPerformance } from './patch-performance';
import { blobReadRow, measureBlobRead } from './blob-read';

const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
/** The rows' area in docs/performance.md, and the note under the table when this script wrote them. */
export const AREA = 'studio, 2.6 GB';
const NOTE = 'Studio 2.6 GB rows: ';
/** How the rows are measured: the paragraph under the growth table (written by `npm run bench --large` and here). */
export const DESCRIPTION =
  "The \"studio, 2.6 GB\" rows are scripts/bench/studio-large.ts: the studio's production build under `vite preview` in headless Chromium (a fresh browser per config with a profile on disk, as a user's: Playwright's usual incognito contexts keep the origin private file system and Blobs in memory), model.onnx + model.onnx_data picked in its file input by path (the bench process never reads them), the config set in the page and Quantize clicked once the page's views of the model (error curve at every bit width, histograms) are computed; GB/s is the model's bytes over the time from the click to the variant done. " +
  "Peak memory is the highest sum of the proportional set size (Pss in /proc/PID/smaps_rollup) over Chromium's process tree, sampled every 50 ms through opening, the config change, quantizing and the download. " +
  'Chromium is a dozen processes (browser, renderer, GPU, network, storage, zygote) that map the same executable, libraries, fonts and shared-memory IPC buffers: the resident sizes (VmRSS) count each of those pages once in every process that maps it, so their sum is more than the machine gives the browser (the idle page alone sums to about 0.9 GB). ' +
  "PSS counts a page shared by n processes as 1/n in each, so the tree's PSS sum counts every page once in all: the memory the browser takes, and what it would give back on closing. " +
  '(Pages also shared with processes outside the tree, such as another browser running on the machine, are divided with those too; the detail gives the file-backed part, Pss_File, which is where that happens.) ' +
  "The detail keeps the RSS sum, the idle page in both measures, each phase's peak, and the process kinds at the peak. The download is compared byte for byte with `qstudio quantize` of the same files and loaded in onnxruntime-node.";
const CLI = join(import.meta.dirname, '../../bin/qstudio.mjs');
const LONG = 15 * 60_000; // a 2.6 GB run on a loaded 2-core machine: minutes, not a hang

interface Config {
  label: string;
  bits: string;
  granularity: 'Block' | 'Channel';
  /** The same config for `qstudio quantize`. */
  cli: string[];
}
const CONFIGS: Config[] = [
  {
    label: 'int4 block-32 (MatMulNBits)',
    bits: '4-bit',
    granularity: 'Block',
    cli: ['--bits', '4', '--granularity', 'block', '--block-size', '32'],
  },
  {
    label: 'int8 per-channel (QDQ)',
    bits: '8-bit',
    granularity: 'Channel',
    cli: ['--bits', '8', '--granularity', 'channel'],
  },
];

interface StudioRun {
  config: Config;
  openS: number;
  /** Growth of this (the test) process's RSS across setInputFiles. */
  pickRss: number;
  /** Until the page's views of the opened model were computed, from the file pick; then after the config change. */
  viewsOpenS: number;
  viewsConfigS: number;
  quantizeS: number;
  /** CPU time of Chromium's processes over the same span (user + system, all threads): the cost whatever the load. */
  quantizeCpuS: number;
  downloadS: number;
  /** The tree once the empty page is shown. */
  idle: TreeMemory;
  peak: MemoryPeak;
  /** performance.measureUserAgentSpecificMemory() after quantizing and after the download, or why not. */
  uaMemory: string;
  /** Longest gap between animation frames during the quantize (the page's responsiveness). */
  maxFrameGapMs: number;
  outBytes: number;
  files: string[];
  /** Load average (1, 5, 15 min) at the start and end of the run: 2 cores shared with other jobs. */
  load: string;
  ort: string;
}

/**
 * performance.measureUserAgentSpecificMemory(), in MB, by realm (the page, each worker by its script's name) and
 * kind (JavaScript includes ArrayBuffers and WebAssembly memories): which worker holds what.
 */
async function measureUaMemory(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const p = performance as Performance & {
      measureUserAgentSpecificMemory?: () => Promise<{
        bytes: number;
        breakdown: { bytes: number; types: string[]; attribution: { url?: string; scope?: string }[] }[];
      }>;
    };
    if (!self.crossOriginIsolated || !p.measureUserAgentSpecificMemory) return 'not available';
    const m = await p.measureUserAgentSpecificMemory();
    const by: Record<string, number> = {};
    for (const b of m.breakdown) {
      const realm = b.attribution
        .map((a) =>
          a.scope === 'Window' ? 'page' : (a.url ?? '').split('/').pop()?.split(/[-.?]/)[0] || a.scope,
        )
        .join('+');
      const k = `${realm || 'shared'} ${b.types.join('+') || 'other'}`;
      by[k] = (by[k] ?? 0) + b.bytes;
    }
    const parts = Object.entries(by)
      .filter(([, v]) => v >= 2 ** 20)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)}`);
    return `${(m.bytes / 2 ** 20).toFixed(0)} MB (${parts.join(', ')})`;
  });
}

async function runOne(url: string, model: string, config: Config, tmp: string): Promise<StudioRun> {
  const opts = chromiumLaunchOptions();
  const load0 = loadavg();
  // A profile on disk, as a user's: Playwright's usual contexts are incognito, where the origin private file system
  // and Blobs are kept in the browser process's memory instead of on disk.
  const profile = mkdtempSync(join(tmp, 'profile-'));
  const browser = await chromium.launchPersistentContext(profile, {
    ...opts,
    // measureUserAgentSpecificMemory otherwise waits for a garbage collection (up to 20 s) before it answers.
    args: [...opts.args, '--enable-blink-features=ForceEagerMeasureMemory'],
    acceptDownloads: true,
  });
  try {
    const browserPid = launchedBrowserPid();
    const sampler = new TreeMemorySampler(browserPid);
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(url);
    await page.getByTestId('drop-zone').waitFor();
    const idle = sampler.read();
    sampler.start();
    sampler.mark('open');
    const t0 = Date.now();
    const nodeRss = process.memoryUsage.rss();
    await page.getByTestId('model-file-input').setInputFiles([model, model + '_data']);
    // Paths go to a local browser as paths: this process never reads the 2.6 GB (its RSS says so).
    const pickRss = process.memoryUsage.rss() - nodeRss;
    const summary = page.getByTestId('model-summary');
    await summary.and(page.locator('[data-status=ready]')).waitFor({ timeout: LONG });
    const openS = (Date.now() - t0) / 1000;

    // The page computes its views of the model in the quantize worker (the whole model's error at every bit width
    // for the chosen scheme and granularity, the largest weight's histograms): the quantize run is timed once they
    // are done, and that time is reported on its own.
    const curve = page.getByTestId('plot-error-curve');
    await curve.scrollIntoViewIfNeeded();
    await curve.and(page.locator('[data-status=ready]')).waitFor({ timeout: LONG });
    const viewsOpenS = (Date.now() - t0) / 1000;
    const uaAfterOpen = await measureUaMemory(page);
    const tc = Date.now();
    sampler.mark('config');
    await page.getByRole('radio', { name: config.granularity, exact: true }).check();
    if (config.granularity === 'Block') await page.getByLabel('Block size').selectOption('32');
    for (const box of await page.getByTestId('bit-widths').getByRole('checkbox').all()) {
      const label = (await box.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
      await box.setChecked(label === config.bits);
    }
    await curve
      .and(page.locator('[data-status=loading]'))
      .waitFor({ timeout: 5000 })
      .catch(() => undefined); // the default config needs no new curve
    await curve.and(page.locator('[data-status=ready]')).waitFor({ timeout: LONG });
    const viewsConfigS = (Date.now() - tc) / 1000;
    const uaAfterConfig = await measureUaMemory(page);
    // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
    await page.evaluate(`(() => {
      window.maxGap = 0;
      window.gapLoop = true;
      let last = performance.now();
      const tick = (t) => {
        window.maxGap = Math.max(window.maxGap, t - last);
        last = t;
        if (window.gapLoop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const t1 = Date.now();
    const cpu1 = treeCpuMs(browserPid);
    sampler.mark('quantize');
    await page.getByRole('button', { name: 'Quantize', exact: true }).click();
    const row = page.locator('[data-testid=variant-list] > li');
    await row.and(page.locator('[data-status=done], [data-status=error]')).waitFor({ timeout: LONG });
    const quantizeS = (Date.now() - t1) / 1000;
    const quantizeCpuS = (treeCpuMs(browserPid) - cpu1) / 1000;
    if ((await row.getAttribute('data-status')) === 'error')
      throw new Error(`${config.label}: the studio's run failed: ${await row.innerText()}`);
    const maxFrameGapMs = await page.evaluate(() => {
      const w = window as unknown as { maxGap: number; gapLoop: boolean };
      w.gapLoop = false;
      return w.maxGap;
    });
    const uaAfterQuantize = await measureUaMemory(page);

    // The download as a user clicks it: one file below 2 GiB (two, model.onnx + model.onnx_data, above).
    const id = (await row.getAttribute('data-testid'))!.replace(/^variant-/, '');
    const t2 = Date.now();
    sampler.mark('download');
    const downloads: Promise<string>[] = [];
    page.on('download', (d) => {
      const path = join(tmp, d.suggestedFilename());
      downloads.push(d.saveAs(path).then(() => path));
    });
    await page.getByTestId(`download-${id}`).getByRole('button').click();
    await page
      .getByTestId(`download-${id}`)
      .and(page.locator('[data-status=ready], [data-status=error]'))
      .waitFor({ timeout: LONG });
    if ((await page.getByTestId(`download-${id}`).getAttribute('data-status')) === 'error')
      throw new Error(
        `${config.label}: the download failed: ${await page.getByTestId(`download-${id}`).innerText()}`,
      );
    while (downloads.length === 0) await new Promise((r) => setTimeout(r, 50));
    const files = await Promise.all(downloads);
    const downloadS = (Date.now() - t2) / 1000;
    const uaAfterDownload = await measureUaMemory(page);
    const peak = sampler.stop();
    const main = files.find((f) => f.endsWith('.onnx'))!;
    const check = spawnSync('node', [join(import.meta.dirname, 'load-check.mjs'), main], {
      encoding: 'utf8',
    });
    const ort =
      check.status === 0
        ? check.stdout.trim()
        : 'FAILED ' + check.stderr.trim().split('\n').slice(-3).join(' ');
    // The CLI on the same files and config: the studio's download must be its bytes.
    const cliOut = join(tmp, `cli-${basename(main)}`);
    const cli = spawnSync('node', [CLI, 'quantize', model, '-o', cliOut, ...config.cli], {
      encoding: 'utf8',
    });
    const sameAsCli =
      cli.status === 0 && spawnSync('cmp', ['-s', main, cliOut]).status === 0 && files.length === 1;
    rmSync(cliOut, { force: true });
    rmSync(cliOut + '_data', { force: true });
    if (!sameAsCli) throw new Error(`${config.label}: the studio's download differs from the CLI's output`);
    const outBytes = files.reduce((a, f) => a + statSync(f).size, 0);
    for (const f of files) rmSync(f);
    return {
      config,
      openS,
      pickRss,
      viewsOpenS,
      viewsConfigS,
      quantizeS,
      quantizeCpuS,
      downloadS,
      idle,
      peak,
      uaMemory: `after the views at open ${uaAfterOpen}; after the config change ${uaAfterConfig}; after quantizing ${uaAfterQuantize}; after the download ${uaAfterDownload}`,
      maxFrameGapMs,
      outBytes,
      files: files.map((f) => basename(f)),
      load: `${loadText(load0)} → ${loadText()}`,
      ort,
    };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Rows for the bench table: GB/s of input and peak memory / model, per config. */
export async function studioLargeBench(opts: {
  tmp: string;
  port: number;
  mb?: number;
  /** Only the configs whose label starts with this (a quicker look). */
  only?: string;
}): Promise<Row[]> {
  const dir = mkdtempSync(join(opts.tmp, 'studio-'));
  const dist = join(dir, 'dist');
  await buildPages(dist);
  const model = join(dir, 'llm.onnx');
  const bytes = await writeLlmModel(model, opts.mb ?? 2600);
  const server = await previewPages(dist, opts.port);
  const rows: Row[] = [];
  try {
    for (const config of CONFIGS.filter((c) => !opts.only || c.label.startsWith(opts.only))) {
      const r = await runOne(server.url, model, config, dir);
      const byKind = (m: Record<string, number>, top = Infinity) =>
        Object.entries(m)
          .sort((x, y) => y[1] - x[1])
          .slice(0, top)
          .map(([k, v]) => `${k} ${mb(v)}`)
          .join(', ');
      const at = r.peak.atPeak;
      // Per phase: the tree's PSS and RSS peaks, and the renderer's and the browser process's own PSS peaks in it.
      const phases = Object.entries(r.peak.phases)
        .map(([k, v]) => {
          const kinds = r.peak.phaseKindPeaks[k] ?? {};
          return `${k} ${mb(v.pss)} / ${mb(v.rss)} (renderer ${mb(kinds.renderer ?? 0)}, browser ${mb(kinds.browser ?? 0)})`;
        })
        .join(', ');
      rows.push(
        [
          AREA,
          `${r.config.label}: GB/s of input (quantize, wall)`,
          f2(bytes / 1e9 / r.quantizeS),
          '–',
          `${f2(r.quantizeS)} s from the click to the variant done (CPU time of Chromium's processes ${f2(r.quantizeCpuS)} s: ${f2(bytes / 1e9 / r.quantizeCpuS)} GB per CPU second); open ${f2(r.openS)} s, the page's views of it (error curve at every bit width, histograms) ${f2(r.viewsOpenS)} s and again ${f2(r.viewsConfigS)} s after the config change, before the click; download ${f2(r.downloadS)} s (${r.files.join(' + ')}, ${mb(r.outBytes)} MB); longest frame gap while quantizing ${r.maxFrameGapMs.toFixed(0)} ms; the CLI's bytes; onnxruntime-node: ${r.ort}; load average ${r.load}`,
          '≥ 1',
        ],
        [
          AREA,
          `${r.config.label}: peak PSS of Chromium / model (open, config, quantize, download)`,
          f2(r.peak.pss / bytes),
          '–',
          `${mb(r.peak.pss)} MB PSS summed over Chromium's processes, ${Math.round(r.peak.atMs / 1000)} s in (${byKind(at.pssByKind)} MB; of it file-backed ${mb(at.pssFile)} MB; the RSS sum then ${mb(at.rss)} MB); idle page ${mb(r.idle.pss)} MB PSS (${mb(r.idle.rss)} MB RSS), peak − idle ${f2((r.peak.pss - r.idle.pss) / bytes)}× the model; by phase, PSS / RSS: ${phases} MB; each kind's own PSS peak: ${byKind(r.peak.kindPeaks, 3)} MB; RSS sum peak ${mb(r.peak.rss)} MB (${f2(r.peak.rss / bytes)}× the model), anonymous ${mb(r.peak.anon)} MB, shared memory ${mb(r.peak.shmem)} MB; ${r.peak.samples} samples; the bench process grew ${mb(r.pickRss)} MB across setInputFiles (paths, not bytes); measureUserAgentSpecificMemory (the page and its workers): ${r.uaMemory}`,
          '≤ 0.5',
        ],
      );
    }
    rows.push(blobReadRow(AREA, await measureBlobRead([model, `${model}_data`]), cpus().length));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Standalone: measures, prints, and writes docs/.bench-studio-large.json and these rows into docs/performance.md. */
if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      mb: { type: 'string', default: '2600' },
      port: { type: 'string', default: '4394' },
      only: { type: 'string' },
    },
  });
  const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-studio-'));
  const load0 = loadavg();
  let rows: Row[];
  try {
    rows = await studioLargeBench({
      tmp,
      port: Number(values.port),
      mb: Number(values.mb),
      only: values.only,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const r of rows) console.log(`${r[1]}: ${r[2]} (goal ${r[5]})\n  ${r[4]}`);
  if (values.mb === '2600' && !values.only) {
    const root = join(import.meta.dirname, '../..');
    const json = join(root, 'docs/.bench-studio-large.json');
    const machine = machineText(load0);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const objects = rows.map(([area, measure, after, before, detail, goal]) => ({
      area,
      measure,
      after,
      before,
      detail,
      goal,
    }));
    const note = `${NOTE}\`npx tsx scripts/bench/studio-large.ts\` (commit ${commit}; ${machine}); \`npm run bench --large\` measures them in its own run.`;
    writeFileSync(json, JSON.stringify({ commit, machine, rows: objects, note }, null, 2) + '\n');
    // The paragraph saying how the rows are measured, as `npm run bench --large` writes it.
    const perf = join(root, 'docs/performance.md');
    const lead = DESCRIPTION.slice(0, DESCRIPTION.indexOf(':'));
    const doc = readFileSync(perf, 'utf8').split('\n');
    const at = doc.findIndex((l) => l.startsWith(lead));
    if (at >= 0) {
      doc[at] = DESCRIPTION;
      writeFileSync(perf, doc.join('\n'));
    }
    patchPerformance(objects, note, { area: AREA, notePrefix: NOTE, also: [json] });
  }
}

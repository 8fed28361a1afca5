// The studio on the 2.6 GB LLM-shaped model (issue 12 goal 3, in the browser): the real studio page (a production
// build under `vite preview`) in headless Chromium opens model.onnx + model.onnx_data through its file input (paths:
// Playwright hands a local browser the paths, the test process never reads the files), quantizes int4 block-32 and
// int8 per-channel, and downloads the result. Chromium's process tree is sampled from /proc every 50 ms: the peak
// of its summed resident memory over open + quantize + download, against the model's size. A fresh browser per
// config, so one run's memory does not carry into the other's. The downloads are loaded in onnxruntime-node.
//   npx tsx scripts/bench/studio-large.ts [--mb 2600] [--port 4394]   (prints the rows; `npm run bench --large`
//   runs it too)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';
import { launchedBrowserPid, TreeMemorySampler, type MemoryPeak } from './chromium-procs';
import type { Row } from './extra-rows';
import { writeLlmModel } from './models';
import { buildPages, previewPages } from './vite-preview';

const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const LONG = 15 * 60_000; // a 2.6 GB run on a loaded 2-core machine: minutes, not a hang

interface Config {
  label: string;
  bits: string;
  granularity: 'Block' | 'Channel';
}
const CONFIGS: Config[] = [
  { label: 'int4 block-32 (MatMulNBits)', bits: '4-bit', granularity: 'Block' },
  { label: 'int8 per-channel (QDQ)', bits: '8-bit', granularity: 'Channel' },
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
  downloadS: number;
  idle: number;
  peak: MemoryPeak;
  /** performance.measureUserAgentSpecificMemory() after quantizing and after the download, or why not. */
  uaMemory: string;
  /** Longest gap between animation frames during the quantize (the page's responsiveness). */
  maxFrameGapMs: number;
  outBytes: number;
  files: string[];
  ort: string;
}

async function measureUaMemory(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const p = performance as Performance & {
      measureUserAgentSpecificMemory?: () => Promise<{
        bytes: number;
        breakdown: { bytes: number; types: string[] }[];
      }>;
    };
    if (!self.crossOriginIsolated || !p.measureUserAgentSpecificMemory) return 'not available';
    const m = await p.measureUserAgentSpecificMemory();
    const by: Record<string, number> = {};
    for (const b of m.breakdown) {
      const k = b.types.join('+') || 'other';
      by[k] = (by[k] ?? 0) + b.bytes;
    }
    const parts = Object.entries(by).map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)}`);
    return `${(m.bytes / 2 ** 20).toFixed(0)} MB (${parts.join(', ')})`;
  });
}

async function runOne(url: string, model: string, config: Config, tmp: string): Promise<StudioRun> {
  const opts = chromiumLaunchOptions();
  // measureUserAgentSpecificMemory otherwise waits for a garbage collection (up to 20 s) before it answers.
  const browser = await chromium.launch({
    ...opts,
    args: [...opts.args, '--enable-blink-features=ForceEagerMeasureMemory'],
  });
  try {
    const sampler = new TreeMemorySampler(launchedBrowserPid());
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByTestId('drop-zone').waitFor();
    const idle = sampler.read().rss;
    sampler.start();
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
    const tc = Date.now();
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
    await page.getByRole('button', { name: 'Quantize', exact: true }).click();
    const row = page.locator('[data-testid=variant-list] > li');
    await row.and(page.locator('[data-status=done], [data-status=error]')).waitFor({ timeout: LONG });
    const quantizeS = (Date.now() - t1) / 1000;
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
    const outBytes = files.reduce((a, f) => a + statSync(f).size, 0);
    for (const f of files) rmSync(f);
    return {
      config,
      openS,
      pickRss,
      viewsOpenS,
      viewsConfigS,
      quantizeS,
      downloadS,
      idle,
      peak,
      uaMemory: `after quantizing ${uaAfterQuantize}; after the download ${uaAfterDownload}`,
      maxFrameGapMs,
      outBytes,
      files: files.map((f) => basename(f)),
      ort,
    };
  } finally {
    await browser.close();
  }
}

/** Rows for the bench table: GB/s of input and peak memory / model, per config. */
export async function studioLargeBench(opts: { tmp: string; port: number; mb?: number }): Promise<Row[]> {
  const dir = mkdtempSync(join(opts.tmp, 'studio-'));
  const dist = join(dir, 'dist');
  await buildPages(dist);
  const model = join(dir, 'llm.onnx');
  const bytes = await writeLlmModel(model, opts.mb ?? 2600);
  const server = await previewPages(dist, opts.port);
  const rows: Row[] = [];
  try {
    for (const config of CONFIGS) {
      const r = await runOne(server.url, model, config, dir);
      const kinds = Object.entries(r.peak.byKind)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${mb(v)}`)
        .join(', ');
      rows.push(
        [
          'studio, 2.6 GB',
          `${r.config.label}: GB/s of input (quantize, wall)`,
          f2(bytes / 1e9 / r.quantizeS),
          '–',
          `${f2(r.quantizeS)} s from the click to the variant done; open ${f2(r.openS)} s, the page's views of it (error curve at every bit width, histograms) ${f2(r.viewsOpenS)} s and again ${f2(r.viewsConfigS)} s after the config change, before the click; download ${f2(r.downloadS)} s (${r.files.join(' + ')}, ${mb(r.outBytes)} MB); longest frame gap while quantizing ${r.maxFrameGapMs.toFixed(0)} ms; onnxruntime-node: ${r.ort}`,
          '≥ 1',
        ],
        [
          'studio, 2.6 GB',
          `${r.config.label}: peak RSS of Chromium / model (open, quantize, download)`,
          f2(r.peak.rss / bytes),
          '–',
          `${mb(r.peak.rss)} MB summed over Chromium's processes (${kinds} MB at the peak; anonymous memory peak ${mb(r.peak.anon)} MB); idle page ${mb(r.idle)} MB, peak − idle ${f2((r.peak.rss - r.idle) / bytes)}× the model; ${r.peak.samples} samples; the bench process grew ${mb(r.pickRss)} MB across setInputFiles (paths, not bytes); measureUserAgentSpecificMemory: ${r.uaMemory}`,
          '≤ 0.5',
        ],
      );
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: { mb: { type: 'string', default: '2600' }, port: { type: 'string', default: '4394' } },
  });
  const tmp = mkdtempSync(join(tmpdir(), 'qstudio-bench-studio-'));
  try {
    const rows = await studioLargeBench({ tmp, port: Number(values.port), mb: Number(values.mb) });
    for (const r of rows) console.log(`${r[1]}: ${r[2]} (goal ${r[5]})\n  ${r[4]}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import {
  FREEZE_GOAL_MS,
  LONG_TASK_BUDGET_MS,
  MNIST_PNG_DIR,
  dropFiles,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  folderFiles,
  prepareSampleDrop,
  quantize,
} from './helpers';

// Issue 10 item 3: main-thread long tasks from the demo model's drop to its plots, while reading a 1,000-image
// folder, quantizing and evaluating. PerformanceObserver('longtask') runs from the first script on the page; each
// phase owns the tasks that start inside it; 'long-animation-frame' names the script in each. Playwright's trace
// snapshots run in the page and would be long tasks themselves: no trace here.
// The goal is FREEZE_GOAL_MS in every phase. It is NOT met yet: one plotly draw, and React's render of a
// newly opened model, each take longer on our shared 2-core machine (docs/vite-ort.md has the measured runs). So the
// timed assertion (LONG_TASK_BUDGET_MS, as in responsiveness.spec.ts) covers the phase this work made small, the
// folder read; every phase's numbers, the goal and the load average are annotated. Asserted without timing: only
// plotly's partial bundle loads.
test.use({ trace: 'off' });
test.describe.configure({ timeout: 300_000 });

const DEMO = resolve(REPO_ROOT, 'public/demo/mnist-8.onnx');

interface Task {
  start: number;
  duration: number;
}
interface Frame {
  start: number;
  end: number;
  scripts: string[];
}
type Win = { __tasks: Task[]; __frames: Frame[] };

/** Every plot on the page drawn (each is scrolled to: plots draw only near the viewport). */
async function plotsDrawn(page: Page): Promise<number> {
  const plots = await page.locator('.plot-canvas').all();
  for (const plot of plots) {
    await plot.scrollIntoViewIfNeeded();
    await expect(plot).toHaveAttribute('data-status', /^(ready|empty)$/);
  }
  return plots.length;
}

test('main-thread long tasks: model drop → plots, a 1,000-image read, quantize, evaluate', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const w = window as unknown as Win;
    w.__tasks = [];
    w.__frames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    type Script = { duration: number; invoker: string; sourceURL: string; sourceFunctionName: string };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { scripts: Script[] })[]) {
        w.__frames.push({
          start: e.startTime,
          end: e.startTime + e.duration,
          scripts: e.scripts
            .filter((s) => s.duration >= 10)
            .map((s) => `${Math.round(s.duration)} ms ${s.invoker} ${s.sourceURL.split('/').pop()}`),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  });
  const load0 = loadavg()[0];
  const phases: { name: string; from: number; to: number; asserted: boolean }[] = [];
  const now = () => page.evaluate(() => performance.now());
  const phase = async (name: string, run: () => Promise<unknown>, asserted = true) => {
    const from = await now();
    await run();
    phases.push({ name, from, to: await now(), asserted });
  };

  await page.goto('/');
  // Landing: the app's first script, then plotly fetched and evaluated while the page is idle (one task the
  // browser cannot split: reported, not part of the window).
  await expect(page.locator('html')).toHaveAttribute('data-plotly', 'loaded');
  phases.push({ name: 'landing (idle plotly load)', from: 0, to: await now(), asserted: false });
  // Only the partial bundle loads (the full plotly.js-dist-min is 4.8 MB).
  const plotlyBytes = await page.evaluate(
    () =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) =>
        r.name.includes('plotly'),
      )?.decodedBodySize ?? 0,
  );
  expect(plotlyBytes).toBeGreaterThan(0);
  expect(plotlyBytes).toBeLessThan(2_000_000);

  await phase(
    'model drop → plots',
    async () => {
      await dropFiles(page, [fileFromPath(DEMO)]);
      await expectModelReady(page, 'mnist-8.onnx');
      expect(await plotsDrawn(page)).toBeGreaterThan(0);
    },
    false,
  );
  // A folder drop built in the page before the phase starts (building it is the test's work, not the app's).
  const drop = await prepareSampleDrop(page, folderFiles(MNIST_PNG_DIR, 'png'), 'entries');
  await phase('folder drop: read 1,000 images', async () => {
    await drop();
    await expectSamplesReady(page, 1000);
    await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
    await expect(page.getByTestId('preview-sample')).toHaveCount(8);
  });
  // The folder picker hands the page disk-backed Files: Chromium builds the FileList of 1,002 files on the main
  // thread before our change handler runs (reported; the app's own part shows in the frame's scripts).
  await phase(
    'folder picker: read 1,000 images',
    async () => {
      await page.getByTestId('samples-folder-input').setInputFiles(MNIST_PNG_DIR);
      await expect(page.getByTestId('sample-drop')).toHaveAttribute('data-status', 'ready');
      await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
    },
    false,
  );
  await phase(
    'quantize 8 + 4 bit → plots',
    async () => {
      await quantize(page, ['8-bit', '4-bit']);
      await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle', {
        timeout: 120_000,
      });
      await plotsDrawn(page);
    },
    false,
  );
  await phase(
    'evaluate → plots',
    async () => {
      await evaluate(page, 180_000);
      await plotsDrawn(page);
    },
    false,
  );

  const { tasks, frames } = await page.evaluate(() => {
    const w = window as unknown as Win;
    return { tasks: w.__tasks, frames: w.__frames };
  });
  const load1 = loadavg()[0];
  const report = phases.map(({ name, from, to, asserted }) => {
    const mine = tasks.filter((t) => t.start >= from && t.start < to);
    const longest = mine.reduce<Task | null>((a, t) => (a && a.duration >= t.duration ? a : t), null);
    const frame = longest && frames.find((f) => f.start <= longest.start + 1 && longest.start < f.end);
    return {
      name,
      asserted,
      max: Math.round(longest?.duration ?? 0),
      over: mine.filter((t) => t.duration > FREEZE_GOAL_MS).length,
      all: mine.map((t) => Math.round(t.duration)),
      longestScripts: frame?.scripts ?? [],
    };
  });
  test.info().annotations.push(
    { type: 'load average (1 min) before / after', description: `${load0.toFixed(2)} / ${load1.toFixed(2)}` },
    { type: 'plotly bundle (bytes)', description: String(plotlyBytes) },
    {
      type: 'goal',
      description: `no main-thread task over ${FREEZE_GOAL_MS} ms (issue 10); asserted: < ${LONG_TASK_BUDGET_MS} ms in the folder read`,
    },
    ...report.map((r) => ({
      type: `long tasks: ${r.name}${r.asserted ? ' (asserted)' : ''}`,
      description: `max ${r.max} ms, ${r.over} over ${FREEZE_GOAL_MS} ms; all ${JSON.stringify(r.all)}; longest: ${r.longestScripts.join(', ') || 'no script over 10 ms (browser work)'}`,
    })),
  );
  for (const r of report.filter((x) => x.asserted)) {
    expect(r.max, `longest main-thread task in "${r.name}"`).toBeLessThan(LONG_TASK_BUDGET_MS);
  }
});

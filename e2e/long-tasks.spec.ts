import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import {
  CALIBRATION_IDLE_MS,
  FREEZE_GOAL_MS,
  FREEZE_MARGIN,
  calibrate,
  freezeBound,
  installCalibration,
} from './calibration';
import {
  MNIST_PNG_DIR,
  dropFiles,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  folderFiles,
  prepareSampleDrop,
} from './helpers';

// Issue 10 item 3: no main-thread task over FREEZE_GOAL_MS from the demo model's drop to its plots, while reading a
// 1,000-image folder, quantizing and evaluating. PerformanceObserver('longtask') runs from the first script on the
// page; each phase owns the tasks that start inside it; 'long-animation-frame' names the script in each, and the
// `plot <testid>` user-timing entries (src/ui/components/Plot.tsx) name the plot behind a task. Playwright's trace
// snapshots run in the page and would be long tasks themselves: no trace here; role locators (an accessibility
// walk of the whole page, tens of ms on its own) are kept out of the measured phases.
//
// Why a calibrated bound and not 50 ms on the clock: the goal is for an idle machine (CI runs this file alone, one
// worker), but on a shared 2-core machine every task stretches with the load (5–10× was seen), and a raw 50 ms
// would fail there for reasons that are not the app's. So the page runs a fixed workload sized to take
// FREEZE_GOAL_MS on the idle machine (DOM + layout + script, e2e/calibration.ts) a few times just before and after
// each phase; its slowest time over CALIBRATION_IDLE_MS is the phase's slowdown, and the bound is FREEZE_GOAL_MS ×
// slowdown (never below FREEZE_GOAL_MS): "no task longer than a 50 ms task takes here now", asserted with
// FREEZE_MARGIN on top (the idle calibration is an estimate; one preempted task is not a regression) while the
// idle-equivalent length of each phase is annotated against the goal itself. Measured the same way in the same page, it follows the load the phase ran under,
// which a load average (annotated too) does not. What it cannot follow is a load burst inside one task.
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

/** A file path: record a Chrome trace of the whole run there, for `node scripts/long-task-trace.mjs <path>`. */
const TRACE = process.env.LONG_TASKS_TRACE;
const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink.user_timing',
  'v8.execute',
  'disabled-by-default-v8.cpu_profiler',
];

test('main-thread long tasks: model drop → plots, a 1,000-image read, quantize, evaluate', async ({
  page,
  browser,
}) => {
  if (TRACE) await browser.startTracing(page, { path: TRACE, categories: TRACE_CATEGORIES });
  await installCalibration(page);
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
  const phases: { name: string; from: number; to: number; slowdown: number; asserted: boolean }[] = [];
  const now = () => page.evaluate(() => performance.now());
  const phase = async (name: string, run: () => Promise<unknown>, asserted = true) => {
    const before = await calibrate(page);
    await page.evaluate((n) => performance.mark(`phase ${n}`), name); // names the phase in a trace
    const from = await now();
    await run();
    const to = await now();
    await page.evaluate(() => performance.mark('phase end'));
    const after = await calibrate(page);
    // The slower of the two: a phase that ran under more load than its neighbours gets that load's allowance.
    phases.push({ name, from, to, slowdown: Math.max(before, after), asserted });
  };

  await page.goto('/');
  // Landing, in two parts. First the app's own first script and render: reported, not asserted — before the
  // issue's window (which starts at the drop), one-off evaluations the browser cannot split (the index chunk: 79–81
  // ms in traces at loads of 2 and 18, building protobuf descriptors), not plotting code. Then plotly fetched,
  // evaluated and warmed up by throwaway draws while the page is idle: asserted like the issue's phases, since a
  // click on the landing page waits for these tasks too. With the cartesian dist, plotly's evaluation was one
  // 350 ms task (slowdown 1.37); the core + bar + heatmap bundle evaluates in 0.16–0.18 of its time (39 ms in a
  // trace at a load of 18; docs/vite-ort.md, "plotly and the main thread").
  await expect(page.locator('html')).toHaveAttribute('data-plotly', 'warm');
  const warm = await now();
  const { plotlyStart, plotlyBytes } = await page.evaluate(() => {
    const r = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) =>
      e.name.includes('plotly'),
    );
    return { plotlyStart: r?.startTime ?? 0, plotlyBytes: r?.decodedBodySize ?? 0 };
  });
  const landingSlowdown = await calibrate(page);
  phases.push(
    { name: 'landing: the app starts', from: 0, to: plotlyStart, slowdown: landingSlowdown, asserted: false },
    {
      name: 'landing: plotly evaluated and warmed up while idle',
      from: plotlyStart,
      to: warm,
      slowdown: landingSlowdown,
      asserted: true,
    },
  );
  // Only our plotly bundle loads: core + bar + heatmap, 1.13 MB (the cartesian dist's chunk was 1.44 MB, the full
  // plotly.js-dist-min 4.8 MB).
  expect(plotlyStart).toBeGreaterThan(0);
  expect(plotlyBytes).toBeGreaterThan(0);
  if (!TRACE) expect(plotlyBytes).toBeLessThan(1_300_000); // a profiling build may be unminified

  await phase('model drop → plots', async () => {
    await dropFiles(page, [fileFromPath(DEMO)]);
    await expectModelReady(page, 'mnist-8.onnx');
    expect(await plotsDrawn(page)).toBeGreaterThan(0);
  });
  // Scrolling away from a drawn plot and back does not draw it again (each draw is a main-thread task).
  const draws = () =>
    page.evaluate(
      () => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('plot ')).length,
    );
  const drawn = await draws();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('.plot-canvas').last().scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 200))));
  expect(await draws()).toBe(drawn);

  // A folder drop built in the page before the phase starts (building it is the test's work, not the app's).
  const drop = await prepareSampleDrop(page, folderFiles(MNIST_PNG_DIR, 'png'), 'entries');
  await phase('folder drop: read 1,000 images', async () => {
    await drop();
    await expectSamplesReady(page, 1000);
    await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
    await expect(page.getByTestId('preview-sample')).toHaveCount(8);
  });
  // The folder picker hands the page disk-backed Files: Chromium builds the FileList of 1,002 files on the main
  // thread before our change handler runs (reported, not asserted: the browser's task, not the app's; the app's
  // own part shows in the frame's scripts). A Chrome trace of it (scripts/long-task-trace.mjs): a 466 ms `input`
  // event task, 460 ms of it with no JS on the stack, 6 ms ours. Out of the page's hands: it stays unasserted.
  await phase(
    'folder picker: read 1,000 images',
    async () => {
      await page.getByTestId('samples-folder-input').setInputFiles(MNIST_PNG_DIR);
      await expect(page.getByTestId('sample-drop')).toHaveAttribute('data-status', 'ready');
      await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
    },
    false,
  );
  await setBitWidths(page, ['8-bit', '4-bit']); // role locators: outside the phase
  // Each draw here is one plotly task (scripts/long-task-trace.mjs). Warm, the histogram's redraw with a trace more
  // takes 12 ms at best on the loaded machine (scripts/bench-plot-draws.mjs); what stretches it in this phase is a
  // first draw of its kind (cold code: the warm-up draws plots shaped like these) and the quantize worker computing
  // the next variant on the same 2 cores, which the calibration around the phase does not see.
  await phase('quantize 8 + 4 bit → plots', async () => {
    await page.getByTestId('quantize-batch').locator('button.btn-primary').click();
    await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle', {
      timeout: 120_000,
    });
    await plotsDrawn(page);
  });
  await phase('evaluate → plots', async () => {
    await evaluate(page, 180_000);
    await plotsDrawn(page);
  });

  if (TRACE) await browser.stopTracing();
  const { tasks, frames, plots } = await page.evaluate(() => {
    const w = window as unknown as Win;
    const plots = performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('plot ') || m.name.startsWith('resize '))
      .map((m) => ({ name: m.name, start: m.startTime, end: m.startTime + m.duration }));
    return { tasks: w.__tasks, frames: w.__frames, plots };
  });
  const load1 = loadavg()[0];
  const report = phases.map(({ name, from, to, slowdown, asserted }) => {
    const mine = tasks.filter((t) => t.start >= from && t.start < to);
    const longest = mine.reduce<Task | null>((a, t) => (a && a.duration >= t.duration ? a : t), null);
    const frame = longest && frames.find((f) => f.start <= longest.start + 1 && longest.start < f.end);
    const plot =
      longest &&
      plots.find((p) => p.start >= longest.start - 1 && p.end <= longest.start + longest.duration + 1);
    const bound = freezeBound(slowdown);
    return {
      name,
      asserted,
      slowdown,
      bound,
      max: Math.round(longest?.duration ?? 0),
      over: mine.filter((t) => t.duration > bound).length,
      all: mine.map((t) => Math.round(t.duration)),
      longest: [plot?.name ?? '', ...(frame?.scripts ?? [])].filter(Boolean),
    };
  });
  test.info().annotations.push(
    { type: 'load average (1 min) before / after', description: `${load0.toFixed(2)} / ${load1.toFixed(2)}` },
    { type: 'plotly bundle (bytes)', description: String(plotlyBytes) },
    {
      type: 'goal',
      description: `no main-thread task over ${FREEZE_GOAL_MS} ms on an idle machine (issue 10); asserted per phase: ${FREEZE_GOAL_MS} ms × slowdown (slowest calibration run / ${CALIBRATION_IDLE_MS} ms) × margin ${FREEZE_MARGIN}`,
    },
    ...report.map((r) => ({
      type: `long tasks: ${r.name}${r.asserted ? ' (asserted)' : ''}`,
      description: `max ${r.max} ms (÷ slowdown ${r.slowdown.toFixed(2)} = ${Math.round(r.max / Math.max(1, r.slowdown))} ms idle-equivalent), bound ${Math.round(r.bound)} ms, ${r.over} over; all ${JSON.stringify(r.all)}; longest: ${r.longest.join(', ') || 'no script over 10 ms (browser work)'}`,
    })),
  );
  for (const r of report.filter((x) => x.asserted)) {
    expect(
      r.max,
      `longest main-thread task in "${r.name}" (slowdown ${r.slowdown.toFixed(2)}; ${r.longest.join(', ')})`,
    ).toBeLessThanOrEqual(r.bound);
  }
});

/** Check exactly these bit widths (labels as on the checkboxes), without pressing Quantize. */
async function setBitWidths(page: Page, labels: string[]): Promise<void> {
  for (const box of await page.getByTestId('bit-widths').getByRole('checkbox').all()) {
    const label = (await box.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
    if (labels.includes(label)) await box.check();
    else await box.uncheck();
  }
}

// A user who clicks while plotly's bundle is being evaluated (on the idle landing page, before any drop) waits
// for that task to end: the click is handled, and how long it waited is reported against the goal.
test('a click while plotly evaluates on the landing page is handled', async ({ page }) => {
  await installCalibration(page);
  await page.addInitScript(() => {
    const w = window as unknown as { __events: { start: number; delay: number }[]; __tasks: Task[] };
    w.__events = [];
    w.__tasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEventTiming[])
        if (e.name === 'pointerdown' || e.name === 'click')
          w.__events.push({ start: e.startTime, delay: e.processingStart - e.startTime });
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  // Hold plotly's bundle until the page is up, then let it through and click as soon as its bytes are in.
  let release = () => {};
  const held = new Promise<void>((done) => (release = done));
  let requested = () => {};
  const asked = new Promise<void>((done) => (requested = done));
  await page.route(/plotly-bundle-[\w-]+\.js$/, async (route) => {
    requested();
    await held;
    await route.continue();
  });
  await page.goto('/');
  await asked;
  const toggle = page.getByTestId('theme-toggle');
  const theme = await toggle.getAttribute('data-theme');
  const box = await toggle.boundingBox();
  if (!box) throw new Error('no theme toggle');
  const slowdown = await calibrate(page);
  const response = page.waitForResponse(/plotly-bundle/);
  release();
  await (await response).finished();
  // Coordinates, not a locator: its actionability checks run script in the page and would wait for the task.
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(toggle).not.toHaveAttribute('data-theme', theme ?? '');
  await expect(page.locator('html')).toHaveAttribute('data-plotly', /loaded|warm/);
  const { events, tasks } = await page.evaluate(() => {
    const w = window as unknown as { __events: { start: number; delay: number }[]; __tasks: Task[] };
    return { events: w.__events, tasks: w.__tasks };
  });
  const click = events[0];
  const during = click && tasks.find((t) => t.start <= click.start && click.start < t.start + t.duration);
  test.info().annotations.push({
    type: 'first click during plotly evaluation',
    description: click
      ? `input delay ${Math.round(click.delay)} ms (÷ slowdown ${slowdown.toFixed(2)} = ${Math.round(click.delay / Math.max(1, slowdown))} ms idle-equivalent; goal ${FREEZE_GOAL_MS} ms); ${during ? `the click fell in a ${Math.round(during.duration)} ms task` : 'the click fell in no long task'}; long tasks ${JSON.stringify(tasks.map((t) => Math.round(t.duration)))}`
      : 'no event entry over 16 ms: the click waited less than that',
  });
});

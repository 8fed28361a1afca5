import type { Page } from '@playwright/test';

/** Issue 10's goal for the whole journey (drop → plots, sample read, quantize, evaluate): no main-thread task above
 * this, on an idle machine. */
export const FREEZE_GOAL_MS = 50;

/**
 * calibrationWork's median time on the idle 2-core dev machine (headless Debian Chromium 156): the fastest of the
 * per-call medians seen there. A machine that is merely slower, not loaded, gives a slowdown above 1 as well; the
 * goal then scales with it, which is what "50 ms on our machine" means on another one.
 */
export const CALIBRATION_IDLE_MS = 50;

/** Runs of the workload per calibration; the median is taken so one preempted run does not count. */
const RUNS = 5;
/** Repetitions of the small workload in one task: sized so one task takes about FREEZE_GOAL_MS when idle. */
const WORK_REPS = 10;

type CalWindow = { __calibrationWork: () => number };

/**
 * Define the calibration workload in the page: what a plot draw does on the main thread, small — SVG elements
 * created and styled, one forced layout measuring them, and a numeric loop. One call is one task of a few ms.
 */
export async function installCalibration(page: Page): Promise<void> {
  await page.addInitScript((REPS) => {
    (window as unknown as CalWindow).__calibrationWork = () => {
      const t0 = performance.now();
      for (let rep = 0; rep < REPS; rep++) once();
      return performance.now() - t0;
    };
    const once = () => {
      const ns = 'http://www.w3.org/2000/svg';
      const svg = document.createElementNS(ns, 'svg');
      svg.style.cssText = 'position:absolute;left:-9999px;top:0;width:400px;height:200px';
      document.body.appendChild(svg);
      for (let i = 0; i < 200; i++) {
        const t = document.createElementNS(ns, 'text');
        t.setAttribute('x', String(i * 2));
        t.setAttribute('y', String(10 + (i % 20) * 9));
        t.setAttribute('font-size', '11');
        t.textContent = `tick ${i}`;
        svg.appendChild(t);
      }
      let width = 0;
      for (const t of svg.children) width += t.getBoundingClientRect().width;
      svg.remove();
      let acc = width;
      for (let i = 0; i < 200_000; i++) acc += Math.sqrt(i) * Math.sin(i);
      if (Number.isNaN(acc)) throw new Error('unreachable');
    };
  }, WORK_REPS);
}

/**
 * How much slower than idle the page's main thread runs now: the median of RUNS workload calls (each in its own
 * task, a macrotask apart) over CALIBRATION_IDLE_MS. Not clamped: callers take max(1, …).
 */
export async function calibrate(page: Page): Promise<number> {
  const times = await page.evaluate(async (runs) => {
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 0));
      out.push((window as unknown as CalWindow).__calibrationWork());
    }
    return out;
  }, RUNS);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] / CALIBRATION_IDLE_MS;
}

import type { Page } from '@playwright/test';

/** Issue 10's goal for the whole journey (drop → plots, sample read, quantize, evaluate): no main-thread task above
 * this, on an idle machine. */
export const FREEZE_GOAL_MS = 50;

/**
 * What the checks assert: the goal × the measured slowdown × this margin. The calibration is an estimate of the
 * idle machine (below) and one preempted task is not a regression; without a margin a phase measured at 49 ms
 * idle-equivalent would fail CI on a bad draw. The idle-equivalent length of every phase is printed against the goal
 * itself (test annotations), so a drift towards the margin is visible before it fails. Before issue 10's work the
 * quantize phase measured 114–151 ms idle-equivalent, above this bound.
 */
export const FREEZE_MARGIN = 1.6;

/** The asserted bound for a phase measured at `slowdown`. */
export const freezeBound = (slowdown: number) => FREEZE_GOAL_MS * Math.max(1, slowdown) * FREEZE_MARGIN;

/**
 * One calibration task's time on the 2-core dev machine without load. Estimated, not measured idle (the machine was
 * never idle while this was written): ten times the fastest single repetition (5.3 ms), a task short enough to run
 * unpreempted even under load; one 10-repetition task was never faster than 86 ms at a load average of 13. A
 * machine that is merely slower gives a slowdown above 1 as well, and the bound scales with it.
 */
export const CALIBRATION_IDLE_MS = 50;

/** Runs of the workload per calibration (before and after a phase: twice this many samples of the load). */
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
 * How much slower than idle the page's main thread runs now: the slowest of RUNS workload calls (each one task, a
 * macrotask apart) over CALIBRATION_IDLE_MS. The slowest, not the median, because it is compared with a phase's
 * longest task: under load both are the tasks that were preempted most, so like is compared with like (with the
 * median, a phase of a dozen tasks fails on one preempted task while its idle length was well inside the goal).
 * Not clamped: callers take max(1, …).
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
  return Math.max(...times) / CALIBRATION_IDLE_MS;
}

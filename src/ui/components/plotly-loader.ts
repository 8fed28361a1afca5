// Loading plotly and scheduling its draws so the main thread never does it all in one go (issue 10: a drop froze
// the page for ~1.1 s). Facts and sizes: docs/vite-ort.md "plotly on the main thread".
import type * as PlotlyNS from 'plotly.js-cartesian-dist-min';

export type PlotlyModule = typeof PlotlyNS;

let plotlyModule: Promise<PlotlyModule> | undefined;

/**
 * plotly's cartesian bundle (bar, scatter, heatmap are the trace types we draw; the full bundle is 3× larger),
 * loaded on first use or when the page is first idle, whichever comes first.
 */
export const loadPlotly = (): Promise<PlotlyModule> =>
  (plotlyModule ??= import('plotly.js-cartesian-dist-min').then((m) => {
    document.documentElement.dataset.plotly = 'loaded'; // e2e: the landing page's idle work is done
    return ((m as unknown as { default?: PlotlyModule }).default ?? m) as PlotlyModule;
  }));

/** plotly if it was asked for already (purge and resize have nothing to do before). */
export const loadedPlotly = (): Promise<PlotlyModule> | undefined => plotlyModule;

type IdleWindow = Window & {
  requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number;
};

/**
 * Fetch and evaluate plotly while the landing page is idle, so dropping a model does not wait for plotly's
 * parse and evaluation (one task the browser cannot split). Without requestIdleCallback: after a second.
 */
export function preloadPlotlyWhenIdle(win: IdleWindow = window): void {
  const go = () => void loadPlotly().catch(() => {}); // a failed load is reported by the first plot that needs it
  if (win.requestIdleCallback) win.requestIdleCallback(go, { timeout: 5_000 });
  else win.setTimeout(go, 1_000);
}

/** The next frame has been painted (rAF, then a macrotask after it); a timer when frames do not run (hidden tab). */
function afterNextPaint(): Promise<void> {
  return new Promise((done) => {
    let fired = false;
    const once = () => {
      if (fired) return;
      fired = true;
      setTimeout(done, 0);
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(once);
    setTimeout(once, 100);
  });
}

/**
 * Draw plots one per frame: several plots updating at once (a variant finishing updates four or five) would
 * otherwise run in one long main-thread task, and back-to-back draws would starve input and paint.
 */
const drawQueue: (() => Promise<void>)[] = [];
let draining = false;
export function enqueueDraw(draw: () => Promise<void>): void {
  drawQueue.push(draw);
  if (draining) return;
  draining = true;
  void (async () => {
    for (let job = drawQueue.shift(); job; job = drawQueue.shift()) {
      await afterNextPaint();
      await job().catch(() => {}); // each job reports its own failure on its plot
    }
    draining = false;
  })();
}

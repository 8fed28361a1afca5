// Loading plotly and scheduling its draws so the main thread never does it all in one go (issue 10: a drop froze
// the page for ~1.1 s). Facts and sizes: docs/vite-ort.md "plotly on the main thread".
import type * as PlotlyNS from 'plotly.js/lib/core';
import type { PlotData } from 'plotly.js/lib/core';

export type PlotlyModule = typeof PlotlyNS;

let plotlyModule: Promise<PlotlyModule> | undefined;

/**
 * plotly with the trace types we draw (./plotly-bundle.ts: scatter, bar, heatmap), loaded on first use or when the
 * page is first idle, whichever comes first.
 */
export const loadPlotly = (): Promise<PlotlyModule> =>
  (plotlyModule ??= import('./plotly-bundle').then((m) => {
    document.documentElement.dataset.plotly ||= 'loaded'; // e2e: plotly is evaluated ('warm': warmed up too)
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
  const idle = (cb: () => void, timeout: number) =>
    win.requestIdleCallback ? win.requestIdleCallback(cb, { timeout }) : win.setTimeout(cb, 1_000);
  idle(
    () =>
      void loadPlotly()
        .then((Plotly) => warmUp(Plotly, (cb) => idle(cb, 2_000)))
        .catch(() => {}), // a failed load is reported by the first plot that needs it
    5_000,
  );
}

/**
 * Small throwaway plots, one per idle callback, of the kinds the page draws (lines and markers with a legend, bars
 * on overlaid axes, a heatmap). A first plotly draw is several times slower than the next ones (its code is cold),
 * and after a drop the first draw would be a long task of its own; here each runs before the drop, while the page
 * is idle. Stops as soon as a real plot is queued.
 */
async function warmUp(Plotly: PlotlyModule, idle: (cb: () => void) => void): Promise<void> {
  const x = [0, 1, 2, 3, 4, 5];
  const y = [1, 3, 2, 4, 3, 5];
  const steps: PlotData[][] = [
    [
      { type: 'scatter', mode: 'lines+markers', x, y, name: 'a' },
      { type: 'scatter', mode: 'lines', x, y, name: 'b' },
    ],
    [
      { type: 'bar', x, y, name: 'a' },
      { type: 'scatter', mode: 'lines', x, y, yaxis: 'y2', line: { shape: 'hvh' }, name: 'b' },
    ],
    [{ type: 'heatmap', z: [y, x, y], showscale: false }],
  ];
  for (const data of steps) {
    await new Promise<void>((done) => idle(done));
    if (draining || drawQueue.length > 0) return; // the page draws for real now: those warm plotly up instead
    const el = document.createElement('div');
    el.setAttribute('aria-hidden', 'true');
    el.style.cssText = 'position:fixed;left:-10000px;top:0;width:400px;height:240px;visibility:hidden';
    document.body.appendChild(el);
    try {
      await Plotly.react(el, data, { yaxis2: { overlaying: 'y', side: 'right' } }, { displaylogo: false });
    } finally {
      Plotly.purge(el);
      el.remove();
    }
  }
  document.documentElement.dataset.plotly = 'warm'; // e2e: the landing page's idle work is done
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

// Loading plotly and scheduling its draws so the main thread never does it all in one go (issue 10: a drop froze
// the page for ~1.1 s). Facts and sizes: docs/vite-ort.md "plotly on the main thread".
import type * as PlotlyNS from 'plotly.js/lib/core';
import type { Layout, PlotData } from 'plotly.js/lib/core';
import { PLOT_CONFIG, themedLayout } from './plot-theme';

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
 * Small throwaway plots, one per idle callback, shaped like the page's own (themed layout, horizontal legend,
 * vertical mode bar): the histogram (filled step line, a step line on an overlaid right axis, clip lines on a 0..1
 * axis, a path shape), grouped and floating bars on a category axis with markers and a filled band, and an
 * annotated heatmap with a colour bar. Each is drawn, then updated with one trace more: `Plotly.react` into an
 * existing plot (what the page does when a variant arrives) runs other code than the first draw. A first draw of
 * each kind runs cold code, up to twice as slow as the next (scripts/bench-plot-draws.mjs); here that happens
 * before the drop, while the page is idle. Stops as soon as a real plot is queued.
 */
async function warmUp(Plotly: PlotlyModule, idle: (cb: () => void) => void): Promise<void> {
  const x = [0, 1, 2, 3, 4, 5];
  const y = [1, 3, 2, 4, 3, 5];
  const cats = ['a', 'b', 'c', 'd', 'e', 'f'];
  const line = (yaxis: string, name: string): PlotData => ({
    type: 'scatter',
    mode: 'lines',
    x,
    y,
    yaxis,
    name,
    line: { shape: 'hvh', width: 1.75 },
  });
  const steps: { data: PlotData[]; more?: PlotData; layout: Layout }[] = [
    // First a bare line plot: the first draw ever runs the most cold code (247 ms in a trace at a load of ~18,
    // with the histogram-shaped plot first); a small one first spreads that over two idle tasks.
    { data: [{ type: 'scatter', mode: 'lines', x, y }], layout: { showlegend: false } },
    {
      data: [
        { ...line('y', 'float'), fill: 'tozeroy', fillcolor: 'rgba(148,163,184,0.55)' },
        line('y3', 'a'),
        {
          type: 'scatter',
          mode: 'lines',
          x: [1, 1, null, 4, 4],
          y: [0, 1, null, 0, 1],
          yaxis: 'y2',
          line: { dash: 'dash' },
        },
      ],
      more: line('y3', 'b'),
      layout: {
        shapes: [
          { type: 'path', xref: 'x', yref: 'paper', path: 'M1,0.01V0.05M2,0.01V0.05', layer: 'above' },
        ],
        yaxis: { title: 'count', range: [0, 6], autorange: false },
        yaxis2: { overlaying: 'y', range: [0, 1], visible: false, fixedrange: true },
        yaxis3: { overlaying: 'y', side: 'right', title: 'count', showgrid: false, nticks: 6 },
      },
    },
    {
      data: [
        { type: 'bar', x: cats, y, base: x, name: 'range', marker: { opacity: 0.8 } },
        {
          type: 'scatter',
          mode: 'markers',
          x: cats,
          y,
          name: 'm',
          marker: { symbol: 'x-thin-open', size: 9 },
        },
        { type: 'scatter', mode: 'lines', x: [0, 5, 5, 0, 0], y: [1, 1, 2, 2, 1], fill: 'toself', name: 's' },
      ],
      more: { type: 'bar', x: cats, y: x, name: 'b' },
      layout: {
        barmode: 'group',
        xaxis: { type: 'category', tickmode: 'array', tickvals: cats, ticktext: cats },
        yaxis: { type: 'log' },
      },
    },
    {
      data: [
        {
          type: 'heatmap',
          x: cats.slice(0, 3),
          y: cats.slice(0, 3),
          z: [y.slice(0, 3), x.slice(0, 3), y.slice(3)],
          text: [
            ['1', '2', '3'],
            ['4', '5', '6'],
            ['7', '8', '9'],
          ],
          texttemplate: '%{text}',
          xgap: 1,
          ygap: 1,
          colorbar: { thickness: 10, tickformat: '.0%' },
        },
      ],
      more: { type: 'bar', x: cats.slice(0, 3), y: x.slice(0, 3), xaxis: 'x2', yaxis: 'y2' },
      layout: {
        xaxis2: { anchor: 'y2', domain: [0.6, 1] },
        yaxis2: { anchor: 'x2' },
        xaxis: { domain: [0, 0.5] },
      },
    },
  ];
  const el = document.createElement('div');
  el.setAttribute('aria-hidden', 'true');
  el.style.cssText = 'position:fixed;left:-10000px;top:0;width:520px;height:240px;visibility:hidden';
  document.body.appendChild(el);
  try {
    for (const { data, more, layout } of steps) {
      for (const traces of more ? [data, [...data, more]] : [data]) {
        await new Promise<void>((done) => idle(done));
        if (draining || drawQueue.length > 0) return; // the page draws for real now: those warm plotly up instead
        await Plotly.react(el, traces, themedLayout('light', { height: 240, ...layout }), PLOT_CONFIG);
      }
    }
    document.documentElement.dataset.plotly = 'warm'; // e2e: the landing page's idle work is done
  } finally {
    Plotly.purge(el);
    el.remove();
  }
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

#!/usr/bin/env node
// How long one plotly draw of each of the studio's plots blocks the main thread, and what changes it, as ratios
// measured in one run (issue 10 item 3). Needs a running production preview:
//
//   npx vite build && npx vite preview --port 4302 &
//   node scripts/bench-plot-draws.mjs http://localhost:4302 [rounds, default 9]
//
// Opens the demo model, quantizes 8- and 4-bit, then takes each drawn plot's data and layout from the page
// (`el.data`, `el.layout`) and redraws them into off-screen divs of the same size: the draw the app does when a
// variant arrives (`Plotly.react` into the plot as it was before, one trace fewer), `Plotly.newPlot` into an
// empty div, and for the histogram some cheaper layouts. Time of the synchronous part (the main-thread task):
// the fastest of the rounds (the least preempted: on a loaded machine medians drift by 2×) and the median; the
// variants interleaved so load drifts hit all alike.
/* global performance */ // page.evaluate bodies run in the page
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium.mjs';

const [base = 'http://localhost:4302', roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 9);
const DEMO = resolve(import.meta.dirname, '../public/demo/mnist-8.onnx');

const browser = await chromium.launch(chromiumLaunchOptions());
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(base);
await page.locator('html[data-plotly=warm]').waitFor({ state: 'attached', timeout: 60_000 });
await page.getByTestId('model-file-input').setInputFiles(DEMO);
await page.locator('[data-testid=model-summary][data-status=ready]').waitFor();
for (const box of await page.getByTestId('bit-widths').getByRole('checkbox').all()) {
  const label = (await box.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
  if (['8-bit', '4-bit'].includes(label)) await box.check();
  else await box.uncheck();
}
await page.getByTestId('quantize-batch').locator('button.btn-primary').click();
await page
  .locator('[data-testid=quantize-batch][data-status=running]')
  .waitFor({ timeout: 30_000 })
  .catch(() => {});
await page.locator('[data-testid=quantize-batch][data-status=idle]').waitFor({ timeout: 120_000 });
const ids = [];
for (const plot of await page.locator('.plot-canvas').all()) {
  await plot.scrollIntoViewIfNeeded();
  await page.waitForFunction((el) => /^(ready|empty)$/.test(el.dataset.status), await plot.elementHandle());
  if ((await plot.getAttribute('data-status')) === 'ready') ids.push(await plot.getAttribute('data-testid'));
}

const results = await page.evaluate(
  async ({ ids, rounds, only }) => {
    const src = [...document.scripts, ...performance.getEntriesByType('resource')]
      .map((r) => r.src ?? r.name)
      .find((u) => u && /plotly.*\.js$/.test(u));
    const Plotly = (await import(src)).default;
    const clone = (v) =>
      JSON.parse(JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x)));
    const cases = [];
    for (const id of only ? ids.filter((i) => only.includes(i)) : ids) {
      const gd = document.querySelector(`[data-testid="${id}"]`);
      const data = clone(gd.data);
      const layout = clone(gd.layout);
      const size = { w: gd.clientWidth, h: gd.clientHeight };
      const before = data.length > 1 ? data.slice(0, -1) : data;
      const add = (name, prev, next, prevLayout = layout, nextLayout = prevLayout) =>
        cases.push({ plot: id, name, size, prev, next, prevLayout, nextLayout, times: [] });
      add('react: one trace more (what the app does)', before, data);
      add('newPlot into an empty div', null, data);
      add('react: same traces, new arrays', data, data);
      if (id === 'plot-histogram') {
        const fixedX = {
          ...layout,
          xaxis: { ...layout.xaxis, autorange: false, range: gd._fullLayout.xaxis.range },
        };
        add('react +1 trace, x range given', before, data, fixedX);
        const ranged = (ax) => ({ ...layout[ax], autorange: false, range: gd._fullLayout[ax].range });
        const allRanges = {
          ...layout,
          xaxis: ranged('xaxis'),
          yaxis: ranged('yaxis'),
          yaxis3: ranged('yaxis3'),
        };
        add('react +1 trace, all ranges given', before, data, allRanges);
        add('react +1 trace, all ranges given, ≤ 6 ticks', before, data, {
          ...allRanges,
          xaxis: { ...allRanges.xaxis, nticks: 6 },
          yaxis: { ...allRanges.yaxis, nticks: 6 },
          yaxis3: { ...allRanges.yaxis3, nticks: 6 },
        });
        add('react +1 trace, no grid shapes', before, data, { ...layout, shapes: [] });
        // Each grid path shape as a line trace with gaps on the 0..1 overlay axis y2.
        const gridTraces = (layout.shapes ?? []).map((sh) => {
          const x = [];
          const y = [];
          for (const m of sh.path.matchAll(/M([^,]+),([^V]+)V([^M]+)/g)) {
            x.push(+m[1], +m[1], null);
            y.push(+m[2], +m[3], null);
          }
          return {
            type: 'scatter',
            mode: 'lines',
            x,
            y,
            yaxis: 'y2',
            line: sh.line,
            hoverinfo: 'skip',
            showlegend: false,
          };
        });
        const noShapes = { ...layout, shapes: [] };
        add(
          'react +1 trace, grid as line traces',
          [...before, ...gridTraces.slice(0, -1)],
          [...data, ...gridTraces],
          noShapes,
        );
        add(
          'react +1 trace, grid as line traces, all ranges given',
          [...before, ...gridTraces.slice(0, -1)],
          [...data, ...gridTraces],
          { ...allRanges, shapes: [] },
        );
        add('react +1 trace, no legend', before, data, { ...layout, showlegend: false });
        const y3off = { ...layout, yaxis3: { ...layout.yaxis3, showticklabels: false, title: undefined } };
        add('react +1 trace, no right-axis labels', before, data, y3off);
        const fewTicks = {
          ...layout,
          xaxis: { ...layout.xaxis, nticks: 5 },
          yaxis: { ...layout.yaxis, nticks: 5 },
          yaxis3: { ...layout.yaxis3, nticks: 4 },
        };
        add('react +1 trace, ≤ 5 ticks per axis', before, data, fewTicks);
        add(
          'react +1 trace, no hover',
          before,
          data.map((t) => ({ ...t, hoverinfo: 'skip', hovertemplate: undefined })),
        );
        add('react +1 trace, static plot', before, data, layout, { ...layout });
      }
    }
    const cfg = { displaylogo: false, modeBarButtons: [['toImage', 'resetScale2d']] };
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const el = document.createElement('div');
        el.style.cssText = `position:absolute;left:0;top:0;width:${c.size.w}px;height:${c.size.h}px;`;
        document.body.appendChild(el);
        const config = c.name.endsWith('static plot') ? { ...cfg, staticPlot: true } : cfg;
        if (c.prev) await Plotly.react(el, clone(c.prev), clone(c.prevLayout), config);
        await new Promise((ok) => setTimeout(ok, 0));
        const next = clone(c.next);
        const layout = clone(c.nextLayout);
        const t0 = performance.now();
        const done = c.prev
          ? Plotly.react(el, next, layout, config)
          : Plotly.newPlot(el, next, layout, config);
        c.times.push(performance.now() - t0);
        await done;
        Plotly.purge(el);
        el.remove();
        await new Promise((ok) => setTimeout(ok, 0));
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return cases.map((c) => ({
      plot: c.plot,
      name: c.name,
      ms: Math.min(...c.times),
      median: median(c.times),
      first: c.times[0],
      traces: c.next.length,
    }));
  },
  { ids, rounds: ROUNDS, only: process.env.PLOTS?.split(',') },
);
await browser.close();

let plot = '';
let ref = 0;
for (const r of results) {
  if (r.plot !== plot) {
    plot = r.plot;
    ref = r.ms;
    console.log(
      `\n${plot} (${r.traces} traces): fastest of ${ROUNDS} (ratio to the first row), median, first round`,
    );
  }
  const cols = [r.ms, r.median, r.first].map((x) => x.toFixed(1).padStart(6));
  console.log(`  ${cols[0]} ms  ×${(r.ms / ref).toFixed(2)}  ${cols[1]} ms  ${cols[2]} ms  ${r.name}`);
}

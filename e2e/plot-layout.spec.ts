import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import {
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  openViaInput,
  quantize,
} from './helpers';

// Issue 10, item 9, at 1280×800: class names are not clipped, the mode bar covers no legend, colour bar or label,
// the size-vs-quality points are named without overlapping text, and the worst layer's name is shown whole.
// Fashion-MNIST dwcnn fixture (class names like 'T-shirt/top', 'Ankle boot').
test.describe.configure({ timeout: 300_000 }); // two quantize batches and four models on 1,000 images

const DWCNN = join(REPO_ROOT, 'test/fixtures/models/dwcnn');
const CLASSES = readFileSync(join(DWCNN, 'classes.txt'), 'utf8').trim().split('\n');
const VARIANTS = ['w8-sym-channel', 'w4-sym-channel', 'w4-sym-tensor'];

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  text: string;
  what: string;
}

/** Boxes (client px) of what plotly drew: the figure, tick labels, axis titles, legend entries, colour bar, mode
 * bar, plot area. */
async function plotBoxes(page: Page, testId: string) {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded();
  await expect(el).toHaveAttribute('data-status', 'ready');
  await el.hover(); // the mode bar shows on hover
  return el.evaluate((node) => {
    const box = (e: Element, what: string): Box => {
      const r = e.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: e.textContent ?? '', what };
    };
    const all = (sel: string, what: string) => [...node.querySelectorAll(sel)].map((e) => box(e, what));
    const one = (sel: string, what: string) => {
      const e = node.querySelector(sel);
      return e ? box(e, what) : null;
    };
    return {
      figure: box(node.querySelector('.main-svg') ?? node, 'figure'),
      labels: [
        ...all('.xtick text, .ytick text', 'tick label'),
        ...all('.g-xtitle text, .g-ytitle text', 'axis title'),
        ...all('.legend .traces', 'legend entry'),
      ].filter((b) => b.right > b.left),
      legend: one('.legend .bg', 'legend'),
      colorbar: one('.colorbar', 'colour bar'),
      modebar: one('.modebar', 'mode bar'),
      plotArea: one('.draglayer .nsewdrag', 'plot area'),
    };
  });
}

const overlaps = (a: Box, b: Box, slack = 0.5) =>
  a.left < b.right - slack &&
  b.left < a.right - slack &&
  a.top < b.bottom - slack &&
  b.top < a.bottom - slack;
const inside = (a: Box, outer: Box, slack = 1) =>
  a.left >= outer.left - slack &&
  a.right <= outer.right + slack &&
  a.top >= outer.top - slack &&
  a.bottom <= outer.bottom + slack;

/** Nothing drawn outside the figure (plotly clips it), and the mode bar on top of nothing. */
async function expectTidy(page: Page, testId: string) {
  const b = await plotBoxes(page, testId);
  expect(b.modebar, `${testId}: mode bar`).not.toBeNull();
  for (const l of b.labels)
    expect(inside(l, b.figure), `${testId}: ${l.what} '${l.text}' clipped`).toBe(true);
  for (const other of [...b.labels, b.legend, b.colorbar, b.plotArea]) {
    if (other && b.modebar)
      expect(overlaps(b.modebar, other), `${testId}: mode bar covers ${other.what} '${other.text}'`).toBe(
        false,
      );
  }
  return b;
}

test('class names, legends, mode bar, point names and layer names are all readable', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(join(DWCNN, 'model.onnx'))]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId(`variant-${VARIANTS[1]}`)).toHaveAttribute('data-status', 'done');
  await page.getByRole('radio', { name: 'Tensor' }).check();
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${VARIANTS[2]}`)).toHaveAttribute('data-status', 'done');

  // The worst layer's name: whole (it wraps at its dots), never cut at the end; the tooltip has it too.
  for (const id of VARIANTS) {
    const cell = page.getByTestId(`variant-worst-${id}`);
    const name = (await cell.getAttribute('data-name')) ?? '';
    expect(name.length).toBeGreaterThan(0);
    await expect(cell).toHaveText(name.length <= 40 ? name : /…/);
    await expect(cell).toHaveAttribute(
      'title',
      new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
    );
    const cut = await cell.evaluate(
      (e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1,
    );
    expect(cut, `${id}: worst layer '${name}' cut`).toBe(false);
  }

  for (const plot of [
    'plot-histogram',
    'plot-layer-error',
    'plot-error-curve',
    'plot-channel-ranges',
    'plot-size-quality',
  ])
    await expectTidy(page, plot);

  // Fashion-MNIST evaluation images with their class names.
  await page.getByTestId('samples-file-input').setInputFiles(
    ['eval/inputs.npy', 'eval/labels.npy', 'classes.txt'].map((p) => ({
      name: p.split('/').pop() as string,
      mimeType: 'application/octet-stream',
      buffer: readFileSync(join(DWCNN, p)),
    })),
  );
  await expectSamplesReady(page, 1000);
  await evaluate(page, 90_000);

  await page.getByTestId('confusion-model').selectOption(`${VARIANTS[2]}|exact`);
  for (const plot of ['plot-confusion', 'plot-per-class']) {
    const b = await expectTidy(page, plot);
    const ticks = b.labels.filter((l) => l.what === 'tick label').map((l) => l.text);
    for (const c of ['T-shirt/top', 'Ankle boot', 'Sneaker']) expect(ticks, `${plot}: ${c}`).toContain(c);
    // x tick labels must not run into each other: flat ones side by side, rotated (-45°) ones as parallel lines
    // whose anchors (right ends) are far enough apart for one line of text between them.
    const x = await page
      .getByTestId(plot)
      .locator('.xtick text')
      .evaluateAll((es) =>
        es.map((e) => {
          const r = e.getBoundingClientRect();
          return {
            left: r.left,
            right: r.right,
            text: e.textContent ?? '',
            rotated: /rotate/.test(e.getAttribute('transform') ?? ''),
          };
        }),
      );
    expect(x.map((t) => t.text)).toEqual(CLASSES);
    for (let i = 1; i < x.length; i++) {
      const gap = x[i].rotated
        ? (x[i].right - x[i - 1].right) * Math.SQRT1_2 - 11
        : x[i].left - x[i - 1].right;
      expect(gap, `${plot}: '${x[i - 1].text}' runs into '${x[i].text}'`).toBeGreaterThanOrEqual(0);
    }
  }
  expect((await plotBoxes(page, 'plot-confusion')).colorbar).not.toBeNull();

  // Size vs quality on both axes: every point named in the legend, no two names on top of each other.
  for (const axis of ['Accuracy', 'SQNR']) {
    await page.getByTestId('size-quality-axis').getByRole('radio', { name: axis }).check();
    const b = await expectTidy(page, 'plot-size-quality');
    const names = b.labels.filter((l) => l.what === 'legend entry');
    const points = names.filter((n) => n.text !== 'Pareto front');
    expect(points.length).toBe(axis === 'Accuracy' ? 4 : 3); // float too, with accuracy
    for (let i = 0; i < names.length; i++)
      for (let j = i + 1; j < names.length; j++)
        expect(overlaps(names[i], names[j]), `'${names[i].text}' on '${names[j].text}'`).toBe(false);
  }
});

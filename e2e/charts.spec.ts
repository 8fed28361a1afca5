import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import {
  MNIST_MLIR,
  V4,
  V8,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  openDemo,
  openViaInput,
  quantize,
} from './helpers';

// Needs the worker API. Issue 10 items 5–8 at 1280×800: values and colours from plotly's trace data and full
// layout, layout from bounding boxes.
test.describe.configure({ timeout: 150_000 });

const DWCNN = join(REPO_ROOT, 'test/fixtures/models/dwcnn/model.onnx');

interface Trace {
  name: string;
  color: string | null;
  yaxis: string | null;
  meta: Record<string, unknown> | null;
  x: (number | string | null)[];
  y: (number | null)[];
}

/** A drawn plot's traces (colours as computed rgb) and its axes' ranges, read from plotly's element. */
async function plot(page: Page, testId: string) {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded();
  await expect(el).toHaveAttribute('data-status', 'ready');
  return el.evaluate((node) => {
    type Raw = Record<string, unknown> & { line?: { color?: unknown }; marker?: { color?: unknown } };
    const n = node as HTMLElement & {
      data?: Raw[];
      _fullLayout?: Record<string, { range?: number[] } | undefined>;
    };
    const probe = document.createElement('span');
    document.body.append(probe);
    const rgb = (c: unknown) => {
      if (typeof c !== 'string') return null;
      probe.style.color = c;
      return getComputedStyle(probe).color;
    };
    const arr = (v: unknown) =>
      v && typeof v === 'object' && 'length' in v ? Array.from(v as ArrayLike<never>) : [];
    const traces = (n.data ?? []).map((t) => ({
      name: String(t.name ?? ''),
      color: rgb(t.line?.color ?? t.marker?.color),
      yaxis: typeof t.yaxis === 'string' ? t.yaxis : null,
      meta: (t.meta as Record<string, unknown>) ?? null,
      x: arr(t.x),
      y: arr(t.y),
    }));
    probe.remove();
    const range = (k: string) => (n._fullLayout?.[k]?.range ?? []).map(Number);
    return { traces, y: range('yaxis'), y3: range('yaxis3') };
  }) as Promise<{ traces: Trace[]; y: number[]; y3: number[] }>;
}

const dotColor = (page: Page, testId: string) =>
  page
    .locator(`[data-testid=${testId}] .dot`)
    .first()
    .evaluate((el) => getComputedStyle(el).backgroundColor);

const maxOf = (ys: (number | null)[]) => Math.max(0, ...ys.filter((v): v is number => typeof v === 'number'));

test('item 5: latency is a warmed-up, interleaved median per sample with its spread, backend and threads', async ({
  page,
}) => {
  await openDemo(page);
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  await evaluate(page);
  await expect(page.getByTestId('eval-latency-header')).toHaveText('Latency (ms / sample)');
  for (const row of ['float', V8, V4]) {
    const cell = page.getByTestId(`eval-row-${row}`).getByTestId('eval-latency');
    const [q1, median, q3] = await Promise.all(
      ['data-q1', 'data-median', 'data-q3'].map(async (a) => Number(await cell.getAttribute(a))),
    );
    expect(median, row).toBeGreaterThan(0);
    expect(q1).toBeLessThanOrEqual(median);
    expect(median).toBeLessThanOrEqual(q3);
    await expect(cell.getByTestId('eval-latency-spread')).toBeVisible();
    await expect(cell).toHaveAttribute('title', /median of \d+ runs of 1 sample\(s\) after 3 warm-up runs/);
  }
  const note = page.getByTestId('latency-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText('interquartile range');
  // The app is cross-origin isolated (COOP/COEP), so the thread count follows the core count, and says so.
  await expect(note).toContainText(
    /onnxruntime-web wasm, \d+ threads? \(half of \d+ logical cores?, at most 4\)/,
  );
  await expect(note).toContainText('taking turns');
  await expect(page.getByTestId('eval-results')).toContainText(/ s on onnxruntime-web wasm, \d+ threads?/);
});

test('item 6: per-channel error, channels rounded to zero and the per-tensor step on the channel ranges', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(DWCNN)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-channel')).toHaveAttribute('data-status', 'done');
  await page.getByRole('radio', { name: 'Tensor' }).check();
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-tensor')).toHaveAttribute('data-status', 'done');
  // The stem's depthwise conv: one wide channel sets the per-tensor step for all 16.
  await page.locator('[data-testid=weight-row][data-weight="features.1.weight"]').click();
  const tensorColor = await dotColor(page, 'variant-w4-sym-tensor');
  const channelColor = await dotColor(page, 'variant-w4-sym-channel');

  let ranges = await plot(page, 'plot-channel-ranges');
  await expect.poll(async () => (ranges = await plot(page, 'plot-channel-ranges')).traces.length).toBe(3);
  const band = ranges.traces.find((t) => t.meta?.kind === 'step');
  expect(band?.color).toBe(tensorColor);
  const step = band?.meta?.step as number;
  expect(step).toBeGreaterThan(0);
  expect(Math.max(...(band?.y as number[]))).toBeCloseTo(step / 2, 6);
  const levels = ranges.traces.find((t) => t.meta?.kind === 'levels');
  expect(levels?.y.filter((v) => v !== null)).toHaveLength(15 * 2); // int4 symmetric: −7..7 steps, one line each
  expect(ranges.traces.some((t) => t.meta?.kind === 'step' && t.color === channelColor)).toBe(false);

  const errors = await plot(page, 'plot-channel-errors');
  const bars = errors.traces.filter((t) => t.meta?.kind === 'channel-sqnr');
  expect(bars.map((t) => t.color).sort()).toEqual([channelColor, tensorColor].sort());
  const worst = (c: string) => Math.min(...(bars.find((t) => t.color === c)!.y as number[]));
  expect(bars.every((t) => t.x.length === 16)).toBe(true);
  expect(worst(tensorColor)).toBeLessThan(2); // one channel all but lost: under 2 dB
  expect(worst(channelColor)).toBeGreaterThan(15);
  const summary = page.getByTestId('channel-summary');
  await expect(summary.locator('li[data-variant="w4-sym-tensor"]')).toContainText(
    'of 16 channels round to all zeros',
  );
  await expect(summary.locator('li[data-variant="w4-sym-tensor"]')).toContainText('per-tensor step');
});

test('item 7: the quantized comb has its own count axis and leaves the float distribution readable', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
  let h = await plot(page, 'plot-histogram');
  await expect
    .poll(async () =>
      (h = await plot(page, 'plot-histogram')).traces.some((t) => t.meta?.kind === 'quantized'),
    )
    .toBe(true);
  const float = h.traces.find((t) => t.meta?.kind === 'float') as Trace;
  const q = h.traces.find((t) => t.meta?.kind === 'quantized') as Trace;
  const floatPeak = maxOf(float.y);
  const spike = maxOf(q.y);
  expect(spike).toBeGreaterThan(2 * floatPeak); // the comb: what used to flatten the float bars
  expect(q.yaxis).toBe('y3');
  // The float bars fill their axis (peak above 75 % of it); the comb has its own axis that holds its spike.
  expect(h.y[1]).toBeLessThan(floatPeak / 0.75);
  expect(h.y3[1]).toBeGreaterThanOrEqual(spike);
});

test('item 8: side by side shares both count axes and the error axis, with x labels that do not overlap', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(DWCNN)]); // ten layers: names to fit under narrow plots
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  const panel = page.getByTestId('side-by-side');
  await panel.scrollIntoViewIfNeeded();
  await expect
    .poll(async () => {
      const [a, b] = [
        await plot(page, 'plot-compare-histogram-a'),
        await plot(page, 'plot-compare-histogram-b'),
      ];
      const round = (r: number[]) => JSON.stringify(r.map((v) => Math.round(v * 1000)));
      return a.y3.length === 2 && round(a.y) === round(b.y) && round(a.y3) === round(b.y3);
    })
    .toBe(true);
  for (const testId of [
    'plot-compare-histogram-a',
    'plot-compare-histogram-b',
    'plot-compare-layer-error-a',
    'plot-compare-layer-error-b',
  ]) {
    const el = page.getByTestId(testId);
    await el.scrollIntoViewIfNeeded();
    const boxes = await el.locator('.xtick text').evaluateAll((nodes) =>
      nodes
        .map((n) => n.getBoundingClientRect())
        .filter((r) => r.width > 0)
        .map((r) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom })),
    );
    const frame = (await el.boundingBox())!;
    expect(boxes.length, testId).toBeGreaterThan(1);
    for (const [i, r] of boxes.entries()) {
      expect(r.left, `${testId} label ${i} inside the plot`).toBeGreaterThanOrEqual(frame.x - 1);
      expect(r.right).toBeLessThanOrEqual(frame.x + frame.width + 1);
      for (const s of boxes.slice(i + 1)) {
        const overlap =
          r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 && s.top < r.bottom - 1;
        expect(overlap, `${testId}: x labels overlap`).toBe(false);
      }
    }
  }
});

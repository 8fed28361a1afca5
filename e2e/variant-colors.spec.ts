import { expect, test, type Page } from '@playwright/test';
import { evaluate, expectSamplesReady, openDemo, quantize } from './helpers';

// Needs the worker API. 4-bit per-channel and 4-bit per-tensor: the comparison the studio exists for. The demo
// model and its shipped digits, so the evaluation's per-class bars and results table are checked too.
test.describe.configure({ timeout: 150_000 });
const CH = 'w4-sym-channel';
const T = 'w4-sym-tensor';

interface TraceColor {
  name?: string;
  line?: { color?: unknown };
  marker?: { color?: unknown };
}

/** Colour of each trace on a plot, by trace name, read from plotly's own trace data (what it draws). */
async function traceColors(page: Page, testId: string): Promise<Record<string, string[]>> {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded();
  await expect(el).toHaveAttribute('data-status', 'ready');
  return el.evaluate((node) => {
    const data = (node as HTMLElement & { data?: TraceColor[] }).data ?? [];
    const out: Record<string, string[]> = {};
    const probe = document.createElement('span');
    document.body.append(probe);
    const rgb = (c: string) => {
      probe.style.color = c;
      return getComputedStyle(probe).color;
    };
    for (const t of data) {
      const c = t.line?.color ?? t.marker?.color;
      if (typeof c === 'string') (out[String(t.name)] ??= []).push(rgb(c));
    }
    probe.remove();
    return out;
  });
}

/** The colour a variant's dot is drawn in (computed, as rgb()). */
const dot = (page: Page, scope: string) =>
  page.locator(`[data-testid=${scope}] .dot`).evaluate((el) => getComputedStyle(el).backgroundColor);

test('variants that differ only in granularity get one colour each, the same everywhere', async ({
  page,
}) => {
  await openDemo(page);
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${CH}`)).toHaveAttribute('data-status', 'done');
  await page.getByRole('radio', { name: 'Tensor' }).check();
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${T}`)).toHaveAttribute('data-status', 'done');

  const colors: Record<string, string> = {};
  for (const id of [CH, T]) {
    const side = await dot(page, `variant-${id}`);
    const table = await dot(page, `variant-row-${id}`);
    expect(side).toBeTruthy();
    expect(table).toBe(side);
    colors[id] = side as string;
  }
  expect(colors[CH]).not.toBe(colors[T]);

  const byName = { '4-bit · channel': colors[CH], '4-bit · tensor': colors[T] };
  for (const plot of ['plot-histogram', 'plot-layer-error', 'plot-size-quality']) {
    await expect
      .poll(async () => Object.keys(await traceColors(page, plot)).filter((n) => n in byName).length)
      .toBe(2);
    const seen = await traceColors(page, plot);
    for (const [name, color] of Object.entries(byName)) {
      expect(new Set(seen[name]), `${plot}: ${name}`).toEqual(new Set([color]));
    }
  }

  // Side by side: each panel's plots in the colour of the variant picked for that panel.
  for (const side of ['a', 'b']) {
    const id = await page.getByTestId(`compare-${side}`).locator('select').inputValue();
    expect([CH, T]).toContain(id);
    for (const plot of [`plot-compare-histogram-${side}`, `plot-compare-layer-error-${side}`]) {
      const seen = await traceColors(page, plot);
      const mine = Object.entries(seen).filter(([n]) => n in byName);
      expect(mine.length, plot).toBeGreaterThan(0);
      for (const [name, cs] of mine) expect(new Set(cs), `${plot}: ${name}`).toEqual(new Set([colors[id]]));
    }
  }

  // Evaluation: the results table's rows and the per-class bars of each variant.
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  await evaluate(page);
  const picker = page.getByTestId('confusion-model');
  for (const id of [CH, T]) {
    expect(await dot(page, `eval-row-${id}`), `results table: ${id}`).toBe(colors[id]);
    const option = picker.locator(`option[value^="${id}|"]`).first();
    await picker.selectOption((await option.getAttribute('value')) as string);
    await expect
      .poll(async () => {
        const seen = await traceColors(page, 'plot-per-class');
        return Object.entries(seen)
          .filter(([n]) => n !== 'float')
          .flatMap(([, cs]) => cs);
      }, `per-class bars: ${id}`)
      .toEqual([colors[id]]);
  }
});

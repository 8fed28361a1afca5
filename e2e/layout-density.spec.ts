import { expect, test } from '@playwright/test';
import { evaluate, expectSamplesReady, openDemo, quantize } from './helpers';

// First-user density at 1280×800: the Weights table shows several rows in its panel, and a weight histogram with
// five variants keeps most of its figure for the plot (the legend does not squeeze it).
test.describe.configure({ timeout: 150_000 });

test('Weights table rows are one line: at least 6 fit its scroll box, every layer setting labelled', async ({
  page,
}) => {
  await openDemo(page);
  const scroller = page.getByTestId('weights-table').locator('.weights-scroll');
  const rows = scroller.locator('[data-testid=weight-row]');
  await expect(rows.first()).toBeVisible();
  const box = await scroller.evaluate((n) => ({
    client: parseFloat(getComputedStyle(n).maxHeight) - (n.getBoundingClientRect().height - n.clientHeight),
    head: n.querySelector('thead')!.getBoundingClientRect().height,
    rows: [...n.querySelectorAll('[data-testid=weight-row]')].map((r) => r.getBoundingClientRect().height),
    scrollWidth: n.scrollWidth,
    clientWidth: n.clientWidth,
  }));
  const tallest = Math.max(...box.rows);
  const fit = (box.client - box.head) / tallest;
  console.log('weights table', { ...box, fit: fit.toFixed(1) });
  expect(fit, JSON.stringify(box)).toBeGreaterThanOrEqual(6);
  expect(box.scrollWidth, 'no sideways scroll').toBeLessThanOrEqual(box.clientWidth + 1);
  // Every per-layer setting stays a labelled control, reachable by keyboard.
  const name = await rows.first().getAttribute('data-weight');
  for (const what of ['Bit width', 'Clip range', 'Rounding']) {
    const select = page.getByRole('combobox', { name: `${what} for ${name}`, exact: true });
    await expect(select).toBeVisible();
    await select.focus();
    await expect(select).toBeFocused();
  }
});

test('with 5 variants the weight histogram keeps most of its figure for the plot', async ({ page }) => {
  await openDemo(page);
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  const idle = () => expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await quantize(page, ['8-bit', '4-bit']);
  await idle();
  await page.getByRole('radio', { name: 'Tensor', exact: true }).check();
  await quantize(page, ['8-bit', '4-bit']);
  await idle();
  await page.getByRole('radio', { name: 'Channel', exact: true }).check();
  await page.getByRole('radio', { name: 'GPTQ', exact: true }).check();
  await quantize(page, ['4-bit']);
  await idle();
  await expect(page.getByTestId('variant-list').locator('[data-status=done]')).toHaveCount(5);

  const plot = page.getByTestId('plot-histogram');
  await plot.scrollIntoViewIfNeeded();
  await expect(plot).toHaveAttribute('data-status', 'ready');
  // Every variant's line drawn (5 legend entries besides float32) before measuring.
  await expect(plot.locator('.legend .traces')).toHaveCount(6);
  const m = await plot.evaluate((node) => {
    const h = (sel: string) => node.querySelector(sel)!.getBoundingClientRect();
    const fig = h('.main-svg');
    const area = h('.draglayer .nsewdrag');
    const legend = h('.legend .bg');
    const entries = [...node.querySelectorAll('.legend .traces')].map((e) => e.getBoundingClientRect());
    const overlapping = entries.filter((a, i) =>
      entries.some(
        (b, j) =>
          i !== j &&
          a.left < b.right - 1 &&
          b.left < a.right - 1 &&
          a.top < b.bottom - 1 &&
          b.top < a.bottom - 1,
      ),
    ).length;
    // Names whole: each entry's text inside the legend box and clear of the next entry.
    const bg = node.querySelector('.legend .bg')!.getBoundingClientRect();
    const texts = [...node.querySelectorAll('.legend .traces text')].map((e) => e.getBoundingClientRect());
    const cutNames = [...node.querySelectorAll('.legend .traces text')]
      .filter((_, i) => {
        const t = texts[i];
        const next = entries.find((b) => b.left > t.left + 1 && Math.abs(b.top - t.top) < 2);
        return t.right > bg.right + 1 || (next !== undefined && t.right > next.left + 1);
      })
      .map((e) => e.textContent);
    return {
      cutNames,
      overlapping,
      figure: fig.height,
      plot: area.height,
      plotWidth: area.width / fig.width,
      legend: { top: legend.top - fig.top, height: legend.height, width: legend.width },
      plotTop: area.top - fig.top,
    };
  });
  console.log('histogram', m);
  // The plot keeps about the height it has under a one-row legend (~220 px of 300) and its width (before: 114 px).
  expect(m.plot, JSON.stringify(m)).toBeGreaterThanOrEqual(200);
  expect(m.plot / m.figure, JSON.stringify(m)).toBeGreaterThanOrEqual(0.5);
  expect(m.plotWidth, JSON.stringify(m)).toBeGreaterThanOrEqual(0.6);
  expect(m.overlapping, 'legend entries overlapping').toBe(0);
  expect(m.cutNames, 'legend names cut').toEqual([]);
});

test('the flips gallery names the variant whole (wrapped, not cut to its bit width)', async ({ page }) => {
  await openDemo(page);
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  await page.getByRole('radio', { name: 'Tensor', exact: true }).check();
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-list').locator('[data-status=done]')).toHaveCount(1);
  await evaluate(page, 120_000);
  const card = page.getByTestId('eval-flips').getByTestId('flip-card').first();
  await card.scrollIntoViewIfNeeded();
  const who = card.locator('.flip-who').last(); // the first is "float"
  await expect(who).toHaveText('4-bit · tensor');
  expect(await who.evaluate((n) => n.scrollWidth <= n.clientWidth + 1)).toBe(true);
});

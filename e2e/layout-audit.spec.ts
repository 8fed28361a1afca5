import { expect, test, type Locator, type Page } from '@playwright/test';
import { tokenModel } from '../test/fixtures/token-model';
import { evaluate, expectModelReady, expectSamplesReady, openDemo, openViaInput, quantize } from './helpers';

// A newcomer's walk with the demo: four variants that differ only in granularity or rounding, at 1280×800.
// Each check names what the user would otherwise not see (a name cut short, a cell pushed out of its box).
test.describe.configure({ timeout: 150_000 });

/** Text that does not fit its box (cut by an ellipsis or overflow): scrollWidth > clientWidth. */
const cut = (el: Locator) => el.evaluate((n) => n.scrollWidth > n.clientWidth + 1);

async function fourVariants(page: Page) {
  await openDemo(page);
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  const idle = () => expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await quantize(page, ['8-bit', '4-bit']);
  await idle();
  await page.getByRole('radio', { name: 'Tensor', exact: true }).check();
  await quantize(page, ['4-bit']);
  await idle();
  await page.getByRole('radio', { name: 'Channel', exact: true }).check();
  await page.getByRole('radio', { name: 'GPTQ', exact: true }).check();
  await quantize(page, ['4-bit']);
  await idle();
  await expect(page.getByTestId('variant-list').locator('.variant-row')).toHaveCount(4);
  await expect(page.getByTestId('variant-list').locator('[data-status=done]')).toHaveCount(4);
}

test('variants that differ only in granularity or rounding read differently in the sidebar and the table', async ({
  page,
}) => {
  await fourVariants(page);
  // Sidebar: each name whole (the part that tells them apart comes last).
  const names = page.getByTestId('variant-list').locator('.variant-name');
  for (const name of await names.all()) expect(await cut(name), (await name.textContent()) ?? '').toBe(false);
  expect(new Set(await names.allTextContents()).size).toBe(4);
  // Table: bits + settings columns are the sidebar's name, so the GPTQ row is not a copy of the RTN one.
  const rows = page.getByTestId('variants-table').locator('table.variants-table > tbody > tr');
  const texts = await rows.evaluateAll((trs) =>
    trs.map((tr) => `${tr.querySelector('th')?.textContent} · ${tr.querySelector('td')?.textContent}`),
  );
  expect(texts.sort()).toEqual((await names.allTextContents()).sort());
  // The GPTQ row's notes follow each other without blank bands.
  const calibrated = await page.getByTestId('variant-calibration-w4-sym-channel-gptq').boundingBox();
  const rounding = await page.getByTestId('variant-rounding-w4-sym-channel-gptq').boundingBox();
  expect(rounding!.y - (calibrated!.y + calibrated!.height)).toBeLessThanOrEqual(8);
  // Four variants' legends (above each plot, below it they ran into the channel plots' x titles).
  expect(await drawnPlotOverlaps(page)).toEqual([]);
});

/** The element's box is inside its scroll box and the viewport horizontally (nothing to scroll sideways to). */
async function expectFitsAcross(scroller: Locator) {
  const box = await scroller.evaluate((n) => ({
    scrollWidth: n.scrollWidth,
    clientWidth: n.clientWidth,
    right: n.getBoundingClientRect().right,
    viewport: window.innerWidth,
  }));
  expect(box.scrollWidth, JSON.stringify(box)).toBeLessThanOrEqual(box.clientWidth + 1);
  expect(box.right, JSON.stringify(box)).toBeLessThanOrEqual(box.viewport);
}

test('after evaluation and sensitivity, the variants and sensitivity tables fit their panels', async ({
  page,
}) => {
  await fourVariants(page);
  await evaluate(page, 120_000);
  const variants = page.getByTestId('variants-table').locator('.table-scroll:has(> table.variants-table)');
  // Accuracies filled in (their value depends on the hold-out split; the layout is what is checked here).
  await expect(
    page
      .getByTestId('variants-table')
      .getByText(/^\d+\.\d%$/)
      .first(),
  ).toBeVisible();
  await expectFitsAcross(variants);
  for (const box of await page.locator('[data-testid^=external-data-]').all()) {
    await box.scrollIntoViewIfNeeded();
    const r = await box.boundingBox();
    const panel = await variants.boundingBox();
    expect(r && panel && r.x + r.width <= panel.x + panel.width).toBe(true);
  }
  // Where the bytes go: the original and four variant columns fit too.
  const account = page.getByTestId('byte-account');
  await account.getByText('Where the bytes go').click();
  await expectFitsAcross(account.locator('.table-scroll'));

  await page.getByTestId('sensitivity-button').click();
  const table = page.getByTestId('sensitivity-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expectFitsAcross(table.locator('xpath=..'));
  const keep = table.getByRole('button', { name: /^Keep .* float$/ }).first();
  await keep.scrollIntoViewIfNeeded();
  expect(await cut(keep)).toBe(false);

  // The chart's left title clears its tick labels, even for the demo's tiny KL (a saturated softmax).
  const chart = page.getByTestId('plot-sensitivity');
  await chart.scrollIntoViewIfNeeded();
  await expect(chart).toHaveAttribute('data-status', 'ready');
  expect(await plotOverlaps(chart)).toEqual([]);
  expect(await drawnPlotOverlaps(page)).toEqual([]);
});

/**
 * In every drawn plot under `root`: axis titles, tick labels, the legend and the toolbar whose boxes intersect another's
 * (tick labels among themselves excluded). Returns "plot: a × b" lines.
 */
async function plotOverlaps(root: Locator): Promise<string[]> {
  return root.evaluate((rootEl) => {
    const out: string[] = [];
    for (const plot of rootEl.querySelectorAll<HTMLElement>('.js-plotly-plot')) {
      const id = plot.closest('[data-testid]')?.getAttribute('data-testid') ?? '?';
      const parts: { name: string; r: DOMRect; group: string }[] = [];
      const add = (sel: string, name: string, group: string) =>
        plot.querySelectorAll(sel).forEach((el) => {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.height > 0) parts.push({ name: `${name} "${el.textContent}"`, r, group });
        });
      add('.xtitle', 'x title', 'xt');
      add('.ytitle', 'y title', 'yt');
      add('.y2title', 'y2 title', 'y2t');
      add('.xaxislayer-above .xtick text', 'x tick', 'xtick');
      add('.yaxislayer-above .ytick text', 'y tick', 'ytick');
      add('.yaxislayer-above .y2tick text', 'y2 tick', 'y2tick');
      add('.legend .bg', 'legend', 'legend');
      add('.modebar', 'toolbar', 'modebar'); // shown on hover: it must not cover a legend or labels then

      const hit = (a: DOMRect, b: DOMRect) =>
        a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
      for (let i = 0; i < parts.length; i++)
        for (let j = i + 1; j < parts.length; j++)
          if (parts[i].group !== parts[j].group && hit(parts[i].r, parts[j].r))
            out.push(`${id}: ${parts[i].name} × ${parts[j].name}`);
    }
    return out;
  });
}

/** Scroll every plot into view so it draws (they draw near the screen only), then plotOverlaps on the page. */
async function drawnPlotOverlaps(page: Page): Promise<string[]> {
  for (const plot of await page.locator('[data-testid^=plot-][data-status]').all()) {
    await plot.scrollIntoViewIfNeeded();
    await expect(plot).not.toHaveAttribute('data-status', 'loading');
  }
  return plotOverlaps(page.locator('body'));
}

/**
 * Press Tab until `target` has focus (at most `max` presses); then it must show a focus ring and be in view.
 * Returns how many presses it took.
 */
async function tabTo(page: Page, target: Locator, max = 150): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      const ring = await target.evaluate((el) => {
        const cs = getComputedStyle(el);
        return cs.boxShadow !== 'none' || (cs.outlineStyle !== 'none' && cs.outlineWidth !== '0px');
      });
      expect(ring, 'focus ring').toBe(true);
      const box = await target.boundingBox();
      const vp = page.viewportSize();
      // Within 1 px: the browser scrolls by whole pixels, so a control at a fractional offset can end 0.02 px below.
      expect(box && vp && box.y >= -1 && box.y + box.height <= vp.height + 1, 'focused control in view').toBe(
        true,
      );
      return i;
    }
  }
  throw new Error(`${target} not reached in ${max} Tab presses`);
}

test('keyboard only: demo model, Quantize, demo digits, Evaluate, Download', async ({ page }) => {
  await page.goto('/');
  const presses: Record<string, number> = {};
  presses.demo = await tabTo(page, page.getByRole('button', { name: 'Demo model', exact: true }));
  await page.keyboard.press('Enter');
  await expectModelReady(page, 'mnist-8.onnx');
  const quantizeButton = page.getByRole('button', { name: 'Quantize', exact: true });
  presses.quantize = await tabTo(page, quantizeButton);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('variant-list').locator('[data-status=done]').first()).toBeVisible();
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  presses.digits = await tabTo(page, page.getByRole('button', { name: 'Use 300 demo digits' }));
  await page.keyboard.press('Enter');
  await expectSamplesReady(page, 300);
  presses.evaluate = await tabTo(page, page.getByTestId('evaluate-button'));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('eval-results')).toBeVisible({ timeout: 60_000 });
  // Download is in the variants table at the top: Shift+Tab back up to it.
  const download = page.locator('[data-testid^=download-] button').first();
  await page.keyboard.down('Shift');
  presses.download = await tabTo(page, download, 300);
  await page.keyboard.up('Shift');
  const wait = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  expect((await wait).suggestedFilename()).toMatch(/^mnist-8_w\d_channel\.onnx$/);
  console.log('Tab presses', presses);
});

test('a layer left out of quantization: its disabled Layer settings say why', async ({ page }) => {
  await page.goto('/');
  // The token model's embedding (Gather) is left float unless included.
  await openViaInput(page, [{ name: 'tokens.onnx', bytes: tokenModel() }]);
  await expectModelReady(page, 'tokens.onnx');
  for (const what of ['Bit width', 'Clip range', 'Rounding']) {
    const select = page.getByRole('combobox', { name: `${what} for E`, exact: true });
    await expect(select).toBeDisabled();
    await expect(select).toHaveAttribute('title', /tick the box/);
  }
  await page.getByRole('checkbox', { name: 'Quantize E', exact: true }).check();
  await expect(page.getByRole('combobox', { name: 'Bit width for E', exact: true })).toBeEnabled();
});

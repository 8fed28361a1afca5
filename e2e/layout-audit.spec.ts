import { expect, test, type Locator, type Page } from '@playwright/test';
import { evaluate, expectModelReady, expectSamplesReady, quantize } from './helpers';

// A newcomer's walk with the demo: four variants that differ only in granularity or rounding, at 1280×800.
// Each check names what the user would otherwise not see (a name cut short, a cell pushed out of its box).
test.describe.configure({ timeout: 150_000 });

/** Text that does not fit its box (cut by an ellipsis or overflow): scrollWidth > clientWidth. */
const cut = (el: Locator) => el.evaluate((n) => n.scrollWidth > n.clientWidth + 1);

async function fourVariants(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Demo model', exact: true }).click();
  await expectModelReady(page, 'mnist-8.onnx');
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
  const rows = page.getByTestId('variants-table').locator('tbody tr');
  const texts = await rows.evaluateAll((trs) =>
    trs.map((tr) => `${tr.querySelector('th')?.textContent} · ${tr.querySelector('td')?.textContent}`),
  );
  expect(texts.sort()).toEqual((await names.allTextContents()).sort());
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
  const variants = page.getByTestId('variants-table').locator('.table-scroll');
  await expect(page.getByTestId('variants-table').getByText('99.7%').first()).toBeVisible();
  await expectFitsAcross(variants);
  for (const box of await page.locator('[data-testid^=external-data-]').all()) {
    await box.scrollIntoViewIfNeeded();
    const r = await box.boundingBox();
    const panel = await variants.boundingBox();
    expect(r && panel && r.x + r.width <= panel.x + panel.width).toBe(true);
  }

  await page.getByTestId('sensitivity-button').click();
  const table = page.getByTestId('sensitivity-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expectFitsAcross(table.locator('xpath=..'));
  const keep = table.getByRole('button', { name: /^Keep .* float$/ }).first();
  await keep.scrollIntoViewIfNeeded();
  expect(await cut(keep)).toBe(false);
});

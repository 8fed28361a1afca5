import { expect, test, type Locator, type Page } from '@playwright/test';
import { manyOpsModel } from './fixtures/onnx-builder';
import { MNIST_MLIR, dropFiles, expectModelReady, fileFromPath, openViaInput, quantize } from './helpers';

// What a first-time user sees at 1280×800 (the config's viewport): the primary action and errors in view.

/** The element's box, and whether it is wholly inside the viewport and the topmost thing at its centre. */
async function inView(el: Locator) {
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const hit = document.elementFromPoint(cx, cy);
    return {
      box: { top: Math.round(r.top), bottom: Math.round(r.bottom) },
      visible:
        r.width > 0 &&
        r.height > 0 &&
        r.top >= 0 &&
        r.left >= 0 &&
        r.bottom <= window.innerHeight &&
        r.right <= window.innerWidth,
      onTop: hit !== null && (hit === node || node.contains(hit)),
      cx,
      cy,
    };
  });
}

const quantizeButton = (page: Page) => page.getByRole('button', { name: 'Quantize', exact: true });

for (const [name, file] of [
  ['mnist-onnx-mlir', () => fileFromPath(MNIST_MLIR)],
  ['a model with 34 operator types', () => ({ name: 'many-ops.onnx', bytes: manyOpsModel() })],
] as const) {
  test(`Quantize is visible and clickable without scrolling: ${name}`, async ({ page }) => {
    await page.goto('/');
    const f = file();
    await openViaInput(page, [f]);
    await expectModelReady(page, f.name);
    const button = quantizeButton(page);
    await expect(button).toBeEnabled();
    const where = await inView(button);
    expect(where.visible, `Quantize at y ${where.box.top}–${where.box.bottom}`).toBe(true);
    expect(where.onTop).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    // A real click at those coordinates (no auto-scroll) starts the batch.
    await page.mouse.click(where.cx, where.cy);
    await expect(page.getByTestId('variant-list').locator('[data-status=done]').first()).toBeVisible();
    // And it stays in view after scrolling the page down to the plots.
    await page.mouse.wheel(0, 2000);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    expect((await inView(button)).visible).toBe(true);
  });
}

test('a bad file dropped after scrolling: the error shows in view and is announced', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'many-ops.onnx', bytes: manyOpsModel() }]);
  await expectModelReady(page, 'many-ops.onnx');
  // Scroll everything that scrolls to its end, as a user looking for Quantize would.
  await page.evaluate(() => {
    for (const el of document.querySelectorAll<HTMLElement>('.sidebar, .sidebar *')) el.scrollTop = 1e6;
    window.scrollTo(0, document.body.scrollHeight);
  });
  await dropFiles(page, [{ name: 'notes.onnx', bytes: new TextEncoder().encode('not a model') }], 'body');
  const alert = page.getByRole('alert').filter({ hasText: 'notes.onnx' });
  await expect(alert).toBeVisible();
  const where = await inView(alert);
  expect(where.visible, `error at y ${where.box.top}–${where.box.bottom}`).toBe(true);
  expect(where.onTop).toBe(true);
});

test('page order: variants, then the weights with the selected layer’s plots, then evaluation', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  const top = (sel: string) =>
    page
      .locator(sel)
      .first()
      .evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
  const order = [
    await top('#variants'),
    await top('[data-testid=weight-row]'),
    await top('[data-testid=plot-histogram]'),
    await top('[data-testid=plot-layer-error]'),
    await top('#evaluation'),
  ];
  expect(order).toEqual([...order].sort((a, b) => a - b));
});

import { expect, test } from '@playwright/test';

// These need only the shell (no worker API).

test('the app loads with a drop zone, a file input and the demo button', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page).toHaveTitle('Quantization Studio');
  await expect(page.getByRole('banner')).toContainText('Quantization Studio');
  await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByRole('button', { name: 'Demo model', exact: true })).toBeEnabled();
  // One name for picking a model: the landing page's button is the header's (and the README's) "Open model…".
  await expect(page.getByRole('button', { name: 'Open model…' })).toBeEnabled();
  // The steps name the whole journey, in the README's words.
  await expect(page.getByRole('list', { name: 'How it works' }).locator('strong')).toHaveText([
    'Load',
    'Configure',
    'Compare',
    'Evaluate',
    'Download',
  ]);
  const input = page.getByTestId('model-file-input');
  await expect(input).toHaveAttribute('type', 'file');
  await expect(input).toHaveAttribute('multiple', '');
  // COOP/COEP from vite preview: needed for ORT threads later.
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  expect(errors).toEqual([]);
});

test('the demo model is served with its attribution', async ({ request }) => {
  const model = await request.get('/demo/mnist-8.onnx');
  expect(model.ok()).toBe(true);
  expect((await model.body()).length).toBe(26_454);
  const attribution = await request.get('/demo/ATTRIBUTION.md');
  expect(await attribution.text()).toContain('MIT');
  // The demo samples too, attributed.
  const samples = await request.get('/demo/mnist-samples.zip');
  expect(samples.ok()).toBe(true);
  expect((await samples.body()).length).toBe(122_563);
  expect(await attribution.text()).toContain('LeCun');
});

test('the theme toggle switches light/dark and the choice persists', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  const toggle = page.getByTestId('theme-toggle');
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toHaveAccessibleName('Switch to light theme');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('the system dark preference is followed when nothing was chosen', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('the landing page is keyboard reachable', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab'); // skip link
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  const reached: string[] = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    reached.push(
      await page.evaluate(
        () =>
          document.activeElement?.textContent?.trim() ||
          document.activeElement?.getAttribute('aria-label') ||
          '',
      ),
    );
  }
  expect(reached).toEqual(expect.arrayContaining(['Open model…', 'Demo model', 'Switch to dark theme']));
});

test('a file that cannot be opened shows an error in place and the page stays usable', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('model-file-input').setInputFiles({
    name: 'not-a-model.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('this is plainly not protobuf, just some text bytes\n'),
  });
  const error = page.getByTestId('load-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('role', 'alert');
  await expect(error).toContainText('not-a-model.onnx');
  await expect(page.getByTestId('drop-zone')).toHaveAttribute('data-status', 'error');
  await expect(page.getByRole('button', { name: 'Demo model', exact: true })).toBeEnabled();
});

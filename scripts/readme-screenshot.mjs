// Regenerates docs/screenshot.png: the studio with mnist-onnx-mlir loaded and 8-bit vs 4-bit compared.
// Usage: npm run build && npx vite preview --port 4197 & node scripts/readme-screenshot.mjs
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium.mjs';

const url = process.env.STUDIO_URL ?? 'http://localhost:4197/';
const browser = await chromium.launch(chromiumLaunchOptions());
const page = await browser.newPage({ viewport: { width: 1280, height: 1500 }, colorScheme: 'light' });
await page.goto(url);
await page.getByTestId('model-file-input').setInputFiles('test/data/models/mnist-onnx-mlir/model.onnx');
await page.locator('[data-testid=model-summary][data-status=ready]').waitFor();
await page.getByRole('button', { name: 'Quantize', exact: true }).click();
await page.locator('[data-testid=quantize-batch][data-status=idle]').waitFor();
await page.evaluate(() => window.scrollTo(0, 0));
for (const id of ['plot-histogram', 'plot-layer-error', 'plot-channel-ranges']) {
  await page.locator(`[data-testid=${id}][data-status=ready]`).waitFor();
}
// Each variant is read back and loaded by onnxruntime-web before Download is offered: wait for that too.
await page.waitForFunction(() => !document.body.innerText.includes('Checking…'));
await page.screenshot({ path: 'docs/screenshot.png' });
await browser.close();

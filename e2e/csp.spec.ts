import { expect, test } from '@playwright/test';
import {
  MNIST_PNG_DIR,
  V4,
  dropSamples,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  folderFiles,
  quantize,
} from './helpers';

// The built app under its Content-Security-Policy (vite.config.ts CSP): a full journey — demo model, quantize,
// evaluate in onnxruntime-web, download — with no CSP violation and no request that leaves the page's origin.
test.describe.configure({ timeout: 150_000 });

test('full journey under the CSP: no violation, no foreign request', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const violations: string[] = [];
  const requests: string[] = [];
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('request', (r) => requests.push(r.url()));

  const response = await page.goto('/');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(response!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(response!.headers()['cross-origin-opener-policy']).toBe('same-origin');
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveCount(1);
  await expect(page.locator('script:not([src])')).toHaveCount(0); // no inline script in the page

  await page.getByRole('button', { name: 'Demo model', exact: true }).click();
  await expectModelReady(page, 'mnist-8.onnx');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');

  // 20 images per class is enough to run float and the variant through onnxruntime-web's wasm
  const perClass = new Map<string, number>();
  const files = folderFiles(MNIST_PNG_DIR, 'png').filter((f) => {
    const m = /^png\/(\d)\//.exec(f.path);
    if (!m) return false;
    perClass.set(m[1], (perClass.get(m[1]) ?? 0) + 1);
    return perClass.get(m[1])! <= 20;
  });
  await dropSamples(page, files, 'entries');
  await expectSamplesReady(page, files.length);
  await evaluate(page);

  const wait = page.waitForEvent('download');
  await page.getByTestId(`download-${V4}`).getByRole('button').click();
  expect((await wait).suggestedFilename()).toMatch(/\.onnx$/);

  const inPage = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(inPage).toEqual([]);
  expect(violations).toEqual([]);
  const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !/^(blob|data):/.test(u));
  expect(foreign).toEqual([]);
  expect(requests.some((u) => u.endsWith('.wasm'))).toBe(true); // the worker's traffic is in the record
});

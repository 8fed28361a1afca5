// The same kernel measurement in a dedicated worker of headless Chromium (/usr/bin/chromium, see scripts/chromium.mjs):
// the kernel bench is bundled with esbuild, started from a Blob URL, and timed with performance.now (a browser has
// no CPU clock: the ratios are of the best of 15 rounds of each, the rounds least disturbed by other processes).
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import { chromium } from '@playwright/test';
import { dirname, join, resolve } from 'node:path';
import { chromiumLaunchOptions } from '../chromium.mjs';
import type { KernelResult } from './kernel';

async function bundle(fusedPath: string): Promise<string> {
  const simdPath = join(dirname(resolve(fusedPath)), 'simd/kernel.ts'); // a WebAssembly SIMD path, timed on and off
  const simd = existsSync(simdPath);
  const entry = `
    import { kernelBench } from ${JSON.stringify(resolve(import.meta.dirname, 'kernel.ts'))};
    import { quantizeFused } from ${JSON.stringify(resolve(fusedPath))};
    ${simd ? `import { setSimdKernel } from ${JSON.stringify(simdPath)};` : 'const setSimdKernel = undefined;'}
    postMessage(kernelBench(quantizeFused, () => performance.now(), 'best', 15, setSimdKernel));`;
  const out = await build({
    stdin: { contents: entry, resolveDir: import.meta.dirname, loader: 'ts' },
    bundle: true,
    format: 'iife',
    write: false,
    platform: 'browser',
    logLevel: 'warning',
  });
  return out.outputFiles[0].text;
}

/** KernelResult per fused.ts path, each in a fresh worker; null (with the reason on stderr) if Chromium fails. */
export async function browserKernelBench(fusedPaths: string[]): Promise<(KernelResult | null)[]> {
  const browser = await chromium.launch(chromiumLaunchOptions()).catch((e: Error) => {
    console.error(`kernel in a browser worker: Chromium did not start (${e.message.split('\n')[0]})`);
    return null;
  });
  if (!browser) return fusedPaths.map(() => null);
  try {
    const page = await browser.newPage();
    const results: (KernelResult | null)[] = [];
    for (const path of fusedPaths) {
      const code = await bundle(path);
      results.push(
        await page.evaluate(
          (src) =>
            new Promise<KernelResult>((ok, fail) => {
              const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
              worker.onmessage = (e) => (worker.terminate(), ok(e.data as KernelResult));
              worker.onerror = (e) => (worker.terminate(), fail(new Error(e.message)));
            }),
          code,
        ),
      );
    }
    return results;
  } finally {
    await browser.close();
  }
}

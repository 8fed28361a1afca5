import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { sharedModel } from '../test/paths';

export const MNIST_MLIR = sharedModel('mnist-onnx-mlir', 'model.onnx');
export const MNIST_8 = sharedModel('mnist-8', 'model.onnx');
/** Weights of mnist-onnx-mlir as the worker names them (Gemm B inputs): the first (196×128) is the largest. */
export const MLIR_PARAMS = 26_506;

/** Default config variant ids (symmetric, per-channel). */
export const V8 = 'w8-sym-channel';
export const V4 = 'w4-sym-channel';

/** Main-thread long tasks above this during quantization count as a freeze. */
export const LONG_TASK_BUDGET_MS = 300;

export interface FileSpec {
  name: string;
  bytes: Uint8Array;
}

export const fileFromPath = (path: string, name = basename(path)): FileSpec => ({
  name,
  bytes: new Uint8Array(readFileSync(path)),
});

/** Open files through the page's file input (the file dialog path). */
export async function openViaInput(page: Page, files: FileSpec[]): Promise<void> {
  await page.getByTestId('model-file-input').setInputFiles(
    files.map((f) => ({
      name: f.name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(f.bytes),
    })),
  );
}

/** Drop files on `target` the way a browser does: a DataTransfer built in the page, then dragenter/over/drop. */
export async function dropFiles(
  page: Page,
  files: FileSpec[],
  target = '[data-testid=drop-zone]',
): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    return dt;
  }, payload);
  await page.dispatchEvent(target, 'dragenter', { dataTransfer });
  await page.dispatchEvent(target, 'dragover', { dataTransfer });
  await page.dispatchEvent(target, 'drop', { dataTransfer });
}

export async function expectModelReady(page: Page, fileName: string): Promise<void> {
  const summary = page.getByTestId('model-summary');
  await expect(summary).toHaveAttribute('data-status', 'ready');
  await expect(summary.getByRole('heading', { level: 2 })).toHaveText(fileName);
}

export interface TraceInfo {
  name: string;
  type: string;
  meta: Record<string, unknown> | null;
  x: unknown[];
  y: unknown[];
}

/** plotly's `data` on a plot element (set by Plotly.react), once the plot reports it is drawn. */
export async function plotTraces(page: Page, testId: string): Promise<TraceInfo[]> {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded(); // plots draw only when on or near the screen
  await expect(el).toHaveAttribute('data-status', 'ready');
  return el.evaluate((node) => {
    const data = (node as HTMLElement & { data?: Record<string, unknown>[] }).data ?? [];
    const arr = (v: unknown) =>
      v && typeof v === 'object' && 'length' in v ? Array.from(v as ArrayLike<unknown>) : [];
    return data.map((t) => ({
      name: String(t.name ?? ''),
      type: String(t.type ?? ''),
      meta: (t.meta as Record<string, unknown>) ?? null,
      x: arr(t.x),
      y: arr(t.y),
    }));
  });
}

/** Quantize with exactly these bit widths (labels as on the checkboxes, e.g. '8-bit'). */
export async function quantize(page: Page, labels: string[]): Promise<void> {
  const group = page.getByTestId('bit-widths');
  for (const box of await group.getByRole('checkbox').all()) {
    const label = (await box.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
    if (labels.includes(label)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Quantize', exact: true }).click();
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { testModel } from '../test/paths';

export const MNIST_MLIR = testModel('mnist-onnx-mlir', 'model.onnx');
export const MNIST_8 = testModel('mnist-8', 'model.onnx');
/** Weights of mnist-onnx-mlir as the worker names them (Gemm B inputs): the first (196×128) is the largest. */
export const MLIR_PARAMS = 26_506;

/** Default config variant ids (symmetric, per-channel). */
export const V8 = 'w8-sym-channel';
export const V4 = 'w4-sym-channel';

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

/** The start page with the demo model (mnist-8) opened by its button. */
export async function openDemo(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Demo model', exact: true }).click();
  await expectModelReady(page, 'mnist-8.onnx');
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

// ---------- evaluation ----------

export const MNIST_PNG_DIR = testModel('mnist-8', 'samples', 'png');
export const IRIS = testModel('iris-mlp-winml', 'model.onnx');
export const IRIS_CSV = testModel('iris-mlp-winml', 'data', 'Iris.csv');

/** A dropped file with its path relative to the drop ('png/7/0042.png'). */
export interface RelFile {
  path: string;
  bytes: Uint8Array;
}

/** Every file under `dir`, with paths `<prefix>/<relative path>` (what a folder drop or picker gives). */
export function folderFiles(dir: string, prefix = basename(dir)): RelFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => {
      const abs = join(d.parentPath, d.name);
      return {
        path: `${prefix}/${relative(dir, abs).split(sep).join('/')}`,
        bytes: new Uint8Array(readFileSync(abs)),
      };
    });
}

/**
 * Drop files on the sample-set zone. `mode: 'entries'` simulates a real folder drop: each top-level folder is one
 * DataTransfer item whose `webkitGetAsEntry()` is a directory entry, read in batches (as Chromium does), so the app
 * walks it recursively. `mode: 'relative'` drops plain Files whose `webkitRelativePath` carries the path.
 * `emptyFolders` adds top-level folders with nothing in them.
 */
export async function dropSamples(
  page: Page,
  files: RelFile[],
  mode: 'entries' | 'relative',
  emptyFolders: string[] = [],
  target = '[data-testid=sample-drop]',
): Promise<void> {
  await (
    await prepareSampleDrop(page, files, mode, emptyFolders, target)
  )();
}

/** dropSamples in two steps: build the drop in the page now (a long task of the test's own), dispatch it later. */
export async function prepareSampleDrop(
  page: Page,
  files: RelFile[],
  mode: 'entries' | 'relative',
  emptyFolders: string[] = [],
  target = '[data-testid=sample-drop]',
): Promise<() => Promise<void>> {
  const payload = files.map((f) => ({ path: f.path, b64: Buffer.from(f.bytes).toString('base64') }));
  const dataTransfer = await page.evaluateHandle(
    ({ items, mode, emptyFolders }) => {
      const decode = (b64: string) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        return bytes;
      };
      const dt = new DataTransfer();
      if (mode === 'relative') {
        for (const { path, b64 } of items) {
          const file = new File([decode(b64)], path.split('/').pop() as string);
          Object.defineProperty(file, 'webkitRelativePath', { value: path });
          dt.items.add(file);
        }
        return dt;
      }
      type Node = { dirs: Map<string, Node>; files: File[] };
      const root: Node = { dirs: new Map(), files: [] };
      for (const { path, b64 } of items) {
        const parts = path.split('/');
        let node = root;
        for (const p of parts.slice(0, -1)) {
          if (!node.dirs.has(p)) node.dirs.set(p, { dirs: new Map(), files: [] });
          node = node.dirs.get(p) as Node;
        }
        node.files.push(new File([decode(b64)], parts[parts.length - 1]));
      }
      for (const e of emptyFolders) root.dirs.set(e, { dirs: new Map(), files: [] });
      const BATCH = 40; // Chromium hands out 100 per readEntries call; smaller here to exercise the loop
      const later = <T>(v: T, ok: (v: T) => void) => setTimeout(() => ok(v), 0);
      const fileEntry = (file: File, fullPath: string) => ({
        isFile: true,
        isDirectory: false,
        name: file.name,
        fullPath,
        file: (ok: (f: File) => void) => later(file, ok),
      });
      const dirEntry = (name: string, fullPath: string, node: Node): unknown => {
        const children = [
          ...[...node.dirs].map(([n, d]) => dirEntry(n, `${fullPath}/${n}`, d)),
          ...node.files.map((f) => fileEntry(f, `${fullPath}/${f.name}`)),
        ];
        return {
          isFile: false,
          isDirectory: true,
          name,
          fullPath,
          createReader: () => {
            let at = 0;
            return {
              readEntries: (ok: (e: unknown[]) => void) => {
                const batch = children.slice(at, at + BATCH);
                at += batch.length;
                later(batch, ok);
              },
            };
          },
        };
      };
      const entries = new Map<string, unknown>();
      for (const [name, node] of root.dirs) {
        // A dropped folder appears in dt.files as an empty File named after it.
        dt.items.add(new File([], name));
        entries.set(name, dirEntry(name, `/${name}`, node));
      }
      for (const f of root.files) {
        dt.items.add(f);
        entries.set(f.name, fileEntry(f, `/${f.name}`));
      }
      const proto = DataTransferItem.prototype as DataTransferItem & { __real?: unknown };
      const real = proto.webkitGetAsEntry;
      proto.webkitGetAsEntry = function (this: DataTransferItem) {
        const name = this.getAsFile()?.name ?? '';
        return (entries.get(name) as FileSystemEntry | undefined) ?? real.call(this);
      };
      return dt;
    },
    { items: payload, mode, emptyFolders },
  );
  return async () => {
    await page.dispatchEvent(target, 'dragenter', { dataTransfer });
    await page.dispatchEvent(target, 'dragover', { dataTransfer });
    await page.dispatchEvent(target, 'drop', { dataTransfer });
  };
}

/** Wait until the sample set is read, with this many samples. */
export async function expectSamplesReady(page: Page, count: number): Promise<void> {
  await expect(page.getByTestId('sample-drop')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('sample-summary')).toHaveAttribute('data-count', String(count));
}

/**
 * Evaluate on every sample (untick "Hold out the first N samples (calibration) from evaluation"): for checks against a set's published
 * full-set numbers. By default a set of at least twice the calibration count is evaluated without its first N.
 */
export async function evaluateWholeSet(page: Page): Promise<void> {
  await page.getByTestId('eval-holdout').uncheck();
  await expect(page.getByTestId('eval-split-note')).toContainText('not held out');
}

/** Press Evaluate and wait for the run to finish with results on screen. */
export async function evaluate(page: Page, timeout = 60_000): Promise<void> {
  const bar = page.getByTestId('eval-run');
  const before = await bar.getAttribute('data-result');
  const run = page.getByTestId('evaluate-button');
  await expect(run).toBeEnabled();
  await run.click();
  await expect(bar).not.toHaveAttribute('data-result', before ?? '0', { timeout });
  await expect(bar).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId('eval-error')).toHaveCount(0);
  await expect(page.getByTestId('eval-results')).toBeVisible();
}

/** The top-1 accuracy shown for a results row ('float' or a variant id), as a fraction and as text. */
export async function rowTop1(page: Page, row: string): Promise<{ value: number; text: string }> {
  const cell = page.getByTestId(`eval-row-${row}`).getByTestId('eval-top1');
  return { value: Number(await cell.getAttribute('data-value')), text: (await cell.textContent()) ?? '' };
}

/**
 * `qstudio quantize <modelPath> --bits 8 --granularity channel --external-data` into the test's 'cli' folder: each
 * of `names` the studio saved in `folder` must have the CLI's bytes.
 */
export function expectCliExternalDataBytes(modelPath: string, folder: string, names: string[]): void {
  const cliFolder = test.info().outputPath('cli');
  mkdirSync(cliFolder, { recursive: true });
  const out = join(cliFolder, 'model_w8_channel.onnx');
  const flags = ['--bits', '8', '--granularity', 'channel', '--external-data'];
  execFileSync('node', ['bin/qstudio.mjs', 'quantize', modelPath, '-o', out, ...flags]);
  for (const name of names)
    expect(readFileSync(join(folder, name)).equals(readFileSync(join(cliFolder, name))), name).toBe(true);
}

// What reading a picked file costs Chromium, alone: the bound under the studio's quantize speed on large models.
// A page with a file input gets the model's files by path (as the studio-large bench picks them), a worker reads
// them in tensor-sized slices with `Blob.slice().arrayBuffer()` (how the studio's quantize worker reads a tensor) and
// drops each; the CPU time of Chromium's process tree over the reads (the browser process serves every Blob read)
// gives GB per CPU second. With nothing else to do, `cores` × that is the most any quantize in the page can reach.
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.mjs';
import { launchedBrowserPid, treeCpuMs } from './chromium-procs';
import type { Row } from './extra-rows';

/** Slices of this many bytes: the LLM model's larger tensors (4096 × 11008 float32 is 180 MB). */
const SLICE_BYTES = 128 * 2 ** 20;

export interface BlobRead {
  bytes: number;
  /** Best of the passes (the first may still fault pages in): wall seconds and CPU seconds of Chromium's tree. */
  wallS: number;
  cpuS: number;
  passes: number;
}

const WORKER = `onmessage = async (e) => {
  const { files, slice } = e.data;
  let bytes = 0;
  for (const f of files)
    for (let at = 0; at < f.size; at += slice) bytes += (await f.slice(at, Math.min(f.size, at + slice)).arrayBuffer()).byteLength;
  postMessage(bytes);
};`;

export async function measureBlobRead(files: string[], passes = 3): Promise<BlobRead> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const pid = launchedBrowserPid();
    const page = await browser.newPage();
    await page.setContent('<input type="file" multiple>');
    await page.setInputFiles('input', files);
    let best: BlobRead | null = null;
    for (let i = 0; i < passes; i++) {
      const cpu0 = treeCpuMs(pid);
      const t0 = performance.now();
      const bytes = await page.evaluate(
        ({ code, slice }) =>
          new Promise<number>((resolve, reject) => {
            const input = document.querySelector('input') as HTMLInputElement;
            const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
            w.onmessage = (e) => (w.terminate(), resolve(e.data as number));
            w.onerror = (e) => reject(new Error(e.message));
            w.postMessage({ files: [...(input.files ?? [])], slice });
          }),
        { code: WORKER, slice: SLICE_BYTES },
      );
      const run = {
        bytes,
        wallS: (performance.now() - t0) / 1000,
        cpuS: (treeCpuMs(pid) - cpu0) / 1000,
        passes,
      };
      if (!best || run.cpuS < best.cpuS) best = run;
    }
    return best!;
  } finally {
    await browser.close();
  }
}

/** The row for docs/performance.md's studio area: reading alone, and the bound it puts on a quantize in the page. */
export function blobReadRow(area: string, r: BlobRead, cores: number): Row {
  const perCpu = r.bytes / 1e9 / r.cpuS;
  return [
    area,
    "reading the model's files alone in a Chromium worker (Blob.slice().arrayBuffer(), 128 MiB slices): GB/s (wall)",
    (r.bytes / 1e9 / r.wallS).toFixed(2),
    '–',
    `${r.wallS.toFixed(2)} s and ${r.cpuS.toFixed(2)} CPU s of Chromium's processes for ${(r.bytes / 1e9).toFixed(2)} GB (${perCpu.toFixed(2)} GB per CPU second; best of ${r.passes} passes, the files in the page cache): every Blob read goes through the browser process, so reading alone takes ${(1 / perCpu).toFixed(2)} CPU s per GB and on ${cores} cores no quantize in the page can pass ${(cores * perCpu).toFixed(2)} GB/s of input even with free quantization; the quantize rows above read and quantize`,
    '',
  ];
}

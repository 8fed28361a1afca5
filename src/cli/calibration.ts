// CLI calibration: read a sample set from a file or folder (the studio's sample readers and preprocessing), stream
// it through onnxruntime-web's wasm backend in Node and accumulate the Hessians GPTQ / AdaRound need.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { StudioError } from '../core/errors';
import type { ActivationRunner } from '../core/gptq/capture';
import { ortActivationRunner } from '../workers/ort-backend';
import type { OnnxModel } from '../core/onnx/types';
import { calibrateOnSet, type CalibrationResult } from '../core/pipeline/calibrate';
import type { QuantConfig } from '../core/quant/config';
import { detectSampleSet, type SampleEntry } from '../core/samples';

export type { CalibrationResult } from '../core/pipeline/calibrate';

async function entriesOf(path: string): Promise<SampleEntry[]> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new StudioError('SampleSetError', `--calibration ${path}: no such file or folder`);
  if (info.isFile())
    return [{ path: basename(path), bytes: async () => new Uint8Array(await readFile(path)) }];
  const files = (await readdir(path, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  return files.map((d) => {
    const full = join(d.parentPath, d.name);
    return {
      path: relative(path, full).split('\\').join('/'),
      bytes: async () => new Uint8Array(await readFile(full)),
    };
  });
}

/**
 * onnxruntime-web (wasm, one thread) in Node: no new dependency, and the studio's own runner (the same session
 * options and output decoding, float16 included), so the CLI and the studio capture the same activations.
 */
export const wasmRunner: ActivationRunner = {
  async open(model, outputs) {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    return ortActivationRunner(ort).open(model, outputs);
  },
};

/**
 * Read up to `count` samples of `path` and capture the Hessians of every weight whose method needs them (the core's
 * `calibrateOnSet`, which the studio's evaluate worker runs too). Float capture unless `sequential`.
 */
export async function calibrate(
  model: OnnxModel,
  config: QuantConfig,
  path: string,
  count: number,
  progress: (line: string) => void,
  sequential = false,
  runner: ActivationRunner = wasmRunner,
): Promise<CalibrationResult> {
  const set = await detectSampleSet(await entriesOf(path));
  return calibrateOnSet(model, config, set, count, runner, {
    sequential,
    what: '--calibration',
    onSamples: (done, n) => progress(`calibration: ${done}/${n} samples`),
    onLayer: (i, total) =>
      progress(
        `calibration (sequential): layer ${i + 1}/${total}, ${Math.min(count, set.count)} samples each`,
      ),
  });
}

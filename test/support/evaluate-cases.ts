// Shared cases of the evaluate worker tests: sample files as a drop gives them, the real models with int8/int4
// variants quantized by the real core, and consistency checks on a report.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect } from 'vitest';
import { parseModel, type OnnxModel } from '../../src/core/onnx';
import { runQuantization } from '../../src/core/pipeline/run';
import { normalizeConfig } from '../../src/core/quant/config';
import type { PreprocessOptions } from '../../src/core/samples';
import type { EvalReport, EvalVariantFile, SampleFile } from '../../src/protocol/eval-dto';
import { testModel } from '../paths';

export const blobOf = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>]);
export const file = (abs: string, path: string): SampleFile => ({ path, blob: blobOf(readFileSync(abs)) });
/** Every file under `dir` as a browser folder drop would give it (webkitRelativePath: `<prefix>/<rel>`). */
export const folder = (dir: string, prefix: string): SampleFile[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) =>
      file(
        join(d.parentPath, d.name),
        `${prefix}/${relative(dir, join(d.parentPath, d.name)).split(sep).join('/')}`,
      ),
    );

/** `model` quantized per channel at `bits` by the real core, as a file the worker is given. */
export const perChannelBlob = async (model: OnnxModel, bits: 8 | 4): Promise<Blob> =>
  blobOf((await runQuantization(model, normalizeConfig({ bits, granularity: 'channel' }), `q${bits}`)).bytes);

/** The float model and its int8 / int4 per-channel variants, quantized by the real core. */
export async function modelCase(path: string) {
  const bytes = new Uint8Array(readFileSync(testModel(path)));
  const model = parseModel(bytes, 'm.onnx');
  const variants: EvalVariantFile[] = [
    { id: 'int8', label: 'int8 per-channel', blob: await perChannelBlob(model, 8) },
    { id: 'int4', label: 'int4 per-channel', blob: await perChannelBlob(model, 4) },
  ];
  return { bytes, float: { blob: blobOf(bytes), label: 'float32' }, variants };
}
export type ModelCase = Awaited<ReturnType<typeof modelCase>>;

export const MNIST_PRE: PreprocessOptions = {
  width: 28,
  height: 28,
  channels: 'gray',
  layout: 'NCHW',
  range: '0..255',
  mean: [0],
  std: [1],
  flatten: false,
};

/** Correct top-1 counts: float, then each variant in `mode`. */
export const correct = (r: EvalReport, mode: 'exact' | 'deployed') => [
  r.float.accuracy?.top1Correct,
  ...r.variants.map((v) => v[mode]?.accuracy?.top1Correct),
];

/** Flip counts must agree with the agreement and accuracy numbers. */
export function expectConsistentFlips(r: EvalReport) {
  for (const v of r.variants) {
    for (const m of [v.exact, v.deployed]) {
      if (!m) continue;
      expect(m.flips).toBe(Math.round(r.sampleCount * (1 - m.fidelity!.top1Agreement)));
      if (m.accuracy && r.float.accuracy) {
        expect(r.float.accuracy.top1Correct - (m.flipsBroken ?? 0) + (m.flipsFixed ?? 0)).toBe(
          m.accuracy.top1Correct,
        );
      }
    }
  }
}

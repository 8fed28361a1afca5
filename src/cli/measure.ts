// Measured sensitivity from the CLI: each layer quantized alone on calibration samples (or the synthetic probe),
// through the evaluate worker's API on onnxruntime-web's wasm build in Node — the studio's runtime and code path.
// Used by `qstudio sensitivity` (one width) and by `quantize --target-bits/--target-size --calibration` (every
// width the budget solver picks from).
import { basename } from 'node:path';
import * as ort from 'onnxruntime-web';
import type { OnnxModel } from '../core/onnx/types';
import type { QuantConfig } from '../core/quant/config';
import type { LayerSelection, SensitivityProgress, SensitivityReport } from '../protocol/eval-dto';
import { createEvaluateApi } from '../workers/evaluate.api';
import { sampleFiles } from './evaluate';
import { openFileBlob } from './file-blob';

export interface MeasureOptions {
  /** Sample file or folder; none: the synthetic probe. */
  calibration?: string;
  /** Samples per measured model (with `calibration`). */
  count?: number;
  selection?: LayerSelection;
}

/** The evaluate worker's API in this process (onnxruntime-web, one thread), with the samples loaded if given. */
export async function cliEvaluateApi(modelPath: string, model: OnnxModel, calibration: string | undefined) {
  const float = {
    blob: await openFileBlob(modelPath),
    label: basename(modelPath),
    externalData: [...model.externalFiles].map(([path, blob]) => ({ path, blob: blob as Blob })),
  };
  ort.env.wasm.numThreads = 1;
  const api = createEvaluateApi(ort, { pause: () => Promise.resolve() });
  if (calibration !== undefined) await api.loadSamples(await sampleFiles(calibration));
  return { api, float };
}

/** One report per config (each its own width), progress on stderr: one updating line on a terminal, else per model. */
export async function measureSensitivityCli(
  modelPath: string,
  model: OnnxModel,
  configs: readonly QuantConfig[],
  opts: MeasureOptions,
): Promise<SensitivityReport[]> {
  const { api, float } = await cliEvaluateApi(modelPath, model, opts.calibration);
  const tty = Boolean(process.stderr.isTTY);
  let shown = false;
  const reports: SensitivityReport[] = [];
  try {
    for (const config of configs) {
      const width = configs.length > 1 ? ` int${config.bits}` : '';
      const progress = (p: SensitivityProgress) => {
        const what = p.layer === null ? 'float model' : `layer ${p.done}/${p.total} ${p.layer}`;
        if (tty) {
          shown = true;
          process.stderr.write(`\rsensitivity${width}: ${what}, ${p.sample}/${p.samples} samples`.padEnd(80));
        } else if (p.sample === p.samples) {
          process.stderr.write(`sensitivity${width}: ${what} done\n`);
        }
      };
      reports.push(
        await api.sensitivity(
          {
            float,
            config,
            source: opts.calibration !== undefined ? 'samples' : 'synthetic',
            preprocess: null,
            maxSamples: opts.calibration !== undefined ? opts.count : undefined,
            selection: opts.selection,
          },
          progress,
        ),
      );
    }
  } finally {
    if (shown) process.stderr.write('\n');
  }
  return reports;
}

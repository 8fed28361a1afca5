// Calibration for data-aware rounding (GPTQ, AdaRound, bias correction): the first N samples of the loaded set (the
// calibration part of the split, `sample-split.ts`) are run through the float model in the evaluate worker; the captured Hessians go to the quantize worker (transferred)
// under a key, and the quantize session captures again for a restarted worker. The page keeps no Hessians.
import { proxy } from 'comlink';
import { getEvaluateSession, getQuantizeSession } from '../../bridge';
import type { CalibrationRef } from '../../bridge/quantize-session';
import { needsCalibration, type QuantConfig } from '../../core/quant/config';
import { rangeSize, type SplitMode } from '../../core/samples/split';
import type { CaptureProgress, CaptureRequest } from '../../protocol/eval-dto';
import { selectEvalBusy, selectSamples } from '../eval-selectors';
import { selectSampleSplit } from '../sample-split';
import type { AppState } from '../slices';
import { getState, setState } from '../store';
import type { OpenedModel } from '../types';
import { configKeyWithoutBits } from '../variant-key';
import { defaultPreprocess } from './evaluate-samples';

/** A signal that never aborts: a re-capture for a restarted worker is not cancellable on its own. */
const NEVER = new AbortController().signal;
/** The calibration last put into the quantize worker: one is kept there at a time (Hessians can be large). */
let held: string | undefined;

export const setCalibrationCount = (n: number) => {
  if (Number.isInteger(n) && n >= 1) setState({ calibrationCount: n });
};

export const setCalibrationSplit = (calibrationSplit: SplitMode) => setState({ calibrationSplit });

/** Why Quantize cannot run the chosen method now (null: it can, or the config rounds to nearest). */
export function calibrationBlocker(s: AppState = getState()): string | null {
  if (!needsCalibration(s.config)) return null;
  if (s.samples.status !== 'ready')
    return 'GPTQ, AdaRound and bias correction calibrate on your samples: load a sample set in Evaluate first.';
  if (selectEvalBusy(s) && s.batch.status === 'idle')
    return 'Calibration runs in the evaluation worker: wait for the evaluation to finish.';
  return null;
}

/**
 * What the calibration will be: samples, of how many, from which set, and whether evaluation holds the others out
 * (`fallback`: why not, when a hold-out was asked for) — for the config panel and the notes.
 */
export function calibrationPlan(
  s: AppState = getState(),
): { count: number; of: number; name: string; heldOut: boolean; fallback: string | null } | null {
  const samples = s.samples.status === 'ready' ? s.samples.loaded : null;
  const split = selectSampleSplit(s);
  if (!samples || !split) return null;
  return {
    count: rangeSize(split.calibration),
    of: samples.info.count,
    name: samples.name,
    heldOut: split.heldOut,
    fallback: split.fallback,
  };
}

/**
 * Make sure the quantize worker holds the calibration `config` needs (undefined: none needed): capture it in the
 * evaluate worker unless it is already there. `onProgress` gets samples done; aborting `signal` stops the capture
 * (the evaluate worker is restarted, as for an evaluation).
 */
export async function ensureCalibration(
  loaded: OpenedModel,
  config: QuantConfig,
  signal: AbortSignal,
  onProgress: (p: CaptureProgress) => void,
): Promise<CalibrationRef | undefined> {
  if (!needsCalibration(config)) return undefined;
  const s = getState();
  const blocker = calibrationBlocker(s);
  const samples = selectSamples(s);
  const split = selectSampleSplit(s);
  if (blocker || !samples || !split)
    throw Object.assign(new Error(blocker ?? 'no samples'), { name: 'QuantConfigError' });
  const images = samples.info.kind === 'images';
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  const request: CaptureRequest = {
    float: {
      blob: loaded.file,
      label: loaded.fileName,
      externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
    },
    // What is captured depends on bits only through fp16 (a cast, nothing to capture): capture for an integer width.
    config: { ...config, bits: config.bits === 'fp16' ? 8 : config.bits },
    preprocess,
    count: rangeSize(split.calibration),
    range: split.calibration,
  };
  // Bits do not change what is captured (all quantized layers' inputs from the float model): one capture per batch.
  const key = [
    loaded.id,
    samples.id,
    JSON.stringify(split.calibration),
    JSON.stringify(preprocess),
    configKeyWithoutBits(config),
  ].join('|');
  const session = getEvaluateSession();
  const ref: CalibrationRef = { key, capture: () => session.capture(samples, request, NEVER) };
  const quantize = getQuantizeSession();
  if (quantize.holdsCalibration(key)) return ref;
  const data = await session.capture(samples, request, signal, proxy(onProgress));
  // Runs made with the previous one stay restorable: the session captures it again if they are re-created.
  if (held !== undefined && held !== key) quantize.dropCalibration(held);
  await quantize.putCalibration(loaded, key, data);
  held = key;
  return ref;
}

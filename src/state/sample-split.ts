// The one place the page splits the loaded sample set: calibration (GPTQ / AdaRound / bias correction capture,
// measured sensitivity, the budget's measured loss) reads the first N samples, evaluation the rest — or, when the set
// is too small or the user chose so, the whole set (labelled "not held out").
import { calibrationLabel, evaluationLabel, splitSamples, type SampleSplit } from '../core/samples/split';
import type { AppState } from './slices';

/** The split of the ready (or kept) sample set for the current settings; null without samples. */
export function selectSampleSplit(s: AppState): SampleSplit | null {
  const x = s.samples;
  const loaded =
    x.status === 'ready' ? x.loaded : x.status === 'loading' || x.status === 'error' ? x.previous : null;
  if (!loaded || !(loaded.info.count >= 1)) return null; // fakes and empty sets: no split
  return splitSamples(loaded.info.count, s.calibrationCount, s.calibrationSplit);
}

/** Panel text: what evaluation and calibration read (strings, so zustand selectors can compare them). */
export function selectSplitLabels(s: AppState): { evaluation: string; calibration: string } | null {
  const split = selectSampleSplit(s);
  return split && { evaluation: evaluationLabel(split), calibration: calibrationLabel(split) };
}

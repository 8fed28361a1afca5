import { beforeEach, describe, expect, it } from 'vitest';
import type { SplitMode } from '../core/samples/split';
import { sensitivitySource } from './actions/sensitivity-data';
import type { LoadedSamples } from './eval-slice';
import { selectSampleSplit, selectSplitLabels } from './sample-split';
import { appStore, initialState } from './store';

beforeEach(() => appStore.setState(initialState(), true));

const load = (count: number) =>
  appStore.setState({
    samples: {
      status: 'ready',
      loaded: { id: 1, name: 'digits.zip', files: [], info: { count } } as unknown as LoadedSamples,
    },
  });

describe('the page split of the loaded set', () => {
  it('none without samples', () => {
    expect(selectSampleSplit(appStore.getState())).toBeNull();
    expect(selectSplitLabels(appStore.getState())).toBeNull();
    expect(sensitivitySource()).toEqual({ kind: 'synthetic', name: 'synthetic probe', samples: 8 });
  });

  it.each<[number, number, SplitMode, string, number]>([
    // samples, N, mode, next evaluation, samples a sensitivity run reads (the first N, all of them)
    [300, 128, 'holdout', 'evaluated on samples 129–300 (172); calibration uses 1–128', 128],
    [300, 128, 'same', "evaluated on samples 1–300 (300), including calibration's 1–128: not held out", 128],
    [300, 32, 'holdout', 'evaluated on samples 33–300 (268); calibration uses 1–32', 32],
    [
      100,
      64,
      'holdout',
      "evaluated on samples 1–100 (100), including calibration's 1–64: not held out (too few samples to hold out: 100 is fewer than 2 × 64 calibration samples)",
      64,
    ],
    [
      50,
      128,
      'holdout',
      "evaluated on samples 1–50 (50), including calibration's 1–50: not held out (too few samples to hold out: 50 is fewer than 2 × 128 calibration samples)",
      50,
    ],
  ])('%i samples, N = %i, %s', (count, n, mode, evaluation, measured) => {
    load(count);
    appStore.setState({ calibrationCount: n, calibrationSplit: mode });
    expect(selectSplitLabels(appStore.getState())?.evaluation).toBe(evaluation);
    expect(sensitivitySource()).toEqual({ kind: 'samples', name: 'digits.zip', samples: measured });
  });
});

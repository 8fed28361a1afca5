import { beforeEach, describe, expect, it } from 'vitest';
import type { LoadedSamples } from '../eval-slice';
import { appStore, initialState } from '../store';
import { variantIdOf, variantLabel } from '../variant-key';
import { calibrationBlocker, calibrationPlan, setCalibrationCount } from './calibration';
import { setConfig, setLayerMethod } from './config';

beforeEach(() => appStore.setState(initialState(), true));

const samples = (count: number): LoadedSamples =>
  ({ id: 1, name: 'digits.zip', files: [], tabular: undefined, info: { count } }) as unknown as LoadedSamples;
const withSamples = (count: number) =>
  appStore.setState({ samples: { status: 'ready', loaded: samples(count) } });

describe('calibrationBlocker: data-aware rounding needs a loaded sample set', () => {
  it.each([
    // global method, bias correction, per-layer method, samples loaded, blocked
    ['rtn', false, null, false, false],
    ['gptq', false, null, false, true],
    ['adaround', false, null, false, true],
    ['rtn', true, null, false, true],
    ['rtn', false, 'gptq', false, true],
    ['gptq', false, null, true, false],
    ['rtn', true, 'adaround', true, false],
  ] as const)(
    '%s, bias correction %s, layer %s, samples %s → blocked %s',
    (method, bc, layer, loaded, blocked) => {
      setConfig({ method, biasCorrection: bc });
      if (layer) setLayerMethod('fc1', layer);
      if (loaded) withSamples(300);
      const why = calibrationBlocker();
      expect(why !== null).toBe(blocked);
      if (blocked) expect(why).toContain('load a sample set');
    },
  );
});

it('the plan: the first N of the set (N capped by the set), named for the panel', () => {
  expect(calibrationPlan()).toBeNull();
  withSamples(300);
  expect(calibrationPlan()).toEqual({
    count: 128,
    of: 300,
    name: 'digits.zip',
    heldOut: true,
    fallback: null,
  });
  setCalibrationCount(500);
  expect(calibrationPlan()).toMatchObject({ count: 300, of: 300, name: 'digits.zip', heldOut: false });
  expect(calibrationPlan()?.fallback).toMatch(/too few samples to hold out/);
  setCalibrationCount(0); // refused: stays 500
  setCalibrationCount(2.5);
  expect(appStore.getState().calibrationCount).toBe(500);
});

it('the method is in the variant id and name; a per-layer method is an override', () => {
  setConfig({ method: 'gptq', biasCorrection: true });
  const config = { ...appStore.getState().config, bits: 4 as const };
  expect(variantIdOf(config)).toBe('w4-sym-channel-gptq-bc');
  expect(variantLabel({ config })).toBe('4-bit · sym · per-channel · GPTQ · bias-corrected');
  setLayerMethod('fc1', 'adaround');
  expect(appStore.getState().config.layers).toEqual({ fc1: { method: 'adaround' } });
  setLayerMethod('fc1', null);
  expect(appStore.getState().config.layers).toEqual({});
});

import { beforeEach, expect, it } from 'vitest';
import { appStore, initialState } from '../store';
import { setLayerBits, setLayerClip } from './config';
import { variantIdOf, variantLabel } from '../variant-key';

beforeEach(() => appStore.setState(initialState(), true));

it('a per-layer clip method is an override in the config (and the recipe), and clearing it removes it', () => {
  setLayerClip('fc1', 'mse');
  setLayerBits('fc1', 8);
  expect(appStore.getState().config.layers).toEqual({ fc1: { clip: 'mse', bits: 8 } });
  const config = { ...appStore.getState().config, bits: 4 as const };
  expect(variantLabel({ config })).toBe('4-bit · sym · per-channel · 1 override');
  const id = variantIdOf(config);
  setLayerClip('fc1', 'percentile');
  expect(variantIdOf({ ...appStore.getState().config, bits: 4 })).not.toBe(id);
  setLayerClip('fc1', null);
  setLayerBits('fc1', null);
  expect(appStore.getState().config.layers).toEqual({});
});

import { beforeEach, describe, expect, it } from 'vitest';
import { appStore, initialState } from './store';
import {
  MAX_PRESETS,
  PRESETS_KEY,
  SETTINGS_KEY,
  initSettings,
  readPreset,
  readSettings,
  savePreset,
} from './settings';

class MemoryStorage {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
}

beforeEach(() => appStore.setState(initialState(), true));

describe('settings persistence', () => {
  it('saves theme, config, bit widths and plot toggles, but not per-layer overrides', () => {
    const storage = new MemoryStorage();
    const stop = initSettings(storage);
    appStore.setState((s) => ({
      theme: 'dark',
      chosenBits: [4, 2],
      histogramScale: 'log',
      errorMetric: 'mse',
      calibrationCount: 32,
      calibrationSplit: 'same',
      config: {
        ...s.config,
        scheme: 'asymmetric',
        granularity: 'block',
        blockSize: 64,
        layers: { w: { skip: true } },
      },
    }));
    stop();
    const saved = JSON.parse(storage.getItem(SETTINGS_KEY) ?? '{}');
    expect(saved.theme).toBe('dark');
    expect(saved.config.layers).toBeUndefined();

    appStore.setState(initialState(), true);
    initSettings(storage)();
    const s = appStore.getState();
    expect(s.theme).toBe('dark');
    expect(s.chosenBits).toEqual([2, 4]);
    expect(s.histogramScale).toBe('log');
    expect(s.errorMetric).toBe('mse');
    expect(s.calibrationCount).toBe(32);
    expect(s.calibrationSplit).toBe('same');
    expect(s.config).toMatchObject({ scheme: 'asymmetric', granularity: 'block', blockSize: 64, layers: {} });
  });

  it('ignores broken or invalid saved settings', () => {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, '{not json');
    expect(readSettings(storage)).toEqual({});
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({
        theme: 'purple',
        config: { bits: 99 },
        chosenBits: [4, 'x'],
        calibrationCount: 0,
        calibrationSplit: 'half',
      }),
    );
    expect(readSettings(storage)).toEqual({ chosenBits: [4] });
  });

  it('saves the budget (kind and value) and the calibration sample count', () => {
    const storage = new MemoryStorage();
    const stop = initSettings(storage);
    appStore.setState({ budget: { mode: 'size', bits: 3.5, megabytes: 0.2 }, calibrationCount: 32 });
    stop();
    appStore.setState(initialState(), true);
    initSettings(storage)();
    expect(appStore.getState().budget).toEqual({ mode: 'size', bits: 3.5, megabytes: 0.2 });
    expect(appStore.getState().calibrationCount).toBe(32);
  });

  it.each([
    [
      { budget: { mode: 'bits', bits: null, megabytes: 2 } },
      { budget: { mode: 'bits', bits: 4.5, megabytes: 2 } },
    ],
    [{ budget: { mode: 'kg', bits: 3, megabytes: 2 } }, {}],
    [{ budget: 'size' }, {}],
    [{ calibrationCount: 0 }, {}],
    [{ calibrationCount: 2.5 }, {}],
    [{ calibrationCount: 16 }, { calibrationCount: 16 }],
  ])('reads budget and calibration count %j as %j', (saved, want) => {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, JSON.stringify(saved));
    expect(readSettings(storage)).toEqual(want);
  });

  it('reads settings saved before the rename (`precisions`, `config.precision`)', () => {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, JSON.stringify({ precisions: [2, 8], config: { precision: 3 } }));
    const s = readSettings(storage);
    expect(s.chosenBits).toEqual([2, 8]);
    expect(s.config?.bits).toBe(3);
  });

  it('works without storage', () => {
    expect(readSettings(null)).toEqual({});
    expect(() => initSettings(null)()).not.toThrow();
  });
});

describe('preprocessing presets', () => {
  const options = {
    width: 28,
    height: 28,
    channels: 'gray' as const,
    layout: 'NCHW' as const,
    range: '0..255' as const,
    mean: [0],
    std: [1],
    flatten: false,
  };

  it('saves, reads and forgets a preset per key', () => {
    const storage = new MemoryStorage();
    savePreset('mnist|[1,1,28,28]', options, storage);
    expect(readPreset('mnist|[1,1,28,28]', storage)).toEqual(options);
    expect(readPreset('mnist|[1,784]', storage)).toBeNull();
    savePreset('mnist|[1,1,28,28]', null, storage);
    expect(readPreset('mnist|[1,1,28,28]', storage)).toBeNull();
  });

  it('ignores invalid presets and broken storage', () => {
    const storage = new MemoryStorage();
    storage.setItem(
      PRESETS_KEY,
      JSON.stringify({ a: { ...options, std: [0] }, b: { ...options, channels: 'cmyk' } }),
    );
    expect(readPreset('a', storage)).toBeNull();
    expect(readPreset('b', storage)).toBeNull();
    storage.setItem(PRESETS_KEY, '{oops');
    expect(readPreset('a', storage)).toBeNull();
    expect(readPreset('a', null)).toBeNull();
  });

  it(`keeps the ${MAX_PRESETS} most recent models`, () => {
    const storage = new MemoryStorage();
    for (let i = 0; i <= MAX_PRESETS; i++) savePreset(`m${i}`, options, storage);
    expect(readPreset('m0', storage)).toBeNull();
    expect(readPreset(`m${MAX_PRESETS}`, storage)).toEqual(options);
    expect(Object.keys(JSON.parse(storage.getItem(PRESETS_KEY) ?? '{}'))).toHaveLength(MAX_PRESETS);
  });
});

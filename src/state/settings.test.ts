import { beforeEach, describe, expect, it } from 'vitest';
import { appStore, initialState } from './store';
import { SETTINGS_KEY, initSettings, readSettings } from './settings';

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
      precisions: [4, 2],
      histogramScale: 'log',
      errorMetric: 'mse',
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
    expect(s.precisions).toEqual([2, 4]);
    expect(s.histogramScale).toBe('log');
    expect(s.errorMetric).toBe('mse');
    expect(s.config).toMatchObject({ scheme: 'asymmetric', granularity: 'block', blockSize: 64, layers: {} });
  });

  it('ignores broken or invalid saved settings', () => {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, '{not json');
    expect(readSettings(storage)).toEqual({});
    storage.setItem(
      SETTINGS_KEY,
      JSON.stringify({ theme: 'purple', config: { precision: 99 }, precisions: [4, 'x'] }),
    );
    expect(readSettings(storage)).toEqual({ precisions: [4] });
  });

  it('works without storage', () => {
    expect(readSettings(null)).toEqual({});
    expect(() => initSettings(null)()).not.toThrow();
  });
});

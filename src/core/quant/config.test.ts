import { describe, expect, it } from 'vitest';
import { defaultQuantConfig, normalizeConfig, specFor } from './config';

describe('normalizeConfig', () => {
  it.each([
    ['bits as a number', { bits: 4 }, 4],
    ['bits as a string', { bits: '3' }, 3],
    ['fp16 spellings', { bits: 'float16' }, 'fp16'],
    ['16 means fp16', { bits: 16 }, 'fp16'],
    ['recipes written before the rename: precision', { precision: 5 }, 5],
    ['bits wins over the old name', { bits: 6, precision: 2 }, 6],
    ['nothing given: the default', {}, defaultQuantConfig.bits],
  ])('%s', (_what, input, bits) => {
    const cfg = normalizeConfig(input);
    expect(cfg.bits).toBe(bits);
    expect(cfg).not.toHaveProperty('precision');
  });

  it.each([
    [{ bits: 9 }, /bits must be one of/],
    [{ bits: 4, layers: { fc: { bits: 1 } } }, /bits must be one of/],
    [{ granularity: 'row' }, /granularity must be one of/],
    [[], /JSON object/],
    [{ method: 'awq' }, /method must be one of rtn, gptq, adaround/],
    [{ layers: { fc: { method: 'GPTQ' } } }, /layer "fc": method must be one of/],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeConfig(input)).toThrow(message);
  });

  it('per-layer bits override the global ones; skip leaves a weight float', () => {
    const cfg = normalizeConfig({ bits: 8, layers: { a: { bits: 4 }, b: { skip: true } } });
    expect(specFor(cfg, 'a')?.bits).toBe(4);
    expect(specFor(cfg, 'c')?.bits).toBe(8);
    expect(specFor(cfg, 'b')).toBeNull();
  });

  it('reads range and budget fields, globally and per layer; old recipes get min/max and no equalization', () => {
    const old = normalizeConfig({ bits: 4, layers: { a: { bits: 3 } } });
    expect([old.clip, old.clipPercentile, old.equalize, old.mixed]).toEqual([
      'minmax',
      99.9,
      false,
      undefined,
    ]);
    const cfg = normalizeConfig({
      clip: 'mse',
      equalize: true,
      mixed: { targetBits: 4.5, proxy: 'weight-error' },
      layers: { a: { clip: 'percentile', clipPercentile: '99.5', equalize: false }, b: { bits: 2 } },
    });
    expect(specFor(cfg, 'a')).toMatchObject({ clip: 'percentile', clipPercentile: 99.5 });
    expect(specFor(cfg, 'b')).toMatchObject({ clip: 'mse', bits: 2 });
    expect(cfg.layers.a.equalize).toBe(false);
    expect(cfg.mixed).toEqual({ targetBits: 4.5, proxy: 'weight-error' });
    const on = { samples: 64, source: 'digits', synthetic: false };
    expect(normalizeConfig({ mixed: { targetBits: 4.5, proxy: 'measured', measuredOn: on } }).mixed).toEqual({
      targetBits: 4.5,
      proxy: 'measured',
      measuredOn: on,
    });
  });

  it.each([
    [{ clip: 'kl' }, /clip must be one of minmax, mse, percentile/],
    [{ clipPercentile: 40 }, /clip percentile must be a number in \(50, 100\]/],
    [{ layers: { a: { clipPercentile: 'x' } } }, /layer "a": clip percentile/],
    [{ mixed: { targetBits: -1, proxy: 'weight-error' } }, /mixed.targetBits must be a positive number/],
    [{ mixed: { proxy: 'guess' } }, /mixed.proxy must be one of/],
    [{ mixed: { proxy: 'measured', measuredOn: 64 } }, /mixed.measuredOn must be/],
    [
      { mixed: { proxy: 'measured', measuredOn: { samples: 0, source: 'x', synthetic: false } } },
      /mixed.measuredOn.samples must be a positive number/,
    ],
  ])('refuses range/budget field %j', (input, message) => {
    expect(() => normalizeConfig(input)).toThrow(message);
  });

  it.each([
    ['old recipes (no method) mean round-to-nearest', { bits: 4 }, 'rtn', undefined],
    ['a global method', { method: 'gptq' }, 'gptq', undefined],
    ['a per-layer method', { method: 'rtn', layers: { fc: { method: 'adaround' } } }, 'rtn', 'adaround'],
  ])('%s', (_what, input, method, layer) => {
    const cfg = normalizeConfig(input);
    expect(cfg.method).toBe(method);
    expect(cfg.layers.fc?.method).toBe(layer);
  });
});

import { describe, expect, it } from 'vitest';
import { defaultQuantConfig, type QuantConfig } from '../core/quant/config';
import {
  downloadFileName,
  mixedBudgetText,
  mixedLossText,
  sortBits,
  variantIdOf,
  variantLabel,
  variantLabelParts,
  variantShortLabel,
} from './variant-key';

const cfg = (patch: Partial<QuantConfig>): QuantConfig => ({ ...defaultQuantConfig, ...patch });

describe.each([
  [cfg({ bits: 8 }), 'w8-sym-channel', 'mnist_w8_channel.onnx'],
  [cfg({ bits: 4, granularity: 'tensor' }), 'w4-sym-tensor', 'mnist_w4_tensor.onnx'],
  [cfg({ bits: 4, granularity: 'block', blockSize: 64 }), 'w4-sym-block64', 'mnist_w4_block64.onnx'],
  [cfg({ bits: 3, scheme: 'asymmetric' }), 'w3-asym-channel', 'mnist_w3_channel_asym.onnx'],
  [cfg({ bits: 'fp16', granularity: 'tensor' }), 'fp16', 'mnist_fp16.onnx'],
  [cfg({ bits: 4, clip: 'mse' }), 'w4-sym-channel-mse', 'mnist_w4_channel_mse.onnx'],
  [
    cfg({ bits: 4, granularity: 'tensor', clip: 'percentile', clipPercentile: 99.5, equalize: true }),
    'w4-sym-tensor-p99.5-cle',
    'mnist_w4_tensor_p99.5_cle.onnx',
  ],
  [
    cfg({ bits: 4, mixed: { targetBits: 4.5, proxy: 'weight-error' } }),
    'mix4.5b-sym-channel',
    'mnist_mix4.5b_channel.onnx',
  ],
  [
    cfg({ bits: 4, clip: 'mse', mixed: { targetBytes: 1_200_000, proxy: 'measured' } }),
    'mix1200000B-measured-sym-channel-mse',
    'mnist_mix1200000B_measured_channel_mse.onnx',
  ],
  [
    // Measured loss and the proxy are different answers for one budget: distinct ids and files.
    cfg({ bits: 4, mixed: { targetBits: 4.5, proxy: 'measured' } }),
    'mix4.5b-measured-sym-channel',
    'mnist_mix4.5b_measured_channel.onnx',
  ],
  [cfg({ bits: 4, method: 'gptq' }), 'w4-sym-channel-gptq', 'mnist_w4_channel_gptq.onnx'],
  [cfg({ bits: 3, method: 'adaround' }), 'w3-sym-channel-adaround', 'mnist_w3_channel_adaround.onnx'],
  [
    cfg({ bits: 3, method: 'gptq', biasCorrection: true }),
    'w3-sym-channel-gptq-bc',
    'mnist_w3_channel_gptq_bc.onnx',
  ],
  [cfg({ bits: 4, biasCorrection: true }), 'w4-sym-channel-bc', 'mnist_w4_channel_bc.onnx'],
])('variant naming %#', (config, id, fileName) => {
  it(`id ${id}`, () => expect(variantIdOf(config)).toBe(id));
  it(`file ${fileName}`, () => expect(downloadFileName('mnist.onnx', config)).toBe(fileName));
});

it('per-layer overrides give a distinct, stable id', () => {
  const a = variantIdOf(cfg({ bits: 8, layers: { fc1: { skip: true } } }));
  expect(a).toMatch(/^w8-sym-channel-o[0-9a-z]+$/);
  expect(variantIdOf(cfg({ bits: 8, layers: { fc1: { skip: true } } }))).toBe(a);
  expect(variantIdOf(cfg({ bits: 8, layers: { fc2: { skip: true } } }))).not.toBe(a);
});

it('lists chosenBits fp16 first, then widest to narrowest', () => {
  expect(sortBits([4, 'fp16', 8, 2])).toEqual(['fp16', 8, 4, 2]);
});

describe.each([
  [cfg({ bits: 8 }), '8-bit · sym · per-channel', '8-bit · channel'],
  [cfg({ bits: 3, scheme: 'asymmetric' }), '3-bit · asym · per-channel', '3-bit · asym · channel'],
  [cfg({ bits: 4, granularity: 'block', blockSize: 32 }), '4-bit · sym · block 32', '4-bit · block 32'],
  [
    cfg({ bits: 4, layers: { a: { skip: true }, b: { skip: true } } }),
    '4-bit · sym · per-channel · 2 overrides',
    '4-bit · channel · 2 overrides',
  ],
  [cfg({ bits: 'fp16', layers: { a: { skip: true } } }), 'fp16 · 1 override', 'fp16'],
  [cfg({ bits: 4, method: 'gptq' }), '4-bit · sym · per-channel · GPTQ', '4-bit · channel · GPTQ'],
  [
    cfg({ bits: 3, method: 'adaround', biasCorrection: true }),
    '3-bit · sym · per-channel · AdaRound · bias-corrected',
    '3-bit · channel · AdaRound · bias-corrected',
  ],
  [
    // A mixed variant's layers are its assignment, not overrides; its budget replaces the bit width.
    cfg({
      bits: 4,
      clip: 'mse',
      layers: { a: { bits: 8 }, b: { skip: true } },
      mixed: { targetBits: 4.5, proxy: 'weight-error' },
    }),
    'mixed 4.5 b · sym · per-channel · MSE clip',
    'mixed 4.5 b · channel · MSE clip',
  ],
  [
    cfg({ bits: 4, mixed: { targetBytes: 1_200_000, proxy: 'weight-error' } }),
    'mixed ≤ 1.2 MB · sym · per-channel',
    'mixed ≤ 1.2 MB · channel',
  ],
  [
    cfg({
      bits: 4,
      mixed: {
        targetBits: 4.5,
        proxy: 'measured',
        measuredOn: { samples: 64, source: 'digits', synthetic: false },
      },
    }),
    'mixed 4.5 b measured · sym · per-channel',
    'mixed 4.5 b measured · channel',
  ],
])('variant labels %#', (config, label, short) => {
  it(label, () => expect(variantLabel({ config })).toBe(label));
  it(short, () => expect(variantShortLabel({ config })).toBe(short));
  // The variants table shows the same name in two columns (fp16 says "cast" where the scheme would be).
  it(`table columns of ${label}`, () => {
    const { bits, settings } = variantLabelParts({ config });
    expect(`${bits} · ${settings}`).toBe(
      label.startsWith('fp16') ? label.replace('fp16', 'fp16 · cast') : label,
    );
  });
});

describe('mixedLossText', () => {
  const mixed = (m: QuantConfig['mixed']) => cfg({ bits: 4, mixed: m });
  const on = { samples: 64, source: 'digits', synthetic: false };
  it.each([
    [cfg({ bits: 4 }), undefined, null],
    [
      mixed({ targetBits: 4.5, proxy: 'weight-error' }),
      undefined,
      'weight-error proxy (no data); not refined',
    ],
    [mixed({ targetBits: 4.5, proxy: 'measured' }), undefined, 'measured sensitivity; not refined'],
    [
      mixed({ targetBits: 4.5, proxy: 'measured', measuredOn: on }),
      undefined,
      'measured on 64 samples of digits; not refined',
    ],
    [
      mixed({ targetBytes: 200_000, proxy: 'measured', measuredOn: on }),
      'w cannot be measured in place: tied weight',
      'measured on 64 samples of digits; not refined (w cannot be measured in place: tied weight)',
    ],
    [
      mixed({
        targetBytes: 200_000,
        proxy: 'measured',
        measuredOn: on,
        refined: { evaluated: 7, winner: 'uniform int4' },
      }),
      undefined,
      'measured on 64 samples of digits; refined: 7 whole assignments evaluated, kept uniform int4',
    ],
    [
      mixed({
        targetBits: 4.5,
        proxy: 'measured',
        measuredOn: { samples: 8, source: 'probe', synthetic: true },
      }),
      undefined,
      'measured on 8 synthetic samples (made-up inputs); not refined',
    ],
  ])('%# → %s %s', (config, skipped, want) => expect(mixedLossText(config, skipped)).toBe(want));
});

describe('mixedBudgetText', () => {
  it.each([
    [cfg({ bits: 4 }), null],
    [cfg({ bits: 4, mixed: { targetBits: 4.5, proxy: 'weight-error' } }), '4.5 b/weight average'],
    [cfg({ bits: 4, mixed: { targetBytes: 200_000, proxy: 'measured' } }), 'file ≤ 200 kB'],
    [cfg({ bits: 4, mixed: { targetBytes: 1_234_567, proxy: 'measured' } }), 'file ≤ 1.23 MB'],
  ])('%# → %s', (config, want) => expect(mixedBudgetText(config)).toBe(want));
});

import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { buildNpy, bytesOf, expectSampleSetError } from '../../../test/fixtures/samples/entries';
import { float32ToFloat16Bits } from '../onnx/float16';
import { npyToFloat32, npyToLabels, parseNpy, parseNpz } from './npy';

const MNIST = testModel('mnist-8', 'samples');
const read = (p: string) => new Uint8Array(readFileSync(p));

describe('parseNpy on the real mnist-8 sample set', () => {
  it('reads inputs.npy as float32 [1000,1,28,28] with raw 0..255 pixels', () => {
    const a = parseNpy(read(`${MNIST}/inputs.npy`), 'inputs.npy');
    expect(a.dtype).toBe('<f4');
    expect(a.shape).toEqual([1000, 1, 28, 28]);
    const x = npyToFloat32(a);
    expect(x.length).toBe(784_000);
    expect(Math.max(...x.subarray(0, 784))).toBe(255);
  });
  it('reads labels.npy (int64) as Int32Array', () => {
    const y = npyToLabels(parseNpy(read(`${MNIST}/labels.npy`), 'labels.npy'));
    expect(y.length).toBe(1000);
    expect(Array.from(y.subarray(0, 5))).toEqual([8, 0, 2, 9, 1]); // matches png/labels.csv
  });
  it('reads samples.npz (deflated) picking inputs/labels', () => {
    const pick = parseNpz(read(`${MNIST}/samples.npz`), 'samples.npz');
    expect(pick.inputs.shape).toEqual([1000, 1, 28, 28]);
    expect(pick.labels?.shape).toEqual([1000]);
  });
});

const values = [0, 1, 2, 3, 127, 200];
const DTYPES: [string, (v: number[]) => ArrayBufferView][] = [
  ['<f4', (v) => Float32Array.from(v)],
  ['<f8', (v) => Float64Array.from(v)],
  ['<f2', (v) => Uint16Array.from(v, float32ToFloat16Bits)],
  ['<i8', (v) => BigInt64Array.from(v, BigInt)],
  ['<i4', (v) => Int32Array.from(v)],
  ['<i2', (v) => Int16Array.from(v)],
  ['<u1', (v) => Uint8Array.from(v)],
  ['|u1', (v) => Uint8Array.from(v)],
];

describe.each(DTYPES)('[%s] npy', (descr, make) => {
  it.each([1, 2, 3] as const)('format v%i decodes to float32 and labels', (version) => {
    const a = parseNpy(buildNpy(descr, [2, 3], bytesOf(make(values)), { version }), `x${descr}.npy`);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(npyToFloat32(a))).toEqual(values);
    expect(Array.from(npyToLabels({ ...a, shape: [6] }))).toEqual(values);
  });
});

describe('npy bool', () => {
  it('|b1 reads as 0/1', () => {
    const a = parseNpy(buildNpy('|b1', [3], Uint8Array.of(1, 0, 1)), 'm.npy');
    expect(Array.from(npyToFloat32(a))).toEqual([1, 0, 1]);
  });
});

describe('npy errors name the file and what was expected', () => {
  const f4 = bytesOf(Float32Array.of(1, 2));
  it.each([
    [
      'fortran order',
      buildNpy('<f4', [2], f4, { fortran: true }),
      ['a.npy', /fortran_order.*expected C order/],
    ],
    ['big-endian', buildNpy('>f4', [2], f4), ['a.npy', /big-endian dtype '>f4'.*expected little-endian/]],
    [
      'unsupported dtype',
      buildNpy('<c8', [2], f4),
      ['a.npy', /dtype '<c8' is not supported \(expected one of <f4/],
    ],
    ['string dtype', buildNpy('<U5', [2], f4), ['a.npy', /'<U5' is not supported/]],
    ['truncated', buildNpy('<f4', [3], f4), ['a.npy', /needs 12 data bytes, found 8/]],
    ['not npy', new TextEncoder().encode('hello'), ['a.npy', /not a NumPy .npy file/]],
  ] as const)('%s', async (_name, bytes, parts) => {
    await expectSampleSetError(() => parseNpy(bytes, 'a.npy'), ...parts);
  });
  it('non-integer labels', async () => {
    await expectSampleSetError(
      () => npyToLabels(parseNpy(buildNpy('<f4', [2], bytesOf(Float32Array.of(1, 2.5))), 'labels.npy')),
      'labels.npy',
      /label 1 is 2.5/,
    );
  });
  it('labels with a 2-D shape', async () => {
    await expectSampleSetError(
      () => npyToLabels(parseNpy(buildNpy('<i4', [2, 3], new Uint8Array(24)), 'labels.npy')),
      /shape \(N,\) or \(N, 1\), found \(2, 3\)/,
    );
  });
});

describe('parseNpz array naming rule', () => {
  const arr = (n: number) => buildNpy('<f4', [n], bytesOf(new Float32Array(n)));
  it.each([
    [{ 'inputs.npy': arr(4), 'labels.npy': arr(4) }, 'inputs', 'labels'],
    [{ 'x.npy': arr(4), 'y.npy': arr(4) }, 'x', 'y'],
    [{ 'X_test.npy': arr(4), 'y_test.npy': arr(4) }, 'X_test', 'y_test'],
    [{ 'feat.npy': arr(4), 'cls.npy': arr(4) }, 'feat', 'cls'],
    [{ 'only.npy': arr(4) }, 'only', null],
  ])('%o', (files, inputs, labels) => {
    const pick = parseNpz(zipSync(files, { level: 0 }), 's.npz');
    expect(pick.inputs.name).toBe(`s.npz:${inputs}.npy`);
    expect(pick.labels ? pick.labels.name : null).toBe(labels === null ? null : `s.npz:${labels}.npy`);
  });
  it('rejects a zip without arrays', async () => {
    await expectSampleSetError(
      () => parseNpz(zipSync({ 'a.txt': new Uint8Array(1) }), 's.npz'),
      's.npz',
      /no .npy arrays inside \(found a.txt\)/,
    );
  });
});

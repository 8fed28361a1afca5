import { describe, expect, it } from 'vitest';
import { buildNpy, bytesEntry, bytesOf, expectSampleSetError } from '../../../test/fixtures/samples/entries';
import { describeSampleSet, detectSampleSet } from './detect';
import { roleFromName } from './npy-files';
import type { ArrayRoles, SampleEntry, TensorSampleSet } from './types';

const N = 4;
/** 4 samples of 2×3 float32 (sample i holds the value i everywhere). */
const images = (path: string) =>
  bytesEntry(
    path,
    buildNpy('<f4', [N, 2, 3], bytesOf(Float32Array.from({ length: N * 6 }, (_, k) => Math.floor(k / 6)))),
  );
/** 4 int64 class indices 3, 1, 0, 2. */
const classIds = (path: string) =>
  bytesEntry(path, buildNpy('<i8', [N], bytesOf(BigInt64Array.of(3n, 1n, 0n, 2n))));
/** 4 float64 values with fractions (not labels). */
const scores = (path: string) =>
  bytesEntry(path, buildNpy('<f8', [N], bytesOf(Float64Array.of(0.5, 1, 2, 3))));
const text = (path: string, s: string) => bytesEntry(path, s);

const read = async (entries: SampleEntry[], arrays?: ArrayRoles) =>
  (await detectSampleSet(entries, { arrays })) as TensorSampleSet;
const roles = (set: TensorSampleSet) => Object.fromEntries((set.npyFiles ?? []).map((f) => [f.path, f.role]));

describe('roleFromName', () => {
  it.each([
    ['inputs.npy', 'input'],
    ['x_test.npy', 'input'],
    ['input_ids.npy', 'input'],
    ['wrong_inputs.npy', 'input'],
    ['data.npy', 'input'],
    ['labels.npy', 'labels'],
    ['y_test.npy', 'labels'],
    ['targets.npy', 'labels'],
    ['wrong_labels.npy', 'labels'],
    ['test_split_indices.npy', null],
    ['a.npy', null],
    ['inputs_labels_mix.npy', 'input'], // the first word decides
    ['my_x_and_y.npy', null], // words of both kinds, none first
  ])('%s -> %s', (name, want) => expect(roleFromName(name)).toBe(want));
});

describe('which .npy is inputs and which labels', () => {
  it.each<[string, SampleEntry[], Record<string, string>, RegExp | null]>([
    [
      'inputs + labels',
      [images('inputs.npy'), classIds('labels.npy')],
      { 'inputs.npy': 'input', 'labels.npy': 'labels' },
      null,
    ],
    [
      'data + targets',
      [images('data.npy'), classIds('targets.npy')],
      { 'data.npy': 'input', 'targets.npy': 'labels' },
      null,
    ],
    [
      'wrong_inputs + wrong_labels (a word in the name)',
      [images('wrong_inputs.npy'), classIds('wrong_labels.npy')],
      { 'wrong_inputs.npy': 'input', 'wrong_labels.npy': 'labels' },
      null,
    ],
    [
      'names that say nothing: the (N,) class indices are the labels',
      [classIds('b.npy'), images('a.npy')],
      { 'a.npy': 'input', 'b.npy': 'labels' },
      /guessed b.npy as labels .* and a.npy as input\(s\) — check the assignment below/,
    ],
    [
      'names that say nothing, no array of class indices: no labels, and said so',
      [images('a.npy'), scores('b.npy')],
      { 'a.npy': 'input', 'b.npy': 'input' },
      /none looks like labels .*: read a.npy, b.npy as input\(s\), without labels/,
    ],
    [
      'only label-like names: shapes decide',
      [images('y_pixels.npy'), classIds('labels.npy')],
      { 'y_pixels.npy': 'input', 'labels.npy': 'labels' },
      /guessed labels.npy as labels/,
    ],
    [
      'inputs.npy names the input: a split index file is ignored, not guessed as labels',
      [images('inputs.npy'), classIds('test_split_indices.npy')],
      { 'inputs.npy': 'input', 'test_split_indices.npy': 'ignored' },
      /ignored: test_split_indices.npy/,
    ],
    [
      'two label files: the first is used and the other named',
      [images('inputs.npy'), classIds('labels.npy'), classIds('y.npy')],
      { 'inputs.npy': 'input', 'labels.npy': 'labels', 'y.npy': 'ignored' },
      /several files look like labels \(labels.npy, y.npy\): used labels.npy/,
    ],
  ])('%s', async (_, entries, want, note) => {
    const set = await read(entries);
    expect(roles(set)).toEqual(want);
    if (note) expect(set.notes.join(' | ')).toMatch(note);
    const labels = Object.values(want).includes('labels');
    expect(set.labels === null).toBe(!labels);
    if (labels) expect(Array.from(set.labels ?? [])).toEqual([3, 1, 0, 2]);
    expect(set.count).toBe(N);
    expect(set.sampleDims).toEqual([2, 3]);
  });

  it('the user assigns the arrays: swapping a wrong guess, or dropping the labels', async () => {
    const entries = [images('p.npy'), classIds('q.npy'), classIds('r.npy')];
    const guessed = await read(entries);
    expect(roles(guessed)).toEqual({ 'p.npy': 'input', 'q.npy': 'labels', 'r.npy': 'input' });
    const mine = await read(entries, { inputs: ['p.npy'], labels: 'r.npy' });
    expect(roles(mine)).toEqual({ 'p.npy': 'input', 'q.npy': 'ignored', 'r.npy': 'labels' });
    expect(mine.notes).toContain('arrays as you assigned them');
    expect(mine.sourceName).toBe('p.npy + r.npy');
    const none = await read(entries, { inputs: ['p.npy'], labels: null });
    expect(none.labels).toBeNull();
    expect(describeSampleSet(none).npyFiles?.map((f) => f.role)).toEqual(['input', 'ignored', 'ignored']);
    expect(describeSampleSet(none).npyFiles?.[0]).toEqual({
      path: 'p.npy',
      dtype: 'float32',
      shape: [N, 2, 3],
      role: 'input',
    });
  });

  it.each<[string, SampleEntry[], ArrayRoles | undefined, string | RegExp]>([
    [
      'labels alone',
      [classIds('labels.npy')],
      undefined,
      /labels.npy looks like labels, and there is no input array/,
    ],
    [
      'an unknown file in the assignment',
      [images('a.npy')],
      { inputs: ['z.npy'], labels: null },
      'z.npy is not one of the dropped .npy files (a.npy)',
    ],
    [
      'no input assigned',
      [images('a.npy'), classIds('b.npy')],
      { inputs: [], labels: 'b.npy' },
      /no input array chosen/,
    ],
    [
      'one file both input and labels',
      [images('a.npy'), classIds('b.npy')],
      { inputs: ['a.npy', 'b.npy'], labels: 'b.npy' },
      'b.npy cannot be both an input and the labels',
    ],
    [
      'fractional values assigned as labels',
      [images('a.npy'), scores('b.npy')],
      { inputs: ['a.npy'], labels: 'b.npy' },
      'b.npy: label 0 is 0.5',
    ],
    [
      'an assigned input with other rows',
      [images('a.npy'), bytesEntry('c.npy', buildNpy('<f4', [3, 2], new Uint8Array(24)))],
      { inputs: ['a.npy', 'c.npy'], labels: null },
      'c.npy has 3 samples but a.npy has 4: every input array needs one row per sample',
    ],
  ])('refuses %s with a clear error', async (_, entries, arrays, message) => {
    await expectSampleSetError(() => read(entries, arrays), message);
  });
});

describe('labels.csv and classes.txt beside .npy / .npz arrays', () => {
  it.each<[string, string, string | null, number[], string[] | null]>([
    ['one column of indices, no header', '3\n1\n0\n2\n', null, [3, 1, 0, 2], null],
    ['a header and a label column among others', 'id,label\n0,3\n1,1\n2,0\n3,2\n', null, [3, 1, 0, 2], null],
    [
      'class names, classes.txt gives the order',
      'Bag\nTrouser\nT-shirt/top\nPullover\n',
      'T-shirt/top\nTrouser\nPullover\nBag\n',
      [3, 1, 0, 2],
      ['T-shirt/top', 'Trouser', 'Pullover', 'Bag'],
    ],
    [
      'class names without classes.txt: sorted names',
      'label\ncat\ndog\ncat\nbird\n',
      null,
      [1, 2, 1, 0],
      ['bird', 'cat', 'dog'],
    ],
  ])('inputs.npy + labels.csv: %s', async (_, csv, classes, want, wantClasses) => {
    const entries = [images('s/inputs.npy'), text('s/labels.csv', csv)];
    if (classes) entries.push(text('s/classes.txt', classes));
    const set = await read(entries);
    expect(Array.from(set.labels ?? [])).toEqual(want);
    expect(set.classes).toEqual(wantClasses);
    expect(set.notes).toContain('labels from s/labels.csv');
    expect(set.sourceName).toBe('s/inputs.npy + s/labels.csv');
    expect(describeSampleSet(set).labeled).toBe(true);
  });

  it('classes.txt names the classes of labels.npy (and of an .npz)', async () => {
    const names = 'T-shirt/top\nTrouser\nPullover\nDress\n';
    const set = await read([images('inputs.npy'), classIds('labels.npy'), text('classes.txt', names)]);
    expect(set.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress']);
    expect(set.notes).toContain('class names from classes.txt');
  });

  it.each<[string, SampleEntry[], string | RegExp]>([
    [
      'a labels.csv with too few rows',
      [images('inputs.npy'), text('labels.csv', '1\n2\n')],
      'labels.csv has 2 label row(s) but the arrays hold 4 samples',
    ],
    [
      'a label beyond classes.txt',
      [images('inputs.npy'), classIds('labels.npy'), text('classes.txt', 'a\nb\n')],
      /label 3 is beyond the 2 classes of classes.txt/,
    ],
    [
      'an unknown class name',
      [images('inputs.npy'), text('labels.csv', 'a\nb\nzebra\na\n'), text('classes.txt', 'a\nb\n')],
      /labels.csv row 3: label 'zebra' is neither a class in classes.txt/,
    ],
  ])('refuses %s', async (_, entries, message) => {
    await expectSampleSetError(() => read(entries), message);
  });
});

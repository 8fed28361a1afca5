import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import {
  bytesEntry,
  expectSameValues,
  expectSampleSetError,
  fileEntry,
  folderEntries,
} from '../../../test/fixtures/samples/entries';
import { loadSample } from './access';
import { detectSampleSet } from './detect';
import { parseNpy, npyToFloat32, npyToLabels } from './npy';
import { inferPreprocessOptions, type PreprocessOptions } from './preprocess';
import type { ImageSampleSet, SampleEntry, SampleSet } from './types';

const MNIST = testModel('mnist-8', 'samples');
const RAW_GRAY: PreprocessOptions = { ...inferPreprocessOptions([1, 1, 28, 28]), range: '0..255' };
const SAMPLE = 784;

let npyInputs: Float32Array;
let npyLabels: Int32Array;
beforeAll(() => {
  npyInputs = npyToFloat32(parseNpy(new Uint8Array(readFileSync(`${MNIST}/inputs.npy`)), 'inputs.npy'));
  npyLabels = npyToLabels(parseNpy(new Uint8Array(readFileSync(`${MNIST}/labels.npy`)), 'labels.npy'));
});

const pngFolder = () => folderEntries(`${MNIST}/png`, 'png');
const without = (entries: SampleEntry[], ...names: string[]) =>
  entries.filter((e) => !names.some((n) => e.path.endsWith(n)));
/** The sample index in the npy files is the PNG's file number (png/<digit>/NNNN.png). */
const npyIndexOf = (name: string) => Number(/(\d+)\.png$/.exec(name)?.[1]);

async function expectMatchesNpy(set: SampleSet) {
  expect(set.kind).toBe('images');
  const s = set as ImageSampleSet;
  expect(s.count).toBe(1000);
  expect(s.firstImage).toEqual({ width: 28, height: 28, channels: 1 });
  for (let i = 0; i < s.count; i++) {
    const k = npyIndexOf(s.names[i]);
    expect(s.labels?.[i], s.names[i]).toBe(npyLabels[k]);
    const x = await loadSample(s, i, RAW_GRAY);
    // raw 0..255 gray NCHW reproduces inputs.npy exactly (tolerance 0)
    await expectSameValues(x, npyInputs.subarray(k * SAMPLE, (k + 1) * SAMPLE));
  }
}

describe('mnist-8 PNG sample set, every layout gives the same 1,000 samples as inputs.npy/labels.npy', () => {
  it('PNG folder + labels.csv + classes.txt (order = labels.csv = npy order)', async () => {
    const set = (await detectSampleSet(pngFolder())) as ImageSampleSet;
    expect(set.names.map(npyIndexOf)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(set.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await expectMatchesNpy(set);
  });
  it('PNG class folders + classes.txt, no labels.csv', async () => {
    const set = await detectSampleSet(without(pngFolder(), 'labels.csv'));
    expect(set.notes.join(' ')).toMatch(/class order from png\/classes.txt/);
    await expectMatchesNpy(set);
  });
  it('PNG class folders only (classes = folder names, numeric-aware sort)', async () => {
    const set = await detectSampleSet(without(pngFolder(), 'labels.csv', 'classes.txt'));
    expect(set.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await expectMatchesNpy(set);
  });
  it.each([
    ['stored', 0],
    ['deflated', 6],
  ] as const)('a zip (%s) built with fflate holding the same folder', async (_name, level) => {
    const files: Record<string, Uint8Array> = {};
    for (const e of pngFolder()) files[e.path] = await e.bytes();
    files['__MACOSX/png/._labels.csv'] = new Uint8Array(3); // OS litter is ignored
    const set = await detectSampleSet([bytesEntry('mnist.zip', zipSync(files, { level }))]);
    expect(set.sourceName).toBe('mnist.zip/png/labels.csv');
    await expectMatchesNpy(set);
  });
  it('a flat folder of PNGs without labels is a fidelity-only set', async () => {
    const flat = pngFolder()
      .filter((e) => e.path.endsWith('.png'))
      .slice(0, 20)
      .map((e) => ({ ...e, path: `flat/${e.path.split('/').pop()}` }));
    const set = await detectSampleSet(flat);
    expect(set.labels).toBeNull();
    expect(set.count).toBe(20);
    expect(set.notes.join(' ')).toMatch(/fidelity only/);
  });
});

const png = (w: number, h: number, channels: 1 | 3 | 4, fill = 7) =>
  encode({ width: w, height: h, channels, depth: 8, data: new Uint8Array(w * h * channels).fill(fill) });

describe('image sets with class names', () => {
  it('labels.csv with class names and no header, classes from sorted names', async () => {
    const set = await detectSampleSet([
      bytesEntry('d/labels.csv', 'b.png,dog\r\na.png,cat\r\nc.png,dog\r\n'),
      bytesEntry('d/a.png', png(2, 2, 3)),
      bytesEntry('d/b.png', png(2, 2, 4)),
      bytesEntry('d/c.png', png(2, 2, 1)),
    ]);
    expect(set.classes).toEqual(['cat', 'dog']);
    expect(Array.from(set.labels ?? [])).toEqual([1, 0, 1]);
  });
  it('class folders follow classes.txt order', async () => {
    const set = await detectSampleSet([
      bytesEntry('classes.txt', 'dog\ncat\n'),
      bytesEntry('cat/1.png', png(2, 2, 3)),
      bytesEntry('dog/1.png', png(2, 2, 3)),
      bytesEntry('dog/2.png', png(2, 2, 3)),
    ]);
    expect(set.classes).toEqual(['dog', 'cat']);
    expect(Array.from(set.labels ?? [])).toEqual([1, 0, 0]);
  });
  it('folder names sort numeric-aware: 2 < 10', async () => {
    const set = await detectSampleSet([
      bytesEntry('10/a.png', png(1, 1, 1)),
      bytesEntry('2/a.png', png(1, 1, 1)),
    ]);
    expect(set.classes).toEqual(['2', '10']);
  });
});

describe('squeezenet: labels.csv with numeric ImageNet indices + an indexed class list', () => {
  it('index,name lines in classes.txt keep their names; labels stay indices', async () => {
    const dir = testModel('squeezenet1.0-fp16-winml');
    const set = await detectSampleSet([
      fileEntry(`${dir}/samples/labels.csv`, 'labels.csv'),
      fileEntry(`${dir}/imagenet_labels.txt`, 'classes.txt'),
      fileEntry(`${dir}/images/kitten_224.png`, 'images/kitten_224.png'),
      fileEntry(`${dir}/images/fish.png`, 'images/fish.png'),
    ]);
    expect(Array.from(set.labels ?? [])).toEqual([281, 0]);
    expect(set.classes).toHaveLength(1000);
    expect(set.classes?.[281]).toBe('tabby, tabby cat');
    expect(set.classes?.[0]).toBe('tench, Tinca tinca');
  });
});

describe('bad image sets give a SampleSetError naming the file and the expectation', () => {
  it('corrupt image (not a PNG)', async () => {
    const entries = pngFolder().map((e) => (e.path === 'png/7/0042.png' ? bytesEntry(e.path, 'garbage') : e));
    const set = await detectSampleSet(entries);
    const i = (set as ImageSampleSet).names.indexOf('png/7/0042.png');
    await expectSampleSetError(
      () => loadSample(set, i, RAW_GRAY),
      'png/7/0042.png: not a PNG (corrupt image',
    );
  });
  it('truncated PNG (valid signature, cut data)', async () => {
    const good = png(8, 8, 3);
    const set = await detectSampleSet([
      bytesEntry('a/x.png', good),
      bytesEntry('a/y.png', good.subarray(0, 40)),
    ]);
    await expectSampleSetError(() => loadSample(set, 1, RAW_GRAY), 'a/y.png', /corrupt image/);
  });
  it('JPEG without the app decoder', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('cat/1.jpg', Uint8Array.of(0xff, 0xd8, 0xff))]),
      'cat/1.jpg',
      /JPG images need the app's image decoder/,
    );
  });
  it('unknown class folder vs classes.txt', async () => {
    await expectSampleSetError(
      () =>
        detectSampleSet([
          bytesEntry('classes.txt', 'cat\nbird\n'),
          bytesEntry('cat/1.png', png(1, 1, 1)),
          bytesEntry('dog/1.png', png(1, 1, 1)),
        ]),
      "folder 'dog' is not one of the classes in classes.txt: cat, bird",
    );
  });
  it('labels.csv naming a missing image', async () => {
    await expectSampleSetError(
      () =>
        detectSampleSet([
          bytesEntry('labels.csv', 'filename,label\na.png,0\nb.png,1\n'),
          bytesEntry('a.png', png(1, 1, 1)),
        ]),
      "labels.csv line 3: image 'b.png' was not among the dropped files",
    );
  });
  it('labels.csv label not in classes.txt', async () => {
    await expectSampleSetError(
      () =>
        detectSampleSet([
          bytesEntry('labels.csv', 'a.png,cat\nb.png,fish\n'),
          bytesEntry('classes.txt', 'cat\ndog'),
          bytesEntry('a.png', png(1, 1, 1)),
          bytesEntry('b.png', png(1, 1, 1)),
        ]),
      "labels.csv line 2: label 'fish' is neither a class in classes.txt (cat, dog) nor an index 0..1",
    );
  });
  it('images at mixed folder depths', async () => {
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('r/cat/1.png', png(1, 1, 1)), bytesEntry('r/2.png', png(1, 1, 1))]),
      /different folder depths \('2.png' vs 'cat\/1.png'\)/,
    );
  });
});

// Picks the reader for whatever the user dropped (folder, several files, a zip) and says what it found.
import { strFromU8, unzipSync } from 'fflate';
import { idxImageSet, looksLikeIdx, parseIdx } from './idx';
import { listNames, readImageFolder, type ImageFolderOptions } from './images';
import { sampleArrayFromNpy, toFloat32Values } from './arrays';
import { npyToLabels, parseNpy, parseNpz, type NpyArray } from './npy';
import { baseName, extension, formatCount, isJunk, naturalCompare, readAll, sampleSetError } from './paths';
import { isImagePath } from './png';
import { readTabularCsv, type TabularOptions } from './tabular';
import { isTestDataPb, readOnnxTestData } from './testdata';
import type { SampleEntry, SampleSet, SampleSetSummary, TensorSampleSet } from './types';

export interface DetectOptions extends ImageFolderOptions {
  tabular?: TabularOptions;
}

/** Replaces each .zip by its files, as `<zip path>/<inner path>` (an .npz stays an .npz). */
export async function expandZips(entries: SampleEntry[]): Promise<SampleEntry[]> {
  const out: SampleEntry[] = [];
  for (const e of entries) {
    if (extension(e.path) !== '.zip') {
      out.push(e);
      continue;
    }
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(await readAll(e));
    } catch (err) {
      throw sampleSetError(
        `${e.path}: not a readable zip archive (${err instanceof Error ? err.message : String(err)})`,
        err,
      );
    }
    for (const [inner, bytes] of Object.entries(files)) {
      if (!inner.endsWith('/')) out.push({ path: `${e.path}/${inner}`, bytes: () => Promise.resolve(bytes) });
    }
  }
  return out;
}

function tensorSetFromArrays(
  inputs: NpyArray,
  labels: NpyArray | null,
  source: 'npy' | 'npz',
  sourceName: string,
  notes: string[],
  others: NpyArray[] = [],
): TensorSampleSet {
  if (inputs.shape.length === 0)
    throw sampleSetError(`${inputs.name}: a scalar, expected an array of samples (N, ...)`);
  const count = inputs.shape[0];
  let y: Int32Array | null = null;
  if (labels) {
    y = npyToLabels(labels);
    if (y.length !== count) {
      throw sampleSetError(
        `${labels.name} has ${formatCount(y.length)} labels but ${inputs.name} has ${formatCount(count)} samples`,
      );
    }
  }
  for (const o of others) {
    if (o.shape[0] !== count) {
      throw sampleSetError(
        `${o.name} has ${formatCount(o.shape[0] ?? 0)} samples but ${inputs.name} has ${formatCount(count)}: every input array needs one row per sample`,
      );
    }
  }
  const arrays = [inputs, ...others].map(sampleArrayFromNpy);
  return {
    kind: 'tensor',
    source,
    sourceName,
    count,
    inputs: toFloat32Values(arrays[0].values),
    sampleDims: inputs.shape.slice(1),
    labels: y,
    classes: null,
    referenceOutputs: null,
    tabular: null,
    arrays,
    notes: y ? notes : [...notes, 'no labels: fidelity only (no accuracy)'],
  };
}

const stem = (p: string): string =>
  baseName(p)
    .replace(/\.[^.]*$/, '')
    .toLowerCase();
const INPUT_STEM = /^(inputs?|x|images|data|samples)([_\-.].*)?$/;
const SOLE_INPUT_STEM = /^(inputs?|x|images|data|samples)$/;
const LABEL_STEM = /^(labels?|y|targets?|classes)([_\-.].*)?$/;

/** inputs.npy (+ labels.npy); or one .npy per model input (input_ids.npy, attention_mask.npy) + labels.npy. */
async function readNpyFiles(npys: SampleEntry[]): Promise<TensorSampleSet> {
  const labelsE = npys.filter((e) => LABEL_STEM.test(stem(e.path)));
  // inputs.npy / x.npy names the one input: other files are ignored. Otherwise every other file is an input array
  // named after its model input (input_ids.npy + attention_mask.npy).
  const sole = npys.filter((e) => SOLE_INPUT_STEM.test(stem(e.path)));
  const named = npys.filter((e) => INPUT_STEM.test(stem(e.path)));
  const rest = npys.filter((e) => !labelsE.includes(e));
  const inputsE =
    sole.length === 1 ? sole : named.length === 1 ? [named[0], ...rest.filter((e) => e !== named[0])] : rest;
  if (inputsE.length === 0 || labelsE.length > 1) {
    throw sampleSetError(
      `cannot tell inputs from labels among ${npys.map((e) => baseName(e.path)).join(', ')} (expected inputs.npy and optionally labels.npy, x.npy / y.npy, or one .npy per model input named after it)`,
    );
  }
  const read = async (e: SampleEntry) => parseNpy(await readAll(e), e.path);
  const all = await Promise.all(inputsE.map(read));
  // Further files count as inputs only with one row per sample (an index list or a split file is not an input).
  const arrays = all.filter((a, k) => k === 0 || (a.shape.length > 0 && a.shape[0] === all[0].shape[0]));
  const labels = labelsE[0] ? await read(labelsE[0]) : null;
  const names = arrays.map((a) => a.name).join(' + ');
  const ignored = [
    ...npys.filter((e) => !inputsE.includes(e) && e !== labelsE[0]).map((e) => e.path),
    ...all.filter((a) => !arrays.includes(a)).map((a) => `${a.name} (not one row per sample)`),
  ];
  const notes = [
    ...(arrays.length > 1 ? [`input arrays ${names} (matched to the model's inputs by file name)`] : []),
    ...(ignored.length > 0 ? [`ignored: ${ignored.join(', ')}`] : []),
  ];
  return tensorSetFromArrays(
    arrays[0],
    labels,
    'npy',
    labels ? `${names} + ${labels.name}` : names,
    notes,
    arrays.slice(1),
  );
}

async function readIdxFiles(files: SampleEntry[]): Promise<SampleSet> {
  const arrays = await Promise.all(files.map(async (e) => parseIdx(await readAll(e), e.path)));
  const images = arrays.filter((a) => a.dims.length === 3);
  const labels = arrays.filter((a) => a.dims.length === 1);
  if (images.length !== 1 || labels.length > 1) {
    throw sampleSetError(
      `expected one idx images file (3 dims) and at most one idx labels file (1 dim), found ${arrays.map((a) => `${a.name} (${a.dims.join('x')})`).join(', ')}`,
    );
  }
  return idxImageSet(images[0], labels[0] ?? null);
}

const isIdxName = (p: string): boolean =>
  /idx\d-ubyte(\.gz)?$/i.test(p) || extension(p) === '.idx' || extension(p) === '.idx.gz';

/**
 * Reads a dropped sample set. Precedence when several kinds are present: .npz, .npy, ONNX test data (.pb),
 * MNIST idx, images (+ labels.csv / classes.txt / class folders), tabular .csv. Throws SampleSetError saying
 * what was found when nothing fits.
 */
export async function detectSampleSet(
  dropped: SampleEntry[],
  options: DetectOptions = {},
): Promise<SampleSet> {
  const entries = (await expandZips(dropped))
    .filter((e) => !isJunk(e.path))
    .sort((a, b) => naturalCompare(a.path, b.path));
  if (entries.length === 0) {
    throw sampleSetError(
      dropped.length === 0
        ? 'the drop is empty (no files)'
        : `no usable files: only ${dropped.map((e) => e.path).join(', ')}`,
    );
  }
  const by = (f: (p: string) => boolean) => entries.filter((e) => f(e.path));
  const npz = by((p) => extension(p) === '.npz');
  const npy = by((p) => extension(p) === '.npy');
  const pbs = by(isTestDataPb);
  const idx = by(isIdxName);
  const images = by(isImagePath);
  const csvs = by((p) => extension(p) === '.csv' && baseName(p).toLowerCase() !== 'labels.csv');
  const others = (used: SampleEntry[]): string[] => {
    const kinds = [
      [npz, '.npz'],
      [npy, '.npy'],
      [pbs, '.pb'],
      [idx, 'idx'],
      [images, 'image'],
      [csvs, '.csv'],
    ] as const;
    const rest = kinds
      .filter(([list]) => list.length > 0 && list !== used)
      .map(([list, k]) => `${formatCount(list.length)} ${k}`);
    return rest.length > 0 ? [`also found ${rest.join(', ')} file(s), not used`] : [];
  };

  let set: SampleSet;
  if (npz.length > 0) {
    if (npz.length > 1)
      throw sampleSetError(`several .npz files (${npz.map((e) => e.path).join(', ')}): drop one`);
    const pick = parseNpz(await readAll(npz[0]), npz[0].path);
    set = tensorSetFromArrays(
      pick.inputs,
      pick.labels,
      'npz',
      npz[0].path,
      [pick.rule, ...others(npz)],
      pick.others,
    );
  } else if (npy.length > 0) {
    set = await readNpyFiles(npy);
    set.notes.push(...others(npy));
  } else if (pbs.length > 0) {
    set = await readOnnxTestData(pbs);
    set.notes.push(...others(pbs));
  } else if (idx.length > 0 || (entries.length <= 2 && images.length === 0 && (await allIdx(entries)))) {
    set = await readIdxFiles(idx.length > 0 ? idx : entries);
  } else if (images.length > 0) {
    set = await readImageFolder(entries, options);
  } else if (csvs.length > 0) {
    if (csvs.length > 1)
      throw sampleSetError(`several .csv files (${csvs.map((e) => e.path).join(', ')}): drop one table`);
    set = readTabularCsv(strFromU8(await readAll(csvs[0])), csvs[0].path, options.tabular);
  } else {
    const exts = [...new Set(entries.map((e) => extension(e.path) || baseName(e.path)))];
    throw sampleSetError(
      `no sample set recognised in ${entries.length} file(s) (${exts.join(', ')}); expected .npy/.npz, images (+ labels.csv), test_data_set_N/input_0.pb, MNIST idx or a .csv table`,
    );
  }
  if (set.count === 0) throw sampleSetError(`${set.sourceName}: holds 0 samples`);
  return set;
}

async function allIdx(entries: SampleEntry[]): Promise<boolean> {
  for (const e of entries) {
    const head = (await readAll(e)).subarray(0, 4);
    if (!(looksLikeIdx(head) || (head[0] === 0x1f && head[1] === 0x8b && /ubyte/i.test(e.path))))
      return false;
  }
  return true;
}

export function describeSampleSet(set: SampleSet): SampleSetSummary {
  const classes = set.classes;
  const nClasses = classes ? classes.length : set.labels ? new Set(set.labels).size : 0;
  let what: string;
  let sampleDims: number[] | null;
  if (set.kind === 'images') {
    const f = set.firstImage;
    sampleDims = f ? [f.height, f.width, f.channels] : null;
    what = `${formatCount(set.count)} image(s)${f ? ` (first ${f.width}x${f.height}, ${f.channels} channel(s))` : ''}`;
  } else {
    sampleDims = set.sampleDims;
    const arrays = set.arrays ?? [];
    what =
      arrays.length > 1 || arrays.some((a) => a.dtype !== 'float32')
        ? `${formatCount(set.count)} sample(s): ${arrays.map((a) => `${a.name ?? 'input'} ${a.dtype} [${a.sampleDims.join(',')}]`).join(', ')}`
        : `${formatCount(set.count)} sample(s) of shape [${set.sampleDims.join(',')}]`;
  }
  const labelText = set.labels
    ? `${nClasses} class(es)${classes ? `: ${listNames(classes)}` : ''}`
    : 'no labels (fidelity only)';
  const refText = set.kind === 'tensor' && set.referenceOutputs ? ', with reference outputs' : '';
  return {
    kind: set.kind,
    source: set.source,
    sourceName: set.sourceName,
    count: set.count,
    labeled: set.labels !== null,
    classes,
    sampleDims,
    arrays:
      set.kind === 'tensor' && set.arrays
        ? set.arrays.map((a) => ({ name: a.name, dtype: a.dtype, sampleDims: [...a.sampleDims] }))
        : null,
    description: `${what} from ${set.sourceName}, ${labelText}${refText}`,
    notes: [...set.notes],
  };
}

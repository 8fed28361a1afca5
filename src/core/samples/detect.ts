// Picks the reader for whatever the user dropped (folder, several files, a zip) and says what it found.
import { strFromU8, unzipSync } from 'fflate';
import { idxImageSet, looksLikeIdx, parseIdx } from './idx';
import { findByName, listNames, readImageFolder, type ImageFolderOptions } from './images';
import { readNpyFiles, tensorSetFromArrays, withLabelFiles } from './npy-files';
import { parseNpz } from './npy';
import { baseName, extension, formatCount, isJunk, naturalCompare, readAll, sampleSetError } from './paths';
import { isImagePath } from './png';
import { readTabularCsv, type TabularOptions } from './tabular';
import { isTestDataPb, readOnnxTestData } from './testdata';
import type { ArrayRoles, SampleEntry, SampleSet, SampleSetSummary } from './types';

export interface DetectOptions extends ImageFolderOptions {
  tabular?: TabularOptions;
  /** Loose .npy files: which are inputs and which holds the labels (else told from names and shapes). */
  arrays?: ArrayRoles;
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

  // Beside arrays: class names, and labels when the arrays hold none (images read these themselves).
  const labelFiles = {
    labelsCsv: findByName(entries, 'labels.csv'),
    classesTxt: findByName(entries, 'classes.txt'),
  };
  let set: SampleSet;
  if (npz.length > 0) {
    if (npz.length > 1)
      throw sampleSetError(`several .npz files (${npz.map((e) => e.path).join(', ')}): drop one`);
    const pick = parseNpz(await readAll(npz[0]), npz[0].path);
    set = await withLabelFiles(
      tensorSetFromArrays(
        pick.inputs,
        pick.labels,
        'npz',
        npz[0].path,
        [pick.rule, ...others(npz)],
        pick.others,
      ),
      labelFiles,
    );
  } else if (npy.length > 0) {
    set = await readNpyFiles(npy, { ...labelFiles, roles: options.arrays });
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
    npyFiles:
      set.kind === 'tensor' && set.npyFiles ? set.npyFiles.map((f) => ({ ...f, shape: [...f.shape] })) : null,
    arrays:
      set.kind === 'tensor' && set.arrays
        ? set.arrays.map((a) => ({ name: a.name, dtype: a.dtype, sampleDims: [...a.sampleDims] }))
        : null,
    description: `${what} from ${set.sourceName}, ${labelText}${refText}`,
    notes: [...set.notes],
  };
}

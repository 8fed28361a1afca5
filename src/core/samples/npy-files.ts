// Tensor sample sets from loose .npy files: which file holds the inputs and which the labels (by name, by shape, or
// as the user assigned), plus labels.csv / classes.txt beside them.
import { strFromU8 } from 'fflate';
import { npyDtypeName, sampleArrayFromNpy, toFloat32Values } from './arrays';
import { parseCsv } from './csv';
import { listNames, parseClassesTxt, resolveLabels } from './images';
import { npyToLabels, parseNpy, type NpyArray } from './npy';
import { baseName, formatCount, readAll, sampleSetError } from './paths';
import type { ArrayRole, ArrayRoles, NpyFileInfo, SampleEntry, TensorSampleSet } from './types';

const stem = (p: string): string =>
  baseName(p)
    .replace(/\.[^.]*$/, '')
    .toLowerCase();
const INPUT_WORDS = new Set(['input', 'inputs', 'x', 'images', 'data', 'samples']);
const SOLE_INPUT_STEM = /^(inputs?|x|images|data|samples)$/;
const LABEL_WORDS = new Set(['label', 'labels', 'y', 'target', 'targets', 'classes']);

/**
 * What a file's name says it holds. The first word decides (`x_test`, `labels_v2`, `input_ids`); failing that any
 * word does (`wrong_inputs`, `test_labels`), unless the name has words of both kinds.
 */
export function roleFromName(path: string): 'input' | 'labels' | null {
  const words = stem(path).split(/[_\-.\s]+/);
  if (INPUT_WORDS.has(words[0])) return 'input';
  if (LABEL_WORDS.has(words[0])) return 'labels';
  const isInput = words.some((w) => INPUT_WORDS.has(w));
  const isLabels = words.some((w) => LABEL_WORDS.has(w));
  return isInput === isLabels ? null : isInput ? 'input' : 'labels';
}

/** Shape (N,) or (N, 1) of whole non-negative numbers, with N rows like some array of samples. */
function labelShaped(a: NpyArray, all: NpyArray[]): boolean {
  const n = a.shape[0];
  if (!all.some((b) => b !== a && b.shape.length >= 2 && b.shape[0] === n)) return false;
  try {
    npyToLabels(a);
    return true;
  } catch {
    return false;
  }
}

interface Assignment {
  inputs: number[];
  labels: number | null;
  notes: string[];
}

/** The user's assignment, checked against the dropped files. */
function assignByUser(paths: string[], roles: ArrayRoles): Assignment {
  const index = (p: string) => {
    const i = paths.indexOf(p);
    if (i < 0)
      throw sampleSetError(`${p} is not one of the dropped .npy files (${paths.map(baseName).join(', ')})`);
    return i;
  };
  const inputs = roles.inputs.map(index);
  const labels = roles.labels === null ? null : index(roles.labels);
  if (inputs.length === 0)
    throw sampleSetError('no input array chosen: mark at least one .npy file as input');
  if (labels !== null && inputs.includes(labels))
    throw sampleSetError(`${roles.labels} cannot be both an input and the labels`);
  return { inputs, labels, notes: ['arrays as you assigned them'] };
}

/**
 * inputs.npy (+ labels.npy); one .npy per model input named after it (input_ids.npy + attention_mask.npy) +
 * labels.npy; or, when names don't tell, labels guessed from shapes (one whole number per sample).
 */
function assignByNames(arrays: NpyArray[]): Assignment {
  const all = arrays.map((_, i) => i);
  const role = arrays.map((a) => roleFromName(a.name));
  const labelNamed = all.filter((i) => role[i] === 'labels');
  const inputNamed = all.filter((i) => role[i] === 'input');
  const notes: string[] = [];
  const names = (ix: number[]) => ix.map((i) => baseName(arrays[i].name)).join(', ');

  if (inputNamed.length === 0 && (labelNamed.length === 0 || labelNamed.length === arrays.length)) {
    // The names don't say which is which: a (N,) array of class indices beside an (N, ...) array is the labels.
    if (arrays.length === 1) {
      if (labelNamed.length === 0) return { inputs: [0], labels: null, notes };
      throw sampleSetError(
        `${baseName(arrays[0].name)} looks like labels, and there is no input array (expected inputs.npy and optionally labels.npy, x.npy / y.npy, or one .npy per model input named after it)`,
      );
    }
    const candidates = all.filter((i) => labelShaped(arrays[i], arrays));
    const labels = candidates[0] ?? null;
    const inputs = all.filter((i) => i !== labels);
    notes.push(
      labels === null
        ? `the file names don't say which array holds labels, and none looks like labels (one class index per sample): read ${names(inputs)} as input(s), without labels — assign the arrays below if that is wrong`
        : `the file names don't say which array is which: guessed ${names([labels])} as labels (one class index per sample) and ${names(inputs)} as input(s) — check the assignment below`,
    );
    if (candidates.length > 1) notes.push(`${names(candidates)} could all be labels: used the first`);
    return { inputs, labels, notes };
  }
  const labels = labelNamed[0] ?? null;
  if (labelNamed.length > 1)
    notes.push(`several files look like labels (${names(labelNamed)}): used ${names([labelNamed[0]])}`);
  // inputs.npy / x.npy names the one input: other files are ignored. Otherwise every file not holding labels is an
  // input array named after its model input (input_ids.npy + attention_mask.npy).
  const sole = inputNamed.filter((i) => SOLE_INPUT_STEM.test(stem(arrays[i].name)));
  const rest = all.filter((i) => !labelNamed.includes(i));
  const inputs =
    sole.length === 1
      ? sole
      : inputNamed.length === 1
        ? [inputNamed[0], ...rest.filter((i) => i !== inputNamed[0])]
        : rest;
  return { inputs, labels, notes };
}

/** Labels from a labels.csv with one row per sample: one column, or the column named label/y/target/class. */
function labelsFromCsv(
  text: string,
  path: string,
  count: number,
  classes: string[] | null,
  classesPath: string | null,
) {
  const rows = parseCsv(text, path).filter((r) => r.some((c) => c !== ''));
  // A header is there when the file has one row more than there are samples.
  const header = rows.length === count + 1 ? rows[0] : null;
  const body = header ? rows.slice(1) : rows;
  if (body.length !== count) {
    throw sampleSetError(
      `${path} has ${formatCount(body.length)} label row(s) but the arrays hold ${formatCount(count)} samples (expected one label per sample, in order)`,
    );
  }
  const named = header?.findIndex((h) => /^(labels?|y|targets?|class(es)?|class_?id)$/i.test(h.trim())) ?? -1;
  const column = named >= 0 ? named : (body[0]?.length ?? 1) - 1;
  const raw = body.map((r, i) => {
    const v = (r[column] ?? '').trim();
    if (v === '') throw sampleSetError(`${path} row ${i + 1 + (header ? 1 : 0)}: no label`);
    return v;
  });
  return resolveLabels(raw, classes, (i) => `${path} row ${i + 1 + (header ? 1 : 0)}`, classesPath);
}

export interface NpyFilesExtras {
  labelsCsv?: SampleEntry;
  classesTxt?: SampleEntry;
  roles?: ArrayRoles;
}

/** Reads loose .npy files (+ labels.csv, classes.txt) as a tensor sample set. */
export async function readNpyFiles(
  npys: SampleEntry[],
  extras: NpyFilesExtras = {},
): Promise<TensorSampleSet> {
  const arrays = await Promise.all(npys.map(async (e) => parseNpy(await readAll(e), e.path)));
  const paths = npys.map((e) => e.path);
  const { roles } = extras;
  const pick = roles ? assignByUser(paths, roles) : assignByNames(arrays);
  // Further files count as inputs only with one row per sample (an index list or a split file is not an input).
  const first = arrays[pick.inputs[0]];
  if (first.shape.length === 0)
    throw sampleSetError(`${first.name}: a scalar, expected an array of samples (N, ...)`);
  const count = first.shape[0];
  const rowsOk = (i: number) => arrays[i].shape.length > 0 && arrays[i].shape[0] === count;
  if (roles) {
    const bad = pick.inputs.find((i) => !rowsOk(i));
    if (bad !== undefined) {
      throw sampleSetError(
        `${arrays[bad].name} has ${formatCount(arrays[bad].shape[0] ?? 0)} samples but ${first.name} has ${formatCount(count)}: every input array needs one row per sample`,
      );
    }
  }
  const inputs = pick.inputs.filter((i, k) => k === 0 || rowsOk(i));
  const labels = pick.labels === null ? null : arrays[pick.labels];
  const roleOf = (i: number): ArrayRole =>
    inputs.includes(i) ? 'input' : pick.labels === i ? 'labels' : 'ignored';
  const files: NpyFileInfo[] = arrays.map((a, i) => ({
    path: paths[i],
    dtype: npyDtypeName(a.dtype),
    shape: [...a.shape],
    role: roleOf(i),
  }));

  const ignored = files.filter((f) => f.role === 'ignored').map((f) => f.path);
  const notes = [...pick.notes, ...(ignored.length > 0 ? [`ignored: ${ignored.join(', ')}`] : [])];
  const used = inputs.map((i) => arrays[i]);
  const names = used.map((a) => a.name).join(' + ');
  if (used.length > 1) notes.push(`input arrays ${names} (matched to the model's inputs by file name)`);
  const set = tensorSetFromArrays(
    used[0],
    labels,
    'npy',
    labels ? `${names} + ${labels.name}` : names,
    notes,
    used.slice(1),
  );
  return { ...(await withLabelFiles(set, extras)), npyFiles: files };
}

/**
 * Class names from classes.txt, and labels from labels.csv when the arrays hold none (one label per sample, in
 * order; class names or indices).
 */
export async function withLabelFiles(
  set: TensorSampleSet,
  extras: Pick<NpyFilesExtras, 'labelsCsv' | 'classesTxt'>,
): Promise<TensorSampleSet> {
  const { labelsCsv, classesTxt } = extras;
  if (!labelsCsv && !classesTxt) return set;
  const fromTxt = classesTxt ? parseClassesTxt(strFromU8(await readAll(classesTxt)), classesTxt.path) : null;
  let labels = set.labels;
  let classes = fromTxt;
  let notes = set.notes;
  let sourceName = set.sourceName;
  if (labelsCsv && labels) {
    notes = [...notes, `${labelsCsv.path} not used: the arrays hold labels`];
  } else if (labelsCsv) {
    ({ labels, classes } = labelsFromCsv(
      strFromU8(await readAll(labelsCsv)),
      labelsCsv.path,
      set.count,
      fromTxt,
      classesTxt?.path ?? null,
    ));
    notes = [...notes.filter((n) => !n.startsWith('no labels')), `labels from ${labelsCsv.path}`];
    sourceName = `${sourceName} + ${labelsCsv.path}`;
  }
  if (labels && classes) {
    const top = labels.reduce((m, v) => Math.max(m, v), -1);
    if (top >= classes.length) {
      throw sampleSetError(
        `label ${top} is beyond the ${classes.length} classes of ${classesTxt?.path ?? 'the labels'} (${listNames(classes)})`,
      );
    }
  }
  if (fromTxt && classesTxt && classes === fromTxt) notes = [...notes, `class names from ${classesTxt.path}`];
  return { ...set, labels, classes, notes, sourceName };
}

/** A tensor set from an inputs array, optional labels and further input arrays (one row per sample each). */
export function tensorSetFromArrays(
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

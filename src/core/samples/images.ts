// Image sample sets: images + labels.csv (+ classes.txt), class-named subfolders, or a bare folder (no labels).
import { strFromU8 } from 'fflate';
import { parseCsv } from './csv';
import { decodePngImage, isImagePath, safeDecoder } from './png';
import {
  baseName,
  commonDir,
  dirName,
  formatCount,
  naturalCompare,
  normalizePath,
  readAll,
  relativeTo,
  sampleSetError,
} from './paths';
import type { ImageDecoder, ImageSampleSet, SampleEntry } from './types';

export interface ImageFolderOptions {
  /** Defaults to the built-in PNG decoder. */
  decodeImage?: ImageDecoder;
}

/** Long class lists (ImageNet) are cut in messages. */
export const listNames = (names: string[], max = 12): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length} in all)`;

export const findByName = (entries: SampleEntry[], name: string): SampleEntry | undefined =>
  entries
    .filter((e) => baseName(e.path).toLowerCase() === name)
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length)[0];

/** classes.txt: one name per line (index = line number); `index,name` lines are accepted too. */
export function parseClassesTxt(text: string, fileName: string): string[] {
  const lines = text
    .replace(/^\ufeff/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw sampleSetError(`${fileName}: empty (expected one class name per line)`);
  const indexed = lines.map((l) => /^(\d+)\s*[,:\t]\s*(.+)$/.exec(l));
  if (indexed.every((m, i) => m !== null && Number(m[1]) === i))
    return indexed.map((m) => (m as RegExpExecArray)[2].trim());
  const blank = lines.indexOf('');
  if (blank >= 0)
    throw sampleSetError(`${fileName}: line ${blank + 1} is empty (expected one class name per line)`);
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l)) throw sampleSetError(`${fileName}: class '${l}' appears twice`);
    seen.add(l);
  }
  return lines;
}

/** Turns label strings into indices: class names (from classes.txt or sorted unique names) or integer indices. */
export function resolveLabels(
  raw: string[],
  classes: string[] | null,
  where: (i: number) => string,
  classesFile: string | null,
) {
  if (classes && classesFile) {
    const byName = new Map(classes.map((c, i) => [c, i]));
    // A label is a class name when it is one (classes.txt may hold '0'..'9'), else an index.
    const labels = Int32Array.from(raw, (r, i) => {
      const named = byName.get(r);
      if (named !== undefined) return named;
      const n = Number(r);
      if (/^\d+$/.test(r) && n < classes.length) return n;
      throw sampleSetError(
        `${where(i)}: label '${r}' is neither a class in ${classesFile} (${listNames(classes)}) nor an index 0..${classes.length - 1}`,
      );
    });
    return { labels, classes };
  }
  if (raw.every((r) => /^\d+$/.test(r))) return { labels: Int32Array.from(raw, Number), classes: null };
  const names = [...new Set(raw)].sort(naturalCompare);
  const byName = new Map(names.map((c, i) => [c, i]));
  return { labels: Int32Array.from(raw, (r) => byName.get(r) as number), classes: names };
}

export async function readImageFolder(
  entries: SampleEntry[],
  options: ImageFolderOptions = {},
): Promise<ImageSampleSet> {
  const images = entries.filter((e) => isImagePath(e.path));
  if (images.length === 0)
    throw sampleSetError(`no images found (expected .png/.jpg files; got ${entries.length} other file(s))`);
  const labelsCsv = findByName(entries, 'labels.csv');
  const classesTxt = findByName(entries, 'classes.txt');
  const classesFromFile = classesTxt
    ? parseClassesTxt(strFromU8(await readAll(classesTxt)), classesTxt.path)
    : null;
  const notes: string[] = [];
  let chosen: SampleEntry[];
  let labels: Int32Array | null;
  let classes: string[] | null;

  if (labelsCsv) {
    const rows = parseCsv(strFromU8(await readAll(labelsCsv)), labelsCsv.path);
    const body = rows.length > 0 && !isImagePath(rows[0][0] ?? '') ? rows.slice(1) : rows; // header: first cell is not an image name
    if (body.length === 0)
      throw sampleSetError(`${labelsCsv.path}: no rows (expected 'filename,label' lines)`);
    const byPath = new Map(images.map((e) => [normalizePath(e.path), e]));
    const base = dirName(labelsCsv.path);
    const offset = rows.length - body.length + 1;
    chosen = body.map((r, i) => {
      if (r.length < 2 || r[0] === '' || r[1] === '') {
        throw sampleSetError(
          `${labelsCsv.path} line ${i + offset}: expected 'filename,label', found '${r.join(',')}'`,
        );
      }
      const rel = normalizePath(r[0]);
      const hit =
        byPath.get(normalizePath(`${base}/${rel}`)) ??
        byPath.get(rel) ??
        images.find((e) => e.path.endsWith(`/${rel}`));
      if (!hit)
        throw sampleSetError(
          `${labelsCsv.path} line ${i + offset}: image '${r[0]}' was not among the dropped files`,
        );
      return hit;
    });
    ({ labels, classes } = resolveLabels(
      body.map((r) => r[1]),
      classesFromFile,
      (i) => `${labelsCsv.path} line ${i + offset}`,
      classesTxt?.path ?? null,
    ));
    const unlisted = images.length - new Set(chosen).size;
    if (unlisted > 0)
      notes.push(`${formatCount(unlisted)} image(s) not listed in ${labelsCsv.path} were skipped`);
    notes.push(`labels from ${labelsCsv.path}`);
  } else {
    const root = classesTxt ? dirName(classesTxt.path) : commonDir(images.map((e) => e.path));
    const rel = images.map((e) =>
      root === '' || e.path.startsWith(`${root}/`) ? relativeTo(root, e.path) : e.path,
    );
    const depth = rel.map((r) => r.split('/').length);
    const sorted = images.map((e, i) => ({ e, r: rel[i] })).sort((a, b) => naturalCompare(a.r, b.r));
    chosen = sorted.map((x) => x.e);
    const sortedRel = sorted.map((x) => x.r);
    if (depth.every((d) => d === 1)) {
      labels = null;
      classes = classesFromFile;
      notes.push('no labels.csv and no class folders: fidelity only (no accuracy)');
    } else if (depth.every((d) => d === 2)) {
      const folders = [...new Set(sortedRel.map((r) => r.split('/')[0]))].sort(naturalCompare);
      if (classesFromFile && classesTxt) {
        const bad = folders.find((f) => !classesFromFile.includes(f));
        if (bad !== undefined) {
          throw sampleSetError(
            `folder '${bad}' is not one of the classes in ${classesTxt.path}: ${listNames(classesFromFile)}`,
          );
        }
      }
      classes = classesFromFile ?? folders;
      const index = new Map(classes.map((c, i) => [c, i]));
      labels = Int32Array.from(sortedRel, (r) => index.get(r.split('/')[0]) as number);
      notes.push(
        `labels from ${folders.length} class folder(s)${classesTxt ? `, class order from ${classesTxt.path}` : ', class order = folder names sorted'}`,
      );
    } else {
      const example = (d: number) => sortedRel[depth.findIndex((x) => x === d)];
      throw sampleSetError(
        `images are at different folder depths ('${example(Math.min(...depth))}' vs '${example(Math.max(...depth))}'): expected all in class folders (cat/001.png), all in one folder, or a labels.csv`,
      );
    }
  }

  const decode = safeDecoder(options.decodeImage ?? decodePngImage);
  const load = async (i: number) => {
    const e = chosen[i];
    if (!e) throw sampleSetError(`image sample ${i} out of range 0..${chosen.length - 1}`);
    return decode(await readAll(e), e.path);
  };
  const first = await load(0);
  return {
    kind: 'images',
    source: 'images',
    sourceName: labelsCsv ? labelsCsv.path : commonDir(chosen.map((e) => e.path)) || 'images',
    count: chosen.length,
    names: chosen.map((e) => e.path),
    labels,
    classes,
    notes,
    firstImage: { width: first.width, height: first.height, channels: first.channels ?? 4 },
    load,
  };
}

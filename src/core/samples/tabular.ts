// Tabular CSV -> numeric feature rows + class labels, with a string-label mapping the UI can show and edit.
import { detectHeader, isNumeric, parseCsv } from './csv';
import { formatCount, naturalCompare, sampleSetError } from './paths';
import type { LabelMapping, TensorSampleSet } from './types';

export type ColumnRef = string | number;

export interface TabularOptions {
  /** Default: detected (see `detectHeader`). Without a header the columns are named col0, col1, ... */
  hasHeader?: boolean;
  /** undefined: default rule (a column named label/class/species/target/y, else the last text column); null: no labels. */
  labelColumn?: ColumnRef | null;
  /** Columns never used as features. undefined: Id-like columns (id, index, row, unnamed: 0, empty name). */
  excludeColumns?: ColumnRef[];
  /** An edited mapping for string labels; every label in the file must appear in it. */
  labelMapping?: LabelMapping[];
}

export const defaultTabularOptions: TabularOptions = {};

const LABEL_NAMES = /^(label|labels|class|classes|species|target|y|category)$/i;
const ID_NAMES = /^(id|index|idx|row|rowid|row_id|no|#|unnamed: ?0|)$/i;

export function readTabularCsv(
  text: string,
  fileName: string,
  options: TabularOptions = {},
): TensorSampleSet {
  const all = parseCsv(text, fileName);
  if (all.length === 0)
    throw sampleSetError(`${fileName}: empty CSV (expected a header and rows of numbers)`);
  const hasHeader = options.hasHeader ?? detectHeader(all);
  const width = all[0].length;
  const columns = hasHeader ? all[0] : all[0].map((_, i) => `col${i}`);
  const rows = hasHeader ? all.slice(1) : all;
  if (rows.length === 0) throw sampleSetError(`${fileName}: only a header row, no samples`);
  rows.forEach((r, i) => {
    if (r.length !== width) {
      throw sampleSetError(
        `${fileName}: row ${i + 1 + (hasHeader ? 1 : 0)} has ${r.length} fields, expected ${width} like the first row`,
      );
    }
  });

  const resolve = (ref: ColumnRef, what: string): number => {
    const i = typeof ref === 'number' ? ref : columns.findIndex((c) => c.toLowerCase() === ref.toLowerCase());
    if (i < 0 || i >= width)
      throw sampleSetError(`${fileName}: ${what} column '${ref}' not found (columns: ${columns.join(', ')})`);
    return i;
  };
  // A column is numeric when most of its cells are numbers; stray text in it is then an error, not a reason to drop it.
  const numeric = columns.map((_, c) => rows.filter((r) => isNumeric(r[c])).length * 2 > rows.length);

  let labelCol: number | null;
  if (options.labelColumn === null) labelCol = null;
  else if (options.labelColumn !== undefined) labelCol = resolve(options.labelColumn, 'label');
  else {
    const named = columns.findIndex((c) => LABEL_NAMES.test(c));
    const lastText = numeric.lastIndexOf(false);
    labelCol = named >= 0 ? named : lastText >= 0 ? lastText : null;
  }
  const excluded = new Set(
    options.excludeColumns !== undefined
      ? options.excludeColumns.map((r) => resolve(r, 'excluded'))
      : columns.flatMap((c, i) => (ID_NAMES.test(c) ? [i] : [])),
  );
  const notes: string[] = [];
  const featureIdx: number[] = [];
  columns.forEach((c, i) => {
    if (i === labelCol || excluded.has(i)) return;
    if (numeric[i]) featureIdx.push(i);
    else notes.push(`column '${c}' is not numeric and was skipped`);
  });
  if (excluded.size > 0) notes.push(`excluded column(s): ${[...excluded].map((i) => columns[i]).join(', ')}`);
  if (featureIdx.length === 0)
    throw sampleSetError(`${fileName}: no numeric feature columns (columns: ${columns.join(', ')})`);

  const inputs = new Float32Array(rows.length * featureIdx.length);
  rows.forEach((r, i) => {
    featureIdx.forEach((c, j) => {
      if (!isNumeric(r[c])) {
        throw sampleSetError(
          `${fileName}: row ${i + 1 + (hasHeader ? 1 : 0)}, column '${columns[c]}': '${r[c]}' is not a number`,
        );
      }
      inputs[i * featureIdx.length + j] = Number(r[c]);
    });
  });

  let labels: Int32Array | null = null;
  let labelMapping: LabelMapping[] = [];
  let classes: string[] | null = null;
  if (labelCol !== null) {
    const raw = rows.map((r) => r[labelCol]);
    if (numeric[labelCol] && raw.every(isNumeric)) {
      labels = Int32Array.from(raw, (v, i) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) {
          throw sampleSetError(
            `${fileName}: row ${i + 1 + (hasHeader ? 1 : 0)}, label column '${columns[labelCol]}': '${v}' is not a class index (expected a non-negative integer)`,
          );
        }
        return n;
      });
    } else {
      labelMapping = options.labelMapping ?? defaultLabelMapping(raw);
      const badIndex = labelMapping.find((m) => !(Number.isInteger(m.index) && m.index >= 0));
      if (badIndex) {
        throw sampleSetError(
          `${fileName}: label mapping ${badIndex.name}=${badIndex.index} (expected a non-negative integer index)`,
        );
      }
      const byName = new Map(labelMapping.map((m) => [m.name, m.index]));
      const unknown = [...new Set(raw.filter((v) => !byName.has(v)))];
      if (unknown.length > 0) {
        throw sampleSetError(
          `${fileName}: label(s) ${unknown.map((u) => `'${u}'`).join(', ')} in column '${columns[labelCol]}' are not in the label mapping (${labelMapping.map((m) => `${m.name}=${m.index}`).join(', ')})`,
        );
      }
      labels = Int32Array.from(raw, (v) => byName.get(v) as number);
      classes = classesFromMapping(labelMapping);
    }
  }
  return {
    kind: 'tensor',
    source: 'csv',
    sourceName: fileName,
    count: rows.length,
    inputs,
    sampleDims: [featureIdx.length],
    labels,
    classes,
    referenceOutputs: null,
    notes: [
      `${formatCount(rows.length)} rows, features: ${featureIdx.map((i) => columns[i]).join(', ')}`,
      ...notes,
    ],
    tabular: {
      columns,
      featureColumns: featureIdx.map((i) => columns[i]),
      labelColumn: labelCol === null ? null : columns[labelCol],
      labelMapping,
    },
  };
}

/** Sorted unique names (numeric-aware) -> 0..k-1: Iris-setosa=0, Iris-versicolor=1, Iris-virginica=2. */
export function defaultLabelMapping(names: string[]): LabelMapping[] {
  return [...new Set(names)].sort(naturalCompare).map((name, index) => ({ name, index }));
}

/** Class names by index; indices the mapping skips become '#<index>'. */
export function classesFromMapping(mapping: LabelMapping[]): string[] {
  const n = mapping.reduce((m, x) => Math.max(m, x.index + 1), 0);
  const out = Array.from({ length: n }, (_, i) => `#${i}`);
  for (const m of mapping) out[m.index] = m.name;
  return out;
}

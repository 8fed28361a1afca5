// Rows other benchmarks leave for this table: docs/.bench-eval.json (scripts/bench-eval-browser.ts: evaluation in
// Chromium against onnxruntime-node) and any `--rows <file.json>` of the form { rows: [{ area, measure, after, ... }] }.
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

export type Row = string[]; // area, measure, after, before, detail, goal

interface EvalRow {
  model: string;
  form: string;
  mode: string;
  threads: number;
  nodeSamplesPerS: number;
  browserSamplesPerS: number;
  ratio: number;
}
interface GenericRow {
  area: string;
  measure: string;
  after: string | number;
  before?: string | number;
  detail?: string;
  goal?: string;
}

const f2 = (x: number) => x.toFixed(2);

const ROOT = resolve(import.meta.dirname, '../..');

/** The line under the table that names the files its extra rows came from. */
export const EXTRA_PREFIX = 'Extra rows from ';

/** How the "Extra rows from" line names one file: its path in the repository, the commit and machine measured on. */
export const sourceText = (path: string, data: { commit?: string; machine?: string }): string =>
  `${relative(ROOT, path) || path}${data.commit ? ` (commit ${data.commit}${data.machine ? `, ${data.machine}` : ''})` : ''}`;

/** Table rows from the files that exist (a missing file adds nothing; a malformed one says so in a row). */
export function extraRows(paths: string[]): { rows: Row[]; sources: string[] } {
  const rows: Row[] = [];
  const sources: string[] = [];
  for (const path of paths.filter((p) => existsSync(p))) {
    let data: { rows?: unknown[]; commit?: string; machine?: string };
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      rows.push(['(extra)', path, '–', '–', `not read: ${(e as Error).message}`, '']);
      continue;
    }
    sources.push(sourceText(path, data));
    for (const r of data.rows ?? []) {
      if (r && typeof r === 'object' && 'ratio' in r && 'model' in r) {
        const e = r as EvalRow;
        rows.push([
          'browser-vs-node',
          `evaluate ${e.model} ${e.form}${e.mode === 'float' ? '' : ` (${e.mode})`}, ${e.threads} thread(s): node / browser samples/s`,
          f2(e.ratio),
          '–',
          `browser ${e.browserSamplesPerS.toFixed(0)}/s, node ${e.nodeSamplesPerS.toFixed(0)}/s`,
          '≤ 2',
        ]);
      } else if (r && typeof r === 'object' && 'area' in r && 'measure' in r) {
        const g = r as GenericRow;
        rows.push([
          g.area,
          g.measure,
          String(g.after),
          String(g.before ?? '–'),
          g.detail ?? '',
          g.goal ?? '',
        ]);
      }
    }
  }
  return { rows, sources };
}

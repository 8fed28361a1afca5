// docs/performance.md between full `npm run bench` runs: a browser bench's rows replace its old ones (found by their
// area) at the end of the first table, with a note saying which script, commit and machine measured them.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXTRA_PREFIX, sourceText } from './extra-rows';

const ROOT = resolve(import.meta.dirname, '../..');

export type RowObject = {
  area: string;
  measure: string;
  after: string;
  before: string;
  detail: string;
  goal: string;
};

/** Replaces the rows of `area` and the note starting with `notePrefix`; prettier then formats it and `also`. */
export function patchPerformance(
  rows: RowObject[],
  note: string,
  { area, notePrefix, also = [] }: { area: string; notePrefix: string; also?: string[] },
): void {
  const PERF = join(ROOT, 'docs/performance.md');
  const lines = readFileSync(PERF, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith(`| ${area} `) && !l.startsWith(notePrefix));
  const head = lines.findIndex((l) => l.startsWith('| area'));
  let end = head;
  while (lines[end + 1]?.startsWith('| ')) end++;
  const cells = (r: RowObject) =>
    `| ${[r.area, r.measure, r.after, r.before, r.detail, r.goal].join(' | ')} |`;
  lines.splice(end + 1, 0, ...rows.map(cells), '', note);
  // The "Extra rows from" line names each JSON's commit and machine: the one just written is named anew.
  for (const json of also.filter((p) => p.endsWith('.json'))) {
    const at = lines.findIndex((l) => l.startsWith(EXTRA_PREFIX));
    const name = sourceText(json, {}).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (at >= 0)
      lines[at] = lines[at].replace(
        new RegExp(`${name} \\([^)]*\\)`),
        sourceText(json, JSON.parse(readFileSync(json, 'utf8'))),
      );
  }
  writeFileSync(PERF, lines.join('\n').replace(/\n{3,}/g, '\n\n'));
  execFileSync('npx', ['prettier', '--write', PERF, ...also], { cwd: ROOT, stdio: 'ignore' });
}

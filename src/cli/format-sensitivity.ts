// Text output of `qstudio sensitivity`: the ranked table and how well the weight-SQNR proxy agrees with it.
import type { SensitivityReport } from '../protocol/eval-dto';
import { decibelText, scientificText } from '../core/format';
import { table } from './format';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const pt = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pt`);

const specText = (r: SensitivityReport) => {
  const s = r.spec;
  const g = s.granularity === 'block' ? `block ${s.blockSize}` : s.granularity;
  return `${s.bits === 'fp16' ? 'fp16' : `int${s.bits}`} ${s.scheme} per-${g}${s.clip && s.clip !== 'minmax' ? `, clip ${s.clip}` : ''}`;
};

export function formatSensitivity(r: SensitivityReport, modelLabel: string): string {
  const lines: string[] = [];
  lines.push(
    r.synthetic
      ? `SYNTHETIC PROBE — ${r.sampleCount} made-up inputs from the model's input shapes, not your data.`
      : `${modelLabel} on ${r.sourceName}: ${r.sampleCount} sample(s)${r.labeled && r.floatTop1 !== null ? `, float top-1 ${pct(r.floatTop1)}` : ''}`,
  );
  lines.push(
    `Each layer quantized alone to ${specText(r)} (every other layer float), compared with the float model; ` +
      (r.metric === 'kl'
        ? 'ranked by output KL divergence (softmax of the class scores).'
        : 'no class-score output: ranked by the worst output SQNR.'),
  );
  const header = [
    '#',
    'layer',
    'op',
    'KL (nats)',
    'top-1 agrees',
    'output SQNR dB',
    'weight SQNR dB',
    'proxy #',
  ];
  const rows = r.layers.map((l) => [
    String(l.rank),
    l.name,
    l.op,
    scientificText(l.kl),
    pct(l.top1Agreement),
    decibelText(l.outputSqnrDb),
    decibelText(l.weightSqnrDb),
    String(l.proxyRank),
  ]);
  const numeric = [true, false, false, true, true, true, true, true];
  if (r.labeled) {
    header.splice(5, 0, 'Δ top-1');
    rows.forEach((row, i) => row.splice(5, 0, pt(r.layers[i].top1Delta)));
    numeric.splice(5, 0, true);
  }
  lines.push('', table(header, rows, numeric), '');
  const rho =
    r.spearman === null ? 'undefined (fewer than 2 layers, or one side constant)' : r.spearman.toFixed(2);
  lines.push(
    `Rank agreement of the weight-SQNR proxy (lower SQNR = more sensitive) with the measured ${r.metric === 'kl' ? 'KL' : 'output SQNR'}: Spearman ρ = ${rho} (+1: same order).`,
  );
  for (const s of r.skipped) lines.push(`not measured: ${s.name} (${s.reason})`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  lines.push(`${r.layers.length} layers in ${(r.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

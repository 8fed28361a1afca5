// Text output of `qstudio evaluate`: accuracy (when labelled), then every output's fidelity per variant and mode.
import type { EvalMode, EvalReport, OutputFidelity } from '../protocol/eval-dto';
import { decibelText, scientificText } from '../core/format';
import { table } from './format';

const pct = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`;
const pt = (x: number | null) => (x === null ? '' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pt`);

export function formatEvaluation(r: EvalReport, modes: EvalMode[]): string {
  const lines: string[] = [];
  lines.push(
    r.synthetic
      ? `SYNTHETIC PROBE — ${r.sampleCount} made-up inputs from the model's input shapes, not your data: output fidelity to the float model only.`
      : `${r.float.label} on ${r.sourceName}: ${r.sampleCount} sample(s)${r.labeled ? `, ${r.numClasses} classes` : ', no labels (fidelity only)'}`,
  );
  if (r.labeled && r.float.accuracy) {
    const rows = [['float', '', pct(r.float.accuracy.top1Accuracy), '', '']];
    for (const v of r.variants) {
      for (const mode of modes) {
        const m = v[mode];
        if (!m) continue;
        rows.push([
          v.label,
          mode,
          pct(m.accuracy?.top1Accuracy),
          pt(m.top1Delta),
          pct(m.fidelity?.top1Agreement),
        ]);
      }
    }
    lines.push(
      '',
      table(['model', 'mode', 'top-1', 'Δ float', 'agrees'], rows, [false, false, true, true, true]),
    );
  }
  if (r.variants.length > 0) {
    const rows: string[][] = [];
    for (const v of r.variants) {
      for (const mode of modes) {
        const m = v[mode];
        if (!m) continue;
        m.outputs.forEach((o: OutputFidelity) =>
          rows.push([
            v.label,
            mode,
            o.name,
            o.role,
            decibelText(o.sqnrDb),
            o.cosine.toFixed(4),
            scientificText(o.maxAbsDiff),
            o.iou === null ? '' : o.iou.toFixed(3),
            o.nonFinite ? String(o.nonFinite) : '',
          ]),
        );
      }
    }
    const iou = `IoU@${r.iouThreshold}`;
    lines.push(
      '',
      `Output fidelity vs the float model${r.synthetic ? ' (synthetic probe)' : ''}, over ${r.outputSamples} sample(s):`,
      table(['variant', 'mode', 'output', 'kind', 'SQNR dB', 'cosine', 'max |Δ|', iou, 'NaN/Inf'], rows, [
        false,
        false,
        false,
        false,
        true,
        true,
        true,
        true,
        true,
      ]),
    );
  } else {
    lines.push('', 'No variants given (--variant q.onnx): only the float model ran.');
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

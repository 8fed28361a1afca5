// The results table's rows: the float model, then each variant once per mode (once when both modes agree).
import type {
  ClassificationResult,
  EvalMode,
  EvalReport,
  FidelityResult,
  TimingDto,
} from '../../../../protocol/eval-dto';

export interface ResultRow {
  key: string;
  testId: string;
  /** null for the float model. */
  variantId: string | null;
  label: string;
  mode: EvalMode | null;
  /** 'exact weight-only', 'as deployed', 'same in both modes' or null (one mode ran). */
  modeBadge: string | null;
  sizeBytes: number;
  accuracy: ClassificationResult | null;
  delta: number | null;
  fidelity: FidelityResult | null;
  flips: number | null;
  flipsBroken: number | null;
  flipsFixed: number | null;
  timing: TimingDto;
  /** First row of a variant shown in two modes: the name cell spans both. */
  span: number;
}

const BADGES: Record<EvalMode, string> = { exact: 'exact weight-only', deployed: 'as deployed' };

export function resultRows(report: EvalReport): ResultRow[] {
  const rows: ResultRow[] = [
    {
      key: 'float',
      testId: 'eval-row-float',
      variantId: null,
      label: report.float.label,
      mode: null,
      modeBadge: null,
      sizeBytes: report.float.sizeBytes,
      accuracy: report.float.accuracy,
      delta: null,
      fidelity: null,
      flips: null,
      flipsBroken: null,
      flipsFixed: null,
      timing: report.float.timing,
      span: 1,
    },
  ];
  const both = report.modes.length > 1;
  for (const v of report.variants) {
    const shown = (['exact', 'deployed'] as const).flatMap((mode) => {
      const m = v[mode];
      return m ? [m] : [];
    });
    const list = both && v.modesDiffer === false ? shown.slice(0, 1) : shown;
    list.forEach((m, i) => {
      rows.push({
        key: `${v.id}|${m.mode}`,
        testId: i === 0 ? `eval-row-${v.id}` : `eval-row-${v.id}-${m.mode}`,
        variantId: v.id,
        label: v.label,
        mode: m.mode,
        modeBadge: !both ? null : v.modesDiffer === false ? 'same in both modes' : BADGES[m.mode],
        sizeBytes: v.sizeBytes,
        accuracy: m.accuracy,
        delta: m.top1Delta,
        fidelity: m.fidelity,
        flips: m.flips,
        flipsBroken: m.flipsBroken,
        flipsFixed: m.flipsFixed,
        timing: m.timing,
        span: i === 0 ? list.length : 0,
      });
    });
  }
  return rows;
}

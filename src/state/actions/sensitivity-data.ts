// Which data and settings a sensitivity report was measured on, and what the budget solver can use of the reports:
// the data a run would read now (`sensitivitySource`), the settings key, and the complete set of widths.
import { MIXED_WIDTHS } from '../../core/mixed/candidates';
import type { IntBits, QuantConfig } from '../../core/quant/config';
import { rangeSize } from '../../core/samples/split';
import { selectSamples } from '../eval-selectors';
import { selectSampleSplit } from '../sample-split';
import { selectLoaded } from '../selectors';
import type { SensitivityResult } from '../sensitivity-slice';
import type { AppState } from '../slices';
import { getState } from '../store';

/** Inputs of the synthetic probe (core/eval/probe.ts). */
const PROBE_SAMPLES = 8;

/** The data a measurement reads: the sample set's name (or the probe) and how many of its first samples. */
export interface SensitivitySource {
  kind: 'samples' | 'synthetic';
  name: string;
  /** Samples each model runs on: the calibration count (capped by the set), or the probe's inputs. */
  samples: number;
}

/**
 * The data a run would use now: the first N samples of the ready sample set (its calibration part, N the user's
 * calibration count), else the synthetic probe. Reports are summed for the budget only when all three are equal.
 */
export function sensitivitySource(s = getState()): SensitivitySource {
  const samples = s.samples.status === 'ready' ? selectSamples(s) : null;
  const split = selectSampleSplit(s);
  if (!samples) return { kind: 'synthetic', name: 'synthetic probe', samples: PROBE_SAMPLES };
  return {
    kind: 'samples',
    name: samples.name,
    samples: split ? rangeSize(split.calibration) : s.calibrationCount,
  };
}

/** "the first 128 samples of digits.npz" / "the synthetic probe (8 made-up inputs)": what a measurement reads. */
export function sourceText(src: SensitivitySource): string {
  return src.kind === 'samples'
    ? `the first ${src.samples} samples of ${src.name}`
    : `the synthetic probe (${src.samples} made-up inputs)`;
}

const sameSource = (r: SensitivityResult, src: SensitivitySource) =>
  r.source === src.kind && r.samplesName === src.name && r.samples === src.samples;

/**
 * The settings a measurement depends on, bits aside — global ones, equalization, and each layer's own range
 * settings (its width and skip do not change what is measured): reports with equal keys can be compared and summed.
 */
export const sensitivityKey = (c: QuantConfig): string =>
  [
    c.scheme,
    c.granularity,
    c.granularity === 'block' ? c.blockSize : '',
    c.clip,
    c.clip === 'percentile' ? c.clipPercentile : '',
    c.includeGather ? 'gather' : '',
    c.equalize ? 'equalize' : '',
    JSON.stringify(
      Object.entries(c.layers)
        .map(([name, { skip: _skip, bits: _bits, method: _method, ...own }]) => [name, own] as const)
        .filter(([, own]) => Object.keys(own).length > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  ].join('|');

/** Measured sensitivity at every width the budget solver picks from, on one data source, for the current settings. */
export interface BudgetSensitivity {
  /** One per MIXED_WIDTHS entry, in that order. */
  reports: SensitivityResult[];
  samples: number;
  sourceName: string;
  synthetic: boolean;
}

/** The open model's reports for the current settings, grouped by data source (most recent source first). */
export function reportsBySource(s: AppState): SensitivityResult[][] {
  const loaded = selectLoaded(s);
  if (!loaded) return [];
  const key = sensitivityKey(s.config);
  const mine = s.sensitivityReports.filter((r) => r.modelId === loaded.id && r.key === key);
  const groups = new Map<string, SensitivityResult[]>();
  for (const r of [...mine].reverse()) {
    const k = `${r.source}|${r.samplesName}|${r.samples}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()];
}

export const atWidth = (rs: readonly SensitivityResult[], b: IntBits) =>
  rs.find((r) => r.report.spec.bits === b);

/**
 * Reports at every width the solver may pick, for the open model and the current settings, from one data source
 * (the most recent complete one); null when any width is missing: then "Quantize to budget" uses the proxy, as a
 * measured loss at some widths and the proxy (another scale) at others would not be comparable.
 */
export function selectBudgetSensitivity(s = getState()): BudgetSensitivity | null {
  for (const group of reportsBySource(s)) {
    const reports = MIXED_WIDTHS.map((b) => atWidth(group, b));
    if (reports.every((r) => r !== undefined)) {
      const first = reports[0].report;
      return {
        reports,
        samples: reports[0].samples, // as requested: part of the data key (the report's sampleCount is what ran)
        sourceName: first.synthetic ? 'synthetic probe' : reports[0].samplesName,
        synthetic: first.synthetic,
      };
    }
  }
  return null;
}

/** Widths still to measure for the budget on the data a run would use now (all of MIXED_WIDTHS when none is). */
export function budgetWidthsToMeasure(s = getState()): IntBits[] {
  const source = sensitivitySource(s);
  const group = reportsBySource(s).find((g) => sameSource(g[0], source));
  return MIXED_WIDTHS.filter((b) => !group || !atWidth(group, b));
}

/** The width a budget measurement leaves shown in the panel: the panel's own when the solver picks from it. */
export const budgetShow = (s: AppState): IntBits =>
  MIXED_WIDTHS.includes(s.sensitivityBits) ? s.sensitivityBits : 4;

/** A sample set is loaded and the budget's measurement on it is incomplete: "Quantize to budget" measures first. */
export const budgetMeasuresFirst = (s = getState()): boolean =>
  sensitivitySource(s).kind === 'samples' && budgetWidthsToMeasure(s).length > 0;

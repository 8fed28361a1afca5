// A session's results as files a person keeps or shares: one JSON report (each variant's run summary as
// `qstudio quantize --json` writes it, the last evaluation as `qstudio evaluate --json`, measured sensitivity) and a
// CSV of every layer of every variant for a spreadsheet. Nothing here reads the page: the state layer gathers it.
import type { EvalReport, VariantResult } from '../eval/results';
import type { RunSummary } from '../pipeline/types';
import type { SensitivityReport } from '../sensitivity/types';
import { byteAccount, type ByteAccount } from './byte-account';
import { jsonNumbers } from './json';
import { STUDIO_VERSION } from '../version';

export const REPORT_FORMAT = 'qstudio-report';
export const REPORT_VERSION = 1;

export interface ReportVariant {
  id: string;
  /** The name the studio shows ("4-bit · sym · per-channel"). */
  name: string;
  /** The exported file's name. */
  fileName: string;
  summary: RunSummary;
  /** Where the file's bytes went (the Variants panel's "Where the bytes go"). */
  bytes: ByteAccount;
  /** This variant's part of `evaluation` (same shape as there), or null with `notEvaluated` saying why. */
  evaluation: VariantResult | null;
  notEvaluated?: string;
}

export interface StudioReport {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  /** ISO time the report was made, and by which version of the studio. */
  created: string;
  tool: { name: 'quantization-studio'; version: string };
  model: { fileName: string; fileBytes: number; parameters: number; weights: number };
  variants: ReportVariant[];
  /** The last evaluation, without its per-variant part (that is under each variant), or null. */
  evaluation: (Omit<EvalReport, 'variants'> & { samplesName: string; samplesLabel: string }) | null;
  /** Measured sensitivity, one entry per width and settings measured (each as `qstudio sensitivity --json`). */
  sensitivity: {
    source: 'samples' | 'synthetic';
    samplesName: string;
    samples: number;
    report: SensitivityReport;
  }[];
}

export interface ReportInput {
  created: Date;
  model: StudioReport['model'];
  variants: { id: string; name: string; fileName: string; summary: RunSummary; runId: string }[];
  evaluation: {
    report: EvalReport;
    samplesName: string;
    samplesLabel: string;
    /** Variant id → the run that was evaluated: a variant re-quantized since has no evaluation here. */
    runIds: Record<string, string>;
  } | null;
  sensitivity: StudioReport['sensitivity'];
}

export function studioReport(input: ReportInput): StudioReport {
  const ev = input.evaluation;
  const variants = input.variants.map((v): ReportVariant => {
    const base = {
      id: v.id,
      name: v.name,
      fileName: v.fileName,
      summary: v.summary,
      bytes: byteAccount(v.summary),
    };
    if (!ev) return { ...base, evaluation: null, notEvaluated: 'no evaluation was run' };
    if (!(v.id in ev.runIds))
      return { ...base, evaluation: null, notEvaluated: 'made after the last evaluation' };
    if (ev.runIds[v.id] !== v.runId)
      return { ...base, evaluation: null, notEvaluated: 're-quantized after the last evaluation' };
    const found = ev.report.variants.find((x) => x.id === v.id) ?? null;
    return found
      ? { ...base, evaluation: found }
      : { ...base, evaluation: null, notEvaluated: 'not in the evaluation' };
  });
  const evaluation = ev
    ? (({ variants: _, ...rest }) => ({
        ...rest,
        samplesName: ev.samplesName,
        samplesLabel: ev.samplesLabel,
      }))(ev.report)
    : null;
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    created: input.created.toISOString(),
    tool: { name: 'quantization-studio', version: STUDIO_VERSION },
    model: input.model,
    variants,
    evaluation,
    sensitivity: input.sensitivity,
  };
}

export const reportJson = (r: StudioReport): string => JSON.stringify(r, jsonNumbers, 2) + '\n';

/** The per-layer CSV's columns, in order. */
export const LAYER_COLUMNS = [
  'variant',
  'layer',
  'op',
  'shape',
  'elements',
  'bits',
  'scheme',
  'granularity',
  'block_size',
  'stored_as',
  'encoding',
  'bytes_before',
  'bytes_after',
  'bytes_levels',
  'bytes_scales',
  'bytes_zero_points',
  'weight_sqnr_db',
  'weight_mse',
  'weight_max_abs_error',
  'mean_abs_weight',
  'rounding',
  'note',
] as const;

/** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled. */
const cell = (v: string | number | null | undefined): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? numberText(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
// Full precision (a spreadsheet rounds for display); ±∞ as words a spreadsheet reads as text, not as a number.
const numberText = (v: number): string =>
  Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';

/**
 * One row per layer of each variant: the quantized ones with their metrics (weight error, not accuracy), then the
 * ones the run left float with the reason in `note`. CRLF line ends, as RFC 4180 (and spreadsheets) expect.
 */
export function layersCsv(r: StudioReport): string {
  const rows: (string | number | null)[][] = [];
  for (const v of r.variants) {
    for (const l of v.summary.layers) {
      const rounding = l.rounding
        ? `${l.rounding.used}${l.rounding.used !== l.rounding.requested ? ` (asked ${l.rounding.requested})` : ''}`
        : 'rtn';
      rows.push([
        v.name,
        l.name,
        l.op,
        l.shape.join('x'),
        l.elements,
        l.bits,
        l.scheme,
        l.granularity,
        l.blockSize,
        l.container,
        l.encoding,
        l.bytesBefore,
        l.bytesAfter,
        l.stored.levels,
        l.stored.scales,
        l.stored.zeroPoints,
        l.sqnrDb,
        l.mse,
        l.maxAbsError,
        l.meanAbs,
        rounding,
        l.fallback ?? null,
      ]);
    }
    for (const s of v.summary.skipped) {
      const row: (string | number | null)[] = LAYER_COLUMNS.map(() => null);
      const set = (c: (typeof LAYER_COLUMNS)[number], x: string | number) =>
        (row[LAYER_COLUMNS.indexOf(c)] = x);
      set('variant', v.name);
      set('layer', s.name);
      set('bits', 'float');
      set('bytes_before', s.bytes);
      set('bytes_after', s.bytes);
      set('note', s.reason);
      rows.push(row);
    }
  }
  return [[...LAYER_COLUMNS], ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

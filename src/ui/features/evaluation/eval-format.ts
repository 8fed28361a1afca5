// Number formats of the evaluation views (fractions in, text out).
import type { RuntimeInfo } from '../../../protocol/eval-dto';
import { formatSci } from '../../format';

/** Where the models ran: "onnxruntime-web wasm, 1 thread" (+ why that many, when `why` and the report says). */
export function runtimeLabel(runtime: RuntimeInfo | null, why = false): string {
  if (!runtime) return 'this browser';
  const { backend, threads, threadsWhy } = runtime;
  const label = `onnxruntime-web ${backend}, ${threads} thread${threads === 1 ? '' : 's'}`;
  return why && threadsWhy ? `${label} (${threadsWhy})` : label;
}

/** 0.987 -> "98.7%". */
export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

/** Accuracy delta in percentage points: -0.001 -> "−0.1 pt", 0 -> "±0". */
export function deltaPt(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–';
  const v = d * 100;
  if (Math.abs(v) < 0.05) return '±0';
  return `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(1)} pt`;
}

export const deltaClass = (d: number | null | undefined): string =>
  d === null || d === undefined || Math.abs(d) < 0.0005 ? 'delta-zero' : d < 0 ? 'delta-down' : 'delta-up';

/** Mean KL can come out at about −1e-33 from rounding: shown as 0. */
export const formatKl = (kl: number): string => formatSci(Math.max(0, kl));

/** Milliseconds as a bare number (the column header states the unit), 3 significant digits: 0.0512, 1.62, 113. */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3);
}

/** A class index with its name when the set names classes and the name is not just the index. */
export function className(index: number, classes: string[] | null): string {
  const name = classes?.[index];
  return name !== undefined && name !== String(index) ? name : String(index);
}

/** A probability: saturated softmax (logits in the thousands) reads ">99.9%" rather than a misleading "100.0%". */
export function prob(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p > 0.9995 && p < 1) return '>99.9%';
  if (p < 0.0005 && p > 0) return '<0.1%';
  return `${(p * 100).toFixed(1)}%`;
}

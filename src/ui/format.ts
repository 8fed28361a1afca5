const nf = new Intl.NumberFormat('en-US');

export const formatCount = (n: number): string => nf.format(n);

export { decibelText, formatBytes, scientificText } from '../core/format';

/** Exact byte count with separators, for places where it must match the file. */
export const formatExactBytes = (bytes: number): string => `${nf.format(bytes)} bytes`;

export const formatShape = (shape: readonly (number | string | null)[]): string =>
  shape.length === 0 ? 'scalar' : `[${shape.map((d) => (d === null ? '?' : d)).join(' × ')}]`;

export const formatDb = (db: number): string =>
  !Number.isFinite(db) ? (db > 0 ? '∞ dB' : '–') : `${db.toFixed(1)} dB`;

export const formatPercent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

export function formatSci(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 0.01 && a < 1000 ? x.toPrecision(3) : x.toExponential(2);
}

export const formatRatio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

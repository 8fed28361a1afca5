// Number formats shared by the CLI and the UI, so the same file size reads the same in both.

/**
 * Sizes in IEC binary units (base 1024, so KiB, not KB): 1536 -> "1.50 KiB", 4_718_592 -> "4.50 MiB".
 * About three significant digits; bytes below 1 KiB exactly.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (Math.abs(bytes) < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const a = Math.abs(v);
  return `${a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

/**
 * Decibels with one decimal. Every non-finite value is spelled out: NaN → "NaN" (a NaN is a finding, not a blank),
 * +∞ → "∞" (lossless), −∞ → "−∞".
 */
export const decibelText = (x: number): string =>
  Number.isNaN(x) ? 'NaN' : x === Infinity ? '∞' : x === -Infinity ? '−∞' : x.toFixed(1);

/** Three significant digits in scientific notation; 0 → "0", non-finite as JS spells it, null (not measured) → "–". */
export const scientificText = (x: number | null): string =>
  x === null ? '–' : x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : String(x);

import { StudioError } from '../core/errors';
import type { Assignment } from '../core/mixed/plan';
import type { UserBudget } from '../core/mixed/run';

/** parseArgs options for range choice, equalization and budgets (kept out of main.ts). */
export const rangeOptions = {
  clip: { type: 'string' },
  'clip-percentile': { type: 'string' },
  equalize: { type: 'boolean' },
  'target-bits': { type: 'string' },
  'target-size': { type: 'string' },
  'no-refine': { type: 'boolean' },
} as const;

export const RANGE_USAGE = `[--clip minmax|mse|percentile] [--clip-percentile 99.9] [--equalize]
                   [--target-bits 4.5 | --target-size 1.2MB] (with --calibration: loss per layer measured
                   on the samples at every width, then a few whole assignments evaluated on them and the
                   best kept — --no-refine skips that; else the weight-error proxy)`;

type Values = Record<string, string | boolean | string[] | undefined>;

/** Config fields set by these flags. */
export function rangeFlags(values: Values): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  if (values.clip !== undefined) flags.clip = values.clip;
  if (values['clip-percentile'] !== undefined) flags.clipPercentile = values['clip-percentile'];
  if (values.equalize) flags.equalize = true;
  return flags;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** "1.2MB" → 1200000 (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024; no unit means bytes). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new StudioError(
      'QuantConfigError',
      `--target-size: expected a size like 1.2MB or 800KiB, got "${text}"`,
    );
  }
  return Math.floor(Number(m[1]) * unit);
}

/** The budget the flags ask for, or null. */
export function budgetOf(values: Values): UserBudget | null {
  const bits = values['target-bits'];
  const size = values['target-size'];
  if (bits !== undefined && size !== undefined) {
    throw new StudioError('QuantConfigError', 'give --target-bits or --target-size, not both');
  }
  if (typeof bits === 'string') {
    const n = Number(bits);
    if (!(n > 0 && n <= 32)) {
      throw new StudioError('QuantConfigError', `--target-bits must be a number in (0, 32], got "${bits}"`);
    }
    return { targetBits: n };
  }
  return typeof size === 'string' ? { fileBytes: parseSize(size) } : null;
}

/** One line on what the budget solver chose, for the run's notes. */
export function budgetNote(a: Assignment): string {
  const counts = new Map<string, number>();
  for (const c of Object.values(a.chosen)) counts.set(String(c), (counts.get(String(c)) ?? 0) + 1);
  const mix = [...counts].map(([c, n]) => `${n}× ${c === 'float' ? 'float' : `${c}-bit`}`).join(', ');
  const on = a.config.mixed?.measuredOn;
  const proxy =
    a.config.mixed?.proxy === 'measured'
      ? `measured sensitivity${on ? ` (each layer alone at every width, ${on.samples} samples of ${on.source})` : ''}`
      : 'weight-error proxy (no data)';
  const budget = a.budgetUnit === 'bits' ? `${(a.budget / 8).toFixed(0)} B of levels` : `${a.budget} B`;
  const floor =
    a.floor === null ? '' : `, no layer below ${a.floor} bits (the widest uniform width the budget affords)`;
  return `mixed precision: ${mix}; ${a.averageBits.toFixed(2)} bits per weight, ${a.storedBytes} bytes stored (budget ${budget}), loss by ${proxy}${floor}${refineNote(a)}`;
}

/** What the end-to-end refinement evaluated and kept (calibration output SQNR of the winner vs the uniform start). */
function refineNote(a: Assignment): string {
  const r = a.refinement;
  if (a.refineSkipped) return `; not refined end to end: ${a.refineSkipped}`;
  if (!r) return '';
  const win = r.evaluated[r.winner];
  const first = r.evaluated[0];
  const db = (nsr: number) => `${(-10 * Math.log10(nsr)).toFixed(1)} dB`;
  const vs = r.winner === 0 ? '' : `; ${first.label}: ${db(first.loss)}`;
  return `; refined on the calibration samples: ${r.evaluated.length} configurations evaluated whole, kept "${win.label}" (calibration output SQNR ${db(win.loss)}${vs})`;
}

import { StudioError } from '../errors';

/** One way to store one layer: its exact stored size and its predicted loss. */
export interface Option {
  bytes: number;
  loss: number;
}

export interface Solution {
  /** Index into each layer's options. */
  picks: number[];
  bytes: number;
  loss: number;
  /** Bytes per budget unit of the dynamic program (1: the answer is the exact optimum). */
  unit: number;
}

/** Work cap of the dynamic program (layers × budget units × options). */
const MAX_CELLS = 4e7;

/**
 * Multiple-choice knapsack: pick one option per layer so the total bytes stay within `budget` and the summed
 * predicted loss is smallest. Dynamic programming over the budget in units of `unit` bytes, each option's size
 * rounded *up* to whole units (so any answer fits the real budget); `unit` is 1 — the exact optimum — whenever the
 * table fits MAX_CELLS. Rounding can leave real bytes unused, so a greedy pass then takes the single-layer change
 * that lowers the loss most and still fits, until none does. Ties prefer fewer bytes.
 */
export function solveBudget(layers: readonly Option[][], budget: number): Solution {
  if (!Number.isFinite(budget) || budget < 0) {
    throw new StudioError('QuantConfigError', `budget must be a non-negative number of bytes, got ${budget}`);
  }
  layers.forEach((opts, i) => {
    if (!opts.length) throw new StudioError('QuantConfigError', `layer ${i} has no option`);
  });
  const least = layers.reduce((s, opts) => s + Math.min(...opts.map((o) => o.bytes)), 0);
  if (least > budget) {
    throw new StudioError(
      'QuantConfigError',
      `the budget of ${budget} bytes is below the smallest possible size, ${least} bytes (every layer at its narrowest)`,
    );
  }
  const width = layers.reduce((m, o) => Math.max(m, o.length), 1);
  const cap = Math.max(1, Math.floor(MAX_CELLS / Math.max(1, layers.length * width)));
  const unit = Math.max(1, Math.ceil(budget / cap));
  const units = Math.floor(budget / unit);
  const cost = layers.map((opts) => opts.map((o) => Math.ceil(o.bytes / unit)));

  // best[b]: least loss of the layers so far within b units; choice[i][b]: the option layer i took there.
  let best = new Float64Array(units + 1);
  const choice = layers.map(() => new Int16Array(units + 1).fill(-1));
  for (let i = 0; i < layers.length; i++) {
    const next = new Float64Array(units + 1).fill(Infinity);
    const opts = layers[i];
    for (let b = 0; b <= units; b++) {
      for (let k = 0; k < opts.length; k++) {
        const c = cost[i][k];
        if (c > b) continue;
        const v = best[b - c] + opts[k].loss;
        const cur = choice[i][b];
        if (v < next[b] || (v === next[b] && cur >= 0 && c < cost[i][cur])) {
          next[b] = v;
          choice[i][b] = k;
        }
      }
    }
    best = next;
  }
  const picks = new Array<number>(layers.length);
  let b = units;
  for (let i = layers.length - 1; i >= 0; i--) {
    const k = choice[i][b];
    if (k < 0) {
      // Only reachable when rounding sizes up to units made the narrowest choice not fit: take it anyway.
      picks[i] = argmin(layers[i].map((o) => o.bytes));
      b = Math.max(0, b - cost[i][picks[i]]);
    } else {
      picks[i] = k;
      b -= cost[i][k];
    }
  }
  fill(layers, picks, budget);
  return { picks, unit, ...totals(layers, picks) };
}

function argmin(xs: number[]): number {
  let at = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[at]) at = i;
  return at;
}

function totals(layers: readonly Option[][], picks: number[]) {
  let bytes = 0;
  let loss = 0;
  picks.forEach((k, i) => {
    bytes += layers[i][k].bytes;
    loss += layers[i][k].loss;
  });
  return { bytes, loss };
}

/** Greedy use of the bytes the rounded-up program left: best single-layer improvement that fits, repeatedly. */
function fill(layers: readonly Option[][], picks: number[], budget: number): void {
  for (;;) {
    const spare = budget - totals(layers, picks).bytes;
    let bestGain = 0;
    let at = -1;
    let to = -1;
    for (let i = 0; i < layers.length; i++) {
      const now = layers[i][picks[i]];
      for (let k = 0; k < layers[i].length; k++) {
        const o = layers[i][k];
        const gain = now.loss - o.loss;
        if (o.bytes - now.bytes <= spare && gain > bestGain) {
          bestGain = gain;
          at = i;
          to = k;
        }
      }
    }
    if (at < 0) return;
    picks[at] = to;
  }
}

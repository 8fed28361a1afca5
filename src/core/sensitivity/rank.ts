// Rank statistics for comparing two orderings of layers (measured sensitivity vs a proxy, or vs ground truth).

/**
 * 1-based ranks of `xs` in ascending order; tied values share the mean of their ranks (so Spearman's ρ stays exact
 * with ties). ±Infinity sort like any number; NaN is not allowed (filter it first).
 */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b] || a - b);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation ρ: Pearson's correlation of the average ranks. Pairs where either value is NaN are
 * left out. null when fewer than 2 pairs remain or one side is constant (ρ is undefined then, not 0).
 */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} values vs ${b.length}`);
  const keep = a.map((_, i) => i).filter((i) => !Number.isNaN(a[i]) && !Number.isNaN(b[i]));
  if (keep.length < 2) return null;
  const ra = averageRanks(keep.map((i) => a[i]));
  const rb = averageRanks(keep.map((i) => b[i]));
  const mean = (keep.length + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < keep.length; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return sab / Math.sqrt(saa * sbb);
}

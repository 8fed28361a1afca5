/** A configuration as a point: its size (smaller is better) and its quality (larger is better). */
export interface ParetoPoint {
  size: number;
  quality: number;
}

/**
 * Indices of the non-dominated points, by increasing size: a point is dominated when another is no larger and no
 * worse, and strictly better in one of the two. Points that tie exactly are both kept (the first index first);
 * points with a non-finite size or quality are left out. The front rises in quality as size grows.
 */
export function paretoFront(points: readonly ParetoPoint[]): number[] {
  const order = points
    .map((p, i) => i)
    .filter((i) => Number.isFinite(points[i].size) && Number.isFinite(points[i].quality))
    // Smallest first; at equal size the best first, so the sweep keeps it and drops the worse ones.
    .sort((a, b) => points[a].size - points[b].size || points[b].quality - points[a].quality || a - b);
  const front: number[] = [];
  let best = -Infinity;
  let last: ParetoPoint | null = null;
  for (const i of order) {
    const p = points[i];
    const tie = last !== null && p.size === last.size && p.quality === last.quality;
    if (p.quality > best || tie) {
      front.push(i);
      best = p.quality;
      last = p;
    }
  }
  return front;
}

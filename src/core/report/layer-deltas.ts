// Side by side, layer by layer: where variant B loses (or gains) weight SQNR against variant A, largest loss first.
// A layer one of them left float counts as exact there (+∞ dB), with its reason.
import type { Bits } from '../quant/config';
import type { RunSummary } from '../pipeline/types';

export interface LayerSide {
  /** Weight SQNR in dB (+∞: exact, or left float). */
  sqnrDb: number;
  bits: Bits | 'float';
  /** Bytes as stored (levels + scales + zero points, or the float bytes). */
  bytes: number;
  /** Why the run left it float. */
  reason?: string;
}

export interface LayerDelta {
  name: string;
  a: LayerSide;
  b: LayerSide;
  /** B − A in dB: negative where B is worse. ∞ − ∞ (both exact) is 0. */
  deltaDb: number;
}

function sides(s: RunSummary): Map<string, LayerSide> {
  const out = new Map<string, LayerSide>();
  for (const l of s.layers) out.set(l.name, { sqnrDb: l.sqnrDb, bits: l.bits, bytes: l.bytesAfter });
  for (const k of s.skipped)
    out.set(k.name, { sqnrDb: Infinity, bits: 'float', bytes: k.bytes, reason: k.reason });
  return out;
}

/** Every layer both runs list (quantized or left float), sorted by B − A: largest loss first. */
export function layerDeltas(a: RunSummary, b: RunSummary): LayerDelta[] {
  const sa = sides(a);
  const sb = sides(b);
  const names = [...sa.keys()].filter((n) => sb.has(n));
  const rows = names.map((name): LayerDelta => {
    const x = sa.get(name)!;
    const y = sb.get(name)!;
    const d = y.sqnrDb - x.sqnrDb;
    return { name, a: x, b: y, deltaDb: Number.isNaN(d) && x.sqnrDb === y.sqnrDb ? 0 : d };
  });
  // A NaN delta (a NaN SQNR: an all-zero weight) sorts last; the sort is stable, so ties keep A's order.
  return rows.sort((p, q) => {
    const [np, nq] = [Number.isNaN(p.deltaDb), Number.isNaN(q.deltaDb)];
    if (np || nq) return np === nq ? 0 : np ? 1 : -1;
    return p.deltaDb === q.deltaDb ? 0 : p.deltaDb < q.deltaDb ? -1 : 1;
  });
}

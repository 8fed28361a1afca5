// What a data-aware run actually did per layer, for the variant row: which layers got the method they asked for,
// which fell back to round-to-nearest and why — a layer left at RTN is never reported as GPTQ/AdaRound.
import type { LayerResult } from '../../../protocol/dto';
import { METHOD_LABELS } from '../../method-labels';

export interface RoundingSummary {
  /** One line: e.g. "GPTQ on 9 of 10 layers · RTN on 1 (no calibration activations)". */
  text: string;
  /** One line per layer: method used, output error vs RTN on the calibration data, time, notes. */
  details: string[];
}

const sci = (x: number) => x.toExponential(2);

/** null when no layer asked for a data-aware method. */
export function roundingSummary(layers: readonly LayerResult[]): RoundingSummary | null {
  const asked = layers.filter((l) => l.rounding && l.rounding.requested !== 'rtn');
  if (asked.length === 0) return null;
  const used = new Map<string, number>();
  for (const l of asked) {
    const m = METHOD_LABELS[l.rounding!.used];
    used.set(m, (used.get(m) ?? 0) + 1);
  }
  const fellBack = asked.filter((l) => l.rounding!.used === 'rtn');
  const reasons = [...new Set(fellBack.flatMap((l) => l.rounding!.notes))];
  const parts = [...used].map(([m, n]) =>
    m === 'RTN'
      ? `RTN on ${n}${reasons.length ? ` (${reasons.join('; ')})` : ''}`
      : `${m} on ${n} of ${asked.length} layers`,
  );
  const details = asked.map((l) => {
    const r = l.rounding!;
    const err =
      r.error !== null && r.rtnError !== null
        ? `, output error ${sci(r.error)} vs RTN ${sci(r.rtnError)}`
        : '';
    const notes = r.notes.length ? ` — ${r.notes.join('; ')}` : '';
    return `${l.name}: ${METHOD_LABELS[r.used]}${r.used !== r.requested ? ` (asked ${METHOD_LABELS[r.requested]})` : ''}${err}, ${(r.ms / 1000).toFixed(2)} s${notes}`;
  });
  return { text: parts.join(' · '), details };
}

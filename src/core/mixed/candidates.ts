// The widths a mixed-precision assignment chooses from (a tiny module: the studio's main thread imports it).
import type { IntBits } from '../quant/config';

/** What one layer may become: an integer width, float16, or its original float (left unquantized). */
export type Candidate = IntBits | 'fp16' | 'float';
export const MIXED_CANDIDATES: readonly Candidate[] = [2, 3, 4, 5, 6, 8, 'float'];
/** The integer widths among MIXED_CANDIDATES: measured sensitivity must exist at each to replace the proxy. */
export const MIXED_WIDTHS: readonly IntBits[] = MIXED_CANDIDATES.filter(
  (c): c is IntBits => typeof c === 'number',
);

import { StudioError } from '../errors';
import { INT_BITS, SCHEMES, type IntBits, type Scheme } from './config';
import { roundHalfEven } from './round';

/** Smallest normal float32. Scales are never below it: a denormal scale is flushed to 0 by DAZ/FTZ SIMD kernels. */
export const MIN_NORMAL_FLOAT32 = 2 ** -126;

export interface LevelRange {
  qmin: number;
  qmax: number;
}

export function validateBits(bits: unknown): IntBits {
  if (!INT_BITS.includes(bits as IntBits)) {
    throw new StudioError(
      'QuantConfigError',
      `bits must be one of ${INT_BITS.join(', ')}, got ${String(bits)}`,
    );
  }
  return bits as IntBits;
}

export function validateScheme(scheme: unknown): Scheme {
  if (!SCHEMES.includes(scheme as Scheme)) {
    throw new StudioError(
      'QuantConfigError',
      `scheme must be one of ${SCHEMES.join(', ')}, got ${String(scheme)}`,
    );
  }
  return scheme as Scheme;
}

/**
 * Levels a bit width may use. Symmetric is the restricted signed range ±(2^(b−1)−1) (no −2^(b−1), so the grid is
 * symmetric around the zero point 0); asymmetric is the full unsigned range 0..2^b−1.
 */
export function levelRange(bits: IntBits, scheme: Scheme): LevelRange {
  validateBits(bits);
  return validateScheme(scheme) === 'symmetric'
    ? { qmin: -(2 ** (bits - 1) - 1), qmax: 2 ** (bits - 1) - 1 }
    : { qmin: 0, qmax: 2 ** bits - 1 };
}

/**
 * float32 scale for a symmetric group: fround(absmax / qmax). An all-zero group gets scale 1 (any positive scale
 * reproduces zeros exactly; 1 keeps the stored tensor readable), a tiny one the smallest normal float32.
 */
export function symmetricScale(absmax: number, qmax: number): number {
  if (absmax === 0) return 1;
  return Math.max(Math.fround(absmax / qmax), MIN_NORMAL_FLOAT32);
}

export interface AffineParams {
  scale: number;
  zeroPoint: number;
}

/**
 * float32 scale and zero point for an asymmetric group with float32 extremes `min` and `max`. The range is widened
 * to include 0 so zero is exactly representable. `(rmax − rmin) / (qmax − qmin)` is evaluated in float64 and rounded
 * once, so two weights near ±float32 max still give a finite scale; zp is computed in float32 like ORT's
 * DynamicQuantizeLinear: clamp(roundHalfEven(qmin − fround(rmin / scale))).
 */
export function asymmetricParams(min: number, max: number, qmin: number, qmax: number): AffineParams {
  const rmin = Math.min(0, min);
  const rmax = Math.max(0, max);
  if (rmax === rmin) return { scale: 1, zeroPoint: qmin };
  const scale = Math.max(Math.fround((rmax - rmin) / (qmax - qmin)), MIN_NORMAL_FLOAT32);
  const zp = roundHalfEven(Math.fround(qmin - Math.fround(rmin / scale)));
  return { scale, zeroPoint: Math.min(qmax, Math.max(qmin, zp)) };
}

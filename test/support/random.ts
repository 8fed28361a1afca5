// Seeded random numbers for table-driven numeric tests (no dependency, same stream on every run).
import { seededRandom } from '../../src/core/random';

/** mulberry32, uniform in [0, 1): the core's generator under the tests' short name. */
export const rng = seededRandom;

/** Uniform values in [−1, 1). */
export const uniformArray = (n: number, seed: number): Float64Array => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() * 2 - 1);
};

/** Standard normal values (Box–Muller). */
export const normalArray = (n: number, seed: number): Float64Array => {
  const r = rng(seed);
  return Float64Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()),
  );
};

/** One standard normal draw from two uniforms (Box–Muller). */
export const gauss = (r: () => number): number =>
  Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

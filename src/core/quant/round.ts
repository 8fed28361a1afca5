/**
 * Round half to even, as ONNX QuantizeLinear specifies (std::nearbyint in the default rounding mode).
 * `Math.round` breaks ties toward +∞, so at a tie (r − x === 0.5, exact for |x| < 2^52) it is one above the even
 * neighbour exactly when r is odd, for either sign. NaN and ±Infinity pass through.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

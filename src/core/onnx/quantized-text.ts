// How an already-quantized model's integer weights are described (no protobuf here: the page imports it).

export interface QuantizedGroup {
  /** The op that consumes integer weights, e.g. `ConvInteger`, `DequantizeLinear`. */
  op: string;
  count: number;
  /** Element types of the integer weights (`4-bit` for MatMulNBits). */
  dtypes: string[];
  granularity: 'per-tensor' | 'per-channel' | 'block' | 'unknown';
  params: number;
}

/** "119 ConvInteger weights, int8 per-tensor; 3 DequantizeLinear weights, int4 block" */
export function describeQuantized(groups: QuantizedGroup[]): string {
  return groups
    .map(
      (g) => `${g.count} ${g.op} weight${g.count === 1 ? '' : 's'}, ${g.dtypes.join('/')} ${g.granularity}`,
    )
    .join('; ');
}

export { roundHalfEven } from './round';
export {
  MIN_NORMAL_FLOAT32,
  asymmetricParams,
  levelRange,
  symmetricScale,
  validateBits,
  validateScheme,
} from './range';
export type { AffineParams, LevelRange } from './range';
export { defaultQuantizeOptions, groupingFor, quantizeTensor } from './quantize';
export type { QuantizeOptions } from './quantize';
export { grouping } from './grouping';
export type { Grouping } from './grouping';
export { quantizeFloat16 } from './float16';
export type { Float16Result } from './float16';
export { dequantize, fakeQuantize } from './dequantize';
export { PACK_CONTAINERS, containerInfo, packLevels, packedBytes, unpackLevels } from './pack';
export type { PackContainer } from './pack';
export type { QuantizedTensor } from './types';
export { dequantizeMatMulNBits, nbitsFor, packMatMulNBits, unpackMatMulNBits } from './matmulnbits';
export type { MatMulNBitsPacked, NBits } from './matmulnbits';

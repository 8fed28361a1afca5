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
export { defaultQuantizeOptions, grouping, groupingFor, quantizeFloat16, quantizeTensor } from './quantize';
export type { Float16Result, Grouping, QuantizeOptions } from './quantize';
export { dequantize, fakeQuantize } from './dequantize';
export { PACK_CONTAINERS, containerInfo, packLevels, packedBytes, unpackLevels } from './pack';
export type { PackContainer } from './pack';
export type { QuantizedTensor } from './types';
export { dequantizeMatMulNBits, nbitsFor, packMatMulNBits, unpackMatMulNBits } from './matmulnbits';
export type { MatMulNBitsPacked, NBits } from './matmulnbits';

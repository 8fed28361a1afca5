// Data-aware rounding (issue 11): Hessians from calibration activations, GPTQ, AdaRound, bias correction.
// Every method returns RTN's QuantizedTensor form, so the exporter is unchanged.
export { HessianAccumulator, addMatMulActivation } from './hessian';
export {
  ConvHessian,
  convGeometry,
  im2col,
  outputPositions,
  patchLength,
  type ConvAttributes,
  type ConvGeometry,
} from './im2col';
export { gptqQuantize, layerError, type GptqOptions, type LayerHessians } from './gptq';
export { adaroundQuantize, type AdaRoundOptions } from './adaround';
export { ChannelMeans, analyticShift, correctedBias } from './bias';
export { rowView, type RowView } from './rows';
export type { RoundingMethod, RoundingResult } from './result';

export {
  ErrorAccumulator,
  combineErrorSums,
  emptyErrorSums,
  errorMetrics,
  errorSums,
  metricsFromSums,
  sqnrDb,
} from './error';
export type { ErrorSums } from './error';
export { MAX_GRID_VALUES, chunkedHistogram, distinctValues, downsample, sharedHistogram } from './histogram';
export { channelRanges, chunkedChannelRanges } from './channels';
export { MAX_LEVEL_LINES, channelErrors, chunkedChannelErrors, perTensorGrid } from './channel-errors';

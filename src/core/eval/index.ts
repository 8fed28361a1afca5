// Public API of the evaluator core (pure TS: the onnxruntime backend is injected by the evaluate worker).
export type * from './types';
export { runEvaluation, predictionKey, PAUSE_EVERY_MS, FLOAT_MODEL_ID } from './engine';
export {
  DEFAULT_LATENCY_OPTIONS,
  interleavedOrder,
  latencyStats,
  measureLatency,
  quantileSorted,
  roundsFor,
  type LatencyOptions,
  type LatencyStats,
  type LatencyTarget,
  type RuntimeInfo,
} from './latency';
export { checkLabels, checkRequest, checkVariantFeeds, resolvePreprocess } from './io';
export {
  checkPreviewFit,
  constantFeed,
  defaultDims,
  imageInputOf,
  isStateInput,
  planFeeds,
  toFeedData,
  type FeedData,
  type FeedPlan,
  type FeedTensor,
  type InputFeed,
  type InputSource,
} from './feeds';
export { createOutputFidelityAccumulator, outputRole, DEFAULT_IOU_THRESHOLD } from './output-fidelity';
export { createOutputStore, OUTPUT_KEEP_BYTES } from './output-store';
export type { EngineRequest, EvalModelRef, EvalOutcome, StoredPredictions } from './engine';
export {
  planBatches,
  batchRanges,
  runDims,
  DEFAULT_BATCH_SIZE,
  MAX_BATCH_SIZE,
  type BatchPlan,
} from './plan';
export { chooseClassificationOutput, classRowLength, isFloatDtype, FLOAT_DTYPES } from './output';
export { createBatchInputs, INPUT_CACHE_BYTES, type BatchInputs } from './inputs';
export {
  countFlips,
  createPredictions,
  createVariantPredictions,
  probabilityOf,
  recordPrediction,
  selectFlips,
  toProbabilities,
  type FlipCounts,
  type FlipSource,
  type Predictions,
  type VariantPredictions,
} from './predictions';
export {
  createModeComparator,
  createProgressReporter,
  createTimer,
  modeResult,
  sampleFeatures,
  sampleName,
  PROGRESS_INTERVAL_MS,
} from './report';
export {
  decodedToRgba,
  fitRgba,
  imageLayoutOf,
  preprocessedToRgba,
  tensorToRgba,
  DEFAULT_THUMBNAIL_SIZE,
} from './thumbnail';
export {
  createProbeSet,
  probeSetForModel,
  seededRandom,
  tokenVocabularies,
  PROBE_LENGTH,
  PROBE_SAMPLES,
  PROBE_SEED,
  PROBE_VOCAB,
  type ProbeOptions,
} from './probe';

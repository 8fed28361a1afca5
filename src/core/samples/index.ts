// Public API of the sample-set readers (evaluate worker, CLI and UI DTOs import from here).
export type * from './types';
export { detectSampleSet, describeSampleSet, expandZips, type DetectOptions } from './detect';
export { loadSample, referenceOutput, sampleDimsOf } from './access';
export {
  arraySamples,
  isIntegerSampleDtype,
  npyValues,
  sampleArrayFromNpy,
  sampleArraysOf,
  toFloat32Values,
} from './arrays';
export { checkSamplesFit, type BatchInfo, type ModelInputSpec, type SampleFit } from './fit';
export {
  defaultPreprocessOptions,
  inferPreprocessOptions,
  preprocessImage,
  preprocessedDims,
  previewStats,
  resizeBilinear,
  validatePreprocessOptions,
  type ChannelOrder,
  type PixelLayout,
  type PixelRange,
  type PreprocessOptions,
  type PreviewStats,
} from './preprocess';
export { readImageFolder, parseClassesTxt, type ImageFolderOptions } from './images';
export { decodePngImage, isImagePath } from './png';
export { parseNpy, parseNpz, npyToFloat32, npyToLabels, type NpyArray } from './npy';
export { parseIdx, idxImageSet } from './idx';
export { readOnnxTestData, readTensorPb } from './testdata';
export {
  readTabularCsv,
  defaultLabelMapping,
  defaultTabularOptions,
  type TabularOptions,
  type ColumnRef,
} from './tabular';
export { parseCsv } from './csv';
export {
  calibrationLabel,
  evaluationLabel,
  rangeSize,
  rangeText,
  sliceSampleSet,
  splitSamples,
  type SampleRange,
  type SampleSplit,
  type SplitMode,
} from './split';

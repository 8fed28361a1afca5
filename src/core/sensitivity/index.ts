// Public API of measured per-layer sensitivity (pure TS: the runtime is injected as an OpenModel).
export type * from './types';
export {
  measureSensitivity,
  rankLayers,
  type OpenModel,
  type SensitivityHooks,
  type SensitivityRequest,
} from './run';
export { averageRanks, spearman } from './rank';
export { layerVariant, sensitivitySpec, sensitivityTargets, type SkippedLayer } from './variants';
export { measuredLossFromSensitivity } from './losses';

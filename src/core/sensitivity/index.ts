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
export {
  layerVariant,
  measuredSpecFor,
  sensitivitySpec,
  sensitivityTargets,
  type SkippedLayer,
} from './variants';
export { blockOf, measuredUnits, sampleEvenly, type LayerSelection, type MeasuredUnit } from './groups';
export { measuredLossFromSensitivity } from './losses';
export { measureAssignments, type AssignmentsRequest } from './assignments';

export { aiOnnxOpset, planOpsetUpgrade, upgradeOpset, type OpsetPlan } from './upgrade';
export { MAX_TARGET_OPSET, MIN_SOURCE_OPSET, OP_TABLE, irVersionFor, versionAt, type OpEntry } from './table';

// Barrel for src/objectives: pure functions of named features returning named losses and logs, plus the
// stateful helpers they need (temperature, momentum model, feature queues) and the registry by name.
export type { GroundingFeatures } from './grounding.js';
export { groundingLoss } from './grounding.js';
export type { ItcFeatures } from './itc.js';
export { alphaRamp, itcLoss, l2Normalize, TEMPERATURE_MAX, TEMPERATURE_MIN, Temperature } from './itc.js';
export type { HardNegatives, ItmFeatures } from './itm.js';
export { itmLabels, itmLoss, sampleHardNegatives, sampleRandomNegatives } from './itm.js';
export type { MlmFeatures } from './mlm.js';
export { mlmLoss } from './mlm.js';
export { MomentumModel } from './momentum.js';
export type { MvmFeatures } from './mvm.js';
export { mvmLoss, mvmMask } from './mvm.js';
export type { PwclFeatures } from './pwcl.js';
export { pwclLoss } from './pwcl.js';
export { FeatureQueue } from './queue.js';
export { getObjective, listObjectives, registerObjective, textMlmLoss } from './registry.js';
export type { Objective, ObjectiveOutput, TemperatureLike } from './types.js';
export type { VisualContrastiveFeatures } from './visual-contrastive.js';
export { visualContrastiveLoss } from './visual-contrastive.js';

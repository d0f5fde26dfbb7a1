// @vlp/fusion: Visual dictionary (SOHO), grounded dictionary (UNIMO-2) and fusion transformers
// (single-stream: Pixel-BERT / SOHO; cross-attention: ALBEF; grounded: UNIMO-2) behind one interface.
export const VERSION = '0.1.0';

// UNIMO-2's grounded dictionary and grounding loss.
export type {
  GroundedDictionaryOptions,
  GroundedDictionaryOutput,
} from './dictionary/grounded-dictionary.js';
export { GroundedDictionary } from './dictionary/grounded-dictionary.js';
export type { GroundingLossInputs, GroundingLossOutput } from './dictionary/grounding-loss.js';
export { groundingLoss } from './dictionary/grounding-loss.js';
// SOHO's visual dictionary and its raw/quantised gate.
export type {
  VisualDictionaryCallOptions,
  VisualDictionaryOptions,
  VisualDictionaryOutput,
  VisualDictionaryStats,
} from './dictionary/visual-dictionary.js';
export { VisualDictionary } from './dictionary/visual-dictionary.js';
export { VisualGate } from './dictionary/visual-gate.js';

// Fusion transformers: one interface, three kinds, a registry of JSON configs.
export type {
  CrossAttentionConfig,
  FusionConfig,
  FusionConfigBase,
  FusionOverrides,
  GroundedConfig,
  SingleStreamConfig,
  VisualDictionaryConfig,
} from './fusion/config.js';
export { FusionConfigSchema, parseFusionConfig } from './fusion/config.js';
export { CrossAttentionFusion } from './fusion/cross-attention.js';
export type { FusionInputs, FusionOutputs } from './fusion/fusion.js';
export { FusionModel } from './fusion/fusion.js';
export { GroundedFusion, groundedBlockMask } from './fusion/grounded.js';
export type { FusionBuilder } from './fusion/registry.js';
export {
  createFusion,
  getFusionConfig,
  listFusionKinds,
  listFusions,
  registerFusionConfig,
  registerFusionKind,
} from './fusion/registry.js';
export { SingleStreamFusion } from './fusion/single-stream.js';

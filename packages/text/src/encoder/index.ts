// Barrel for src/encoder: the BERT-style text tower, its MLM head and the config registry.

export type { TextEncoderInputs, TextFeatures } from './bert-encoder.js';
export { BertEncoder } from './bert-encoder.js';
export type { TextEncoderConfig } from './config.js';
export { parseTextEncoderConfig, TextEncoderConfigSchema } from './config.js';
export { TextEmbeddings } from './embeddings.js';
export { gatherMaskedPositions, MlmHead } from './mlm-head.js';
export {
  createTextEncoder,
  getTextEncoderConfig,
  listTextEncoders,
  registerTextEncoderConfig,
} from './registry.js';

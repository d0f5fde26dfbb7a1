// Barrel for src/nn: the module system and the layers every tower needs.
export { GELU } from './activations.js';
export type { AttentionCallOptions, MultiHeadAttentionOptions } from './attention.js';
export { MultiHeadAttention } from './attention.js';
export type { Conv2dOptions } from './conv.js';
export { Conv2d } from './conv.js';
export { Dropout } from './dropout.js';
export type { EmbeddingOptions } from './embedding.js';
export { Embedding } from './embedding.js';
export { LayerNorm } from './layer-norm.js';
export type { LinearOptions } from './linear.js';
export { Linear } from './linear.js';
export type {
  LoadStateDictOptions,
  LoadStateDictResult,
  ParameterOptions,
  ParameterQuery,
} from './module.js';
export { Module, ModuleList } from './module.js';
export { BatchNorm2d, GroupNorm } from './norm.js';
export { LearnedPositionEmbedding, sinePositionEncoding1d, sinePositionEncoding2d } from './position.js';
export type { UnaryModule } from './sequential.js';
export { Sequential } from './sequential.js';
export type {
  SubLayerSite,
  TransformerBlockOptions,
  TransformerCallOptions,
  TransformerEncoderOptions,
} from './transformer.js';
export { Mlp, TransformerBlock, TransformerEncoder } from './transformer.js';

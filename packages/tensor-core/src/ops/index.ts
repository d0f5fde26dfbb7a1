// Barrel for src/ops: the functional core the layers call, one function per op a backend may fuse.
export { geluTanh } from './activations.js';
export type { AttentionOptions } from './attention.js';
export { attentionWeights, MASK_NEGATIVE, paddingMask, scaledDotProductAttention } from './attention.js';
export type { Conv2dGeometry } from './conv.js';
export { conv2d } from './conv.js';
export { dropout, dropoutMask } from './dropout.js';
export { embeddingLookup } from './embedding.js';
export type { FusedKernelName } from './fused.js';
export { FUSED_KERNEL_NAMES, fusedKernelFor } from './fused.js';
export { layerNorm } from './layer-norm.js';
export { linear } from './linear.js';
export type { CrossEntropyOptions } from './losses.js';
export { softmaxCrossEntropy } from './losses.js';
export { stopGradient } from './stop-gradient.js';

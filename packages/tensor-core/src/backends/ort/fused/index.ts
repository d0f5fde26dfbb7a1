// Fused kernels (one ORT graph forward, one backward) registered only for the ORT backend, and their gradients.
import type * as tf from '@tensorflow/tfjs-core';
import type { OrtKernelDef } from '../backend.js';
import { adamKernels } from './adam.js';
import { attentionGradient, attentionKernels } from './attention.js';
import { batchNormGradient, batchNormKernels, batchNormReluGradient } from './batch-norm.js';
import { conv2dGradient, conv2dKernels } from './conv.js';
import { convFilterGradKernels } from './conv-filter-grad.js';
import { geluGradient, geluKernels } from './gelu.js';
import { layerNormGradient, layerNormKernels } from './layer-norm.js';
import { linearGradient, linearKernels } from './linear.js';

export { ADAM, type AdamStep, adamStep, FusedAdam, type FusedAdamOptions } from './adam.js';
export { ATTENTION } from './attention.js';
export { BATCH_NORM, BATCH_NORM_RELU } from './batch-norm.js';
export { CONV2D } from './conv.js';
export { CONV_FILTER_GRAD } from './conv-filter-grad.js';
export { GELU_TANH } from './gelu.js';
export { LAYER_NORM } from './layer-norm.js';
export { LINEAR } from './linear.js';

export const fusedKernels: OrtKernelDef[] = [
  ...linearKernels,
  ...layerNormKernels,
  ...geluKernels,
  ...attentionKernels,
  ...adamKernels,
  ...convFilterGradKernels,
  ...conv2dKernels,
  ...batchNormKernels,
];

export const fusedGradients: tf.GradConfig[] = [
  linearGradient,
  layerNormGradient,
  geluGradient,
  attentionGradient,
  batchNormGradient,
  batchNormReluGradient,
  conv2dGradient,
];

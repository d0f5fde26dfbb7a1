// Layer normalisation (Ba et al., 2016) over the last axis with biased variance, as torch.nn.LayerNorm.
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

/**
 * `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis; x [..., D], gamma/beta [D].
 * @example
 * ```ts
 * const y = layerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]), tf.zeros([3]), 1e-5);
 * ```
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const d = x.shape[x.rank - 1];
  if (gamma.shape[0] !== d || beta.shape[0] !== d) {
    throw new Error(`layerNorm: x [${x.shape}] vs gamma [${gamma.shape}] / beta [${beta.shape}]`);
  }
  // Fused-kernel dispatch (ORT backend, owner: backends/ort): one kernel forward, one backward.
  if (fusedKernelFor('VlpLayerNorm') && [x, gamma, beta].every((t) => t.dtype === 'float32') && x.size > 0) {
    return tf.engine().runKernel('VlpLayerNorm', { x, gamma, beta }, { eps }) as tf.Tensor;
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true); // [..., 1]
    const centered = tf.sub(x, mean); // [..., D]
    const variance = tf.mean(tf.square(centered), -1, true); // [..., 1]
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps))); // [..., D]
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

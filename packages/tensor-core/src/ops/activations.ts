// Activations: GELU with the tanh approximation (Hendrycks & Gimpel, 2016), as used by GPT-2 and in our
// PyTorch reference (nn.GELU(approximate='tanh')).
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, elementwise.
 * @example
 * ```ts
 * geluTanh(tf.tensor1d([-1, 0, 1])); // ~[-0.1588, 0, 0.8412]
 * ```
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  // Fused-kernel dispatch (ORT backend, owner: backends/ort).
  if (fusedKernelFor('VlpGeluTanh') && x.dtype === 'float32' && x.size > 0) {
    return tf.engine().runKernel('VlpGeluTanh', { x }) as tf.Tensor;
  }
  return tf.tidy(() => {
    const cube = tf.mul(tf.square(x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

// Small tensor helpers shared by the objectives: stop-gradient (from tensor-core), L2 normalisation
// and in-batch accuracy. Internal to @vlp/pretrain's objectives.
import * as tf from '@tensorflow/tfjs-core';
import type { TemperatureLike } from './types.js';

/** Identity in the forward pass, zero gradient in the backward pass: tensor-core's `stopGradient`. */
export { stopGradient as _stopGradient } from '@vlp/tensor-core';

/** Row-wise L2 normalisation with a floor on the norm. */
export function _l2Normalize(x: tf.Tensor, eps = 1e-12): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), eps)));
}

/** The temperature as a scalar tensor. */
export function _temperature(t: TemperatureLike): tf.Scalar {
  return typeof t === 'number' ? tf.scalar(t) : t;
}

/** Fraction of rows whose argmax equals the label; labels int32 [N]. */
export function _accuracy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')) as tf.Scalar);
}

/** int32 [0, 1, ..., n-1]. */
export function _arange(n: number): tf.Tensor1D {
  return tf.range(0, n, 1, 'int32') as tf.Tensor1D;
}

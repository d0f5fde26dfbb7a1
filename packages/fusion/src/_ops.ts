// Small tensor helpers shared by the dictionaries (SOHO's visual dictionary, UNIMO-2's grounded
// dictionary): the straight-through estimator of VQ-VAE / SOHO, top-K
// indices cut from the tape, and pairwise squared distances as one matMul. Internal: not exported from
// the package entry.
import * as tf from '@tensorflow/tfjs-core';

type _Inputs = Array<tf.Tensor | tf.GradSaveFunc>;

/** Identity forward, zero gradient backward: tensor-core's `stopGradient`, re-exported for the dictionaries. */
export { stopGradient as _stopGradient } from '@vlp/tensor-core';

/**
 * Straight-through estimator: forward returns `e`, backward passes the upstream gradient to `x` unchanged
 * and nothing to `e` (q = x + stopgrad(e - x), exactly: no rounding from adding and subtracting x).
 */
export const _straightThrough = tf.customGrad((...inputs: _Inputs) => {
  const e = inputs[1] as tf.Tensor;
  return { value: tf.clone(e), gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.zerosLike(e)] };
}) as (x: tf.Tensor, e: tf.Tensor) => tf.Tensor;

/**
 * Top-K indices along the last axis, best first, cut from the tape (tfjs registers no TopK gradient; the
 * indices are integers anyway). scores [..., C] -> indices [..., K] int32.
 */
export function _topKIndices(scores: tf.Tensor, k: number): tf.Tensor {
  const f = tf.customGrad((...inputs: _Inputs) => {
    const s = inputs[0] as tf.Tensor;
    return { value: tf.topk(s, k, true).indices, gradFunc: () => tf.zerosLike(s) };
  }) as (s: tf.Tensor) => tf.Tensor;
  return f(scores);
}

/** Squared L2 distances ||x||^2 - 2 x.e + ||e||^2 via one matMul. x [M, D], e [K, D] -> [M, K]. */
export function _squaredDistances(x: tf.Tensor2D, e: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const xx = tf.sum(tf.square(x), 1, true); // [M, 1]
    const ee = tf.reshape(tf.sum(tf.square(e), 1), [1, -1]); // [1, K]
    const xe = tf.matMul(x, e, false, true); // [M, K]
    return tf.add(tf.sub(xx, tf.mul(xe, 2)), ee) as tf.Tensor2D; // [M, K]
  });
}

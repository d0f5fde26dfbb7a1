// stopGradient: identity forward, zero gradient backward (PyTorch's `detach`). tfjs-core has no such op, and
// several methods need one: ALBEF's momentum targets, SOHO's straight-through lookup, UNIMO-2's grounding loss.
import * as tf from '@tensorflow/tfjs-core';

type _Inputs = Array<tf.Tensor | tf.GradSaveFunc>;

const _detach = tf.customGrad((...inputs: _Inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Returns a copy of `x` through which no gradient flows: `tf.grad` of anything computed from the result sees
 * zero with respect to `x` and everything upstream of it. The caller owns the returned tensor.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { stopGradient } from '@vlp/tensor-core';
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, stopGradient(x))))(tf.tensor([3])); // [3], not [6]
 * ```
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return _detach(x) as T;
}

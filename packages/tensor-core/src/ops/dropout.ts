// Inverted dropout (Srivastava et al., 2014) with masks drawn from an Rng on the JS side, so a seed gives
// the same mask on every backend and a training run can be resumed exactly from the Rng state.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng.js';

/**
 * A float32 mask of `shape` with entries 0 (probability p) or 1 / (1 - p).
 * @example
 * ```ts
 * const m = dropoutMask(new Rng(0), [2, 3], 0.5); // entries 0 or 2
 * ```
 */
export function dropoutMask(rng: Rng, shape: readonly number[], p: number): tf.Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  let n = 1;
  for (const d of shape) n *= d;
  const scale = 1 / (1 - p);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.uniform() < p ? 0 : scale;
  return tf.tensor(values, [...shape], 'float32');
}

/**
 * `x * mask` with a fresh mask from `rng`; returns `x` itself when p = 0 (the caller keeps ownership).
 * @example
 * ```ts
 * const y = dropout(tf.ones([4, 8]), 0.1, new Rng(0));
 * ```
 */
export function dropout(x: tf.Tensor, p: number, rng: Rng): tf.Tensor {
  if (p === 0) return x;
  return tf.tidy(() => tf.mul(x, dropoutMask(rng, x.shape, p)));
}

// Embedding lookup with its own gradient. tfjs differentiates gather through UnsortedSegmentSum, a kernel
// tfjs-backend-wasm lacks (training an Embedding on wasm then throws); scatterND, which sums updates at
// repeated ids, exists on cpu, wasm and webgpu, so the backward pass uses it on every backend.
import * as tf from '@tensorflow/tfjs-core';

/**
 * `weight[ids]`: weight [V, D], ids int32 of any shape [...] -> [..., D]. The gradient w.r.t. weight
 * accumulates over repeated ids; ids get no gradient.
 * @example
 * ```ts
 * const e = embeddingLookup(table, tf.tensor2d([[1, 2]], [1, 2], 'int32')); // [1, 2, D]
 * ```
 */
export function embeddingLookup(weight: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (ids.dtype !== 'int32') throw new Error(`embeddingLookup: ids must be int32, got ${ids.dtype}`);
  if (weight.rank !== 2) throw new Error(`embeddingLookup: weight must be [V, D], got [${weight.shape}]`);
  const [v, d] = weight.shape as [number, number];
  return tf.tidy(() => {
    const flat = tf.reshape(ids, [-1]); // [N]
    const lookup = tf.customGrad((...args) => {
      const w = args[0] as tf.Tensor;
      // The ids must outlive this tidy: a closure over `flat` reads freed data on backends that reclaim it
      // at once (wasm), so they go to the tape through save(), which keeps a clone until backprop.
      (args[1] as unknown as (ts: tf.Tensor[]) => void)([flat]);
      return {
        value: tf.gather(w, flat), // [N, D]
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          tf.scatterND(tf.reshape(saved[0] as tf.Tensor, [-1, 1]), dy as tf.Tensor, [v, d]), // [V, D]
      };
    });
    return tf.reshape(lookup(weight) as tf.Tensor, [...ids.shape, d]); // [..., D]
  });
}

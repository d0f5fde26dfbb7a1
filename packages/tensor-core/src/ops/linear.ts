// Affine map y = x @ W + b over the last axis, W laid out [in, out] (the PyTorch benchmark reference uses
// the same x @ W form). Any leading dims: x is flattened to 2-D for one matmul and reshaped back.
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

/**
 * `x @ w (+ b)` for x [..., in], w [in, out], b [out] -> [..., out]. Intermediates are tidied.
 * @example
 * ```ts
 * const y = linear(tf.ones([2, 5, 8]), tf.ones([8, 3]), tf.zeros([3])); // [2, 5, 3]
 * ```
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inF = x.shape[x.rank - 1];
  const [wIn, outF] = w.shape;
  if (w.rank !== 2 || inF !== wIn || outF === undefined) {
    throw new Error(`linear: x [${x.shape}] does not match weight [${w.shape}] (expected [${inF}, out])`);
  }
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== outF)) {
    throw new Error(`linear: bias [${b.shape}] does not match out features ${outF}`);
  }
  // Fused-kernel dispatch (ORT backend, owner: backends/ort): Gemm with bias forward, one graph backward.
  const ins: tf.NamedTensorMap = b === undefined ? { x, w } : { x, w, b };
  if (fusedKernelFor('VlpLinear') && Object.values(ins).every((t) => t.dtype === 'float32') && x.size > 0) {
    return tf.engine().runKernel('VlpLinear', ins) as tf.Tensor;
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, wIn]); // [N, in]
    const y2 = tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }); // [N, out]
    return tf.reshape(y2, [...lead, outF]); // [..., out]
  });
}

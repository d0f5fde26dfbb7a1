// SOHO's optional mix of raw and dictionary-quantised visual features (Huang et al., CVPR 2021, "Seeing
// Out of tHe bOx"): the fusion input may be the quantised tokens alone or a learned per-channel gate
// between them and the raw CNN features. The paper leaves the gate's form open; ours is
// g = sigmoid([x ; q] W + b), out = g * q + (1 - g) * x, with the bias starting at +2 so training
// begins close to the pure dictionary input (g ~ 0.88) that the paper evaluates.
import * as tf from '@tensorflow/tfjs-core';
import { defaultRng, Linear, Module, type Rng } from '@vlp/tensor-core';

/**
 * Learned per-channel gate between raw features and their quantised version.
 *
 * @example
 * ```ts
 * const gate = new VisualGate(32, new Rng(0));
 * const { quantized } = vd.forward(raw);
 * const mixed = gate.forward(raw, quantized); // [B, N, 32]
 * ```
 */
export class VisualGate extends Module {
  readonly proj: Linear;

  constructor(dim: number, rng: Rng = defaultRng()) {
    super();
    this.proj = this.registerModule('proj', new Linear(2 * dim, dim, { rng }));
    this.proj.bias?.assign(tf.tidy(() => tf.fill([dim], 2)));
  }

  /** raw [..., D], quantized [..., D] -> mixed [..., D]. */
  forward(raw: tf.Tensor, quantized: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const g = tf.sigmoid(this.proj.forward(tf.concat([raw, quantized], -1))); // [..., D]
      return tf.add(tf.mul(g, quantized), tf.mul(tf.sub(1, g), raw)); // [..., D]
    });
  }
}

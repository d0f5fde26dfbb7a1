// Normalisation over batches and groups for CNN towers: BatchNorm (Ioffe & Szegedy, 2015) with running
// statistics as buffers, and GroupNorm (Wu & He, 2018), both channels-last (NHWC).
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from '../ops/fused.js';
import { init } from '../random/index.js';
import { Module } from './module.js';

/**
 * Batch normalisation over every axis but the last (channels): x [B, H, W, C] (or [B, C]). In training it
 * normalises with the batch statistics and updates the `running_mean` / `running_var` buffers
 * (r = (1 - momentum) r + momentum * batch, unbiased variance, as torch); in eval it uses the buffers.
 * @example
 * ```ts
 * const bn = new BatchNorm2d(64);
 * const y = bn.forward(features); // training: batch stats, buffers updated
 * bn.eval();
 * const z = bn.forward(features); // running stats
 * ```
 */
export class BatchNorm2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly eps: number;

  constructor(
    readonly channels: number,
    opts: { momentum?: number; eps?: number } = {},
  ) {
    super();
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', init.ones([channels]));
    this.bias = this.registerParameter('bias', init.zeros([channels]));
    this.runningMean = this.registerBuffer('running_mean', init.zeros([channels]));
    this.runningVar = this.registerBuffer('running_var', init.ones([channels]));
  }

  /** x [..., C] -> [..., C]; statistics over all leading axes. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.apply(x, false);
  }

  /**
   * `relu(forward(x) + residual)` (residual optional, x's shape): the tail of a ResNet conv-BN-ReLU or of a
   * residual block. Backends with the fused kernel run it (and its gradient) as one kernel.
   * @example
   * ```ts
   * const h = bn1.forwardRelu(conv1.forward(x)); // relu(bn1(conv1(x)))
   * const out = bn2.forwardRelu(conv2.forward(h), shortcut); // relu(bn2(conv2(h)) + shortcut)
   * ```
   */
  forwardRelu(x: tf.Tensor, residual?: tf.Tensor): tf.Tensor {
    if (residual && residual.shape.join(',') !== x.shape.join(',')) {
      throw new Error(
        `BatchNorm2d.forwardRelu: residual [${residual.shape}] must have x's shape [${x.shape}]`,
      );
    }
    return this.apply(x, true, residual);
  }

  private apply(x: tf.Tensor, relu: boolean, residual?: tf.Tensor): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.channels) {
      throw new Error(`BatchNorm2d: expected [..., ${this.channels}] (channels last), got [${x.shape}]`);
    }
    const tail = (y: tf.Tensor): tf.Tensor => {
      if (!relu) return y;
      return tf.relu(residual ? tf.add(y, residual) : y);
    };
    return tf.tidy(() => {
      if (!this.training) {
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps))); // [C]
        return tail(tf.add(tf.mul(tf.sub(x, this.runningMean), scale), this.bias));
      }
      const n = x.size / this.channels;
      const m = this.momentum;
      const update = (mean: tf.Tensor, variance: tf.Tensor) => {
        // Buffers take the values only (no gradient flows into running statistics).
        const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      };
      // Fused-kernel dispatch (ORT backend, owner: backends/ort/fused/batch-norm.ts): one graph each way.
      const kernel = relu ? 'VlpBatchNormRelu' : 'VlpBatchNorm';
      const fusable = x.dtype === 'float32' && (!residual || residual.dtype === 'float32');
      if (fusedKernelFor(kernel) && fusable && x.size > 0) {
        const inputs: tf.NamedTensorMap = { x, gamma: this.weight, beta: this.bias };
        if (residual) inputs.residual = residual;
        const [y, mean, variance] = tf
          .engine()
          .runKernel(kernel, inputs, { eps: this.eps, residual: !!residual }) as tf.Tensor[];
        update(mean!, variance!); // [C] each, biased variance
        return y!;
      }
      const axes = [...Array(x.rank - 1).keys()];
      const { mean, variance } = tf.moments(x, axes); // [C], biased
      update(mean, variance);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps))); // [..., C]
      return tail(tf.add(tf.mul(normed, this.weight), this.bias));
    });
  }
}

/**
 * Group normalisation: channels split into `groups`, each normalised over its channels and all spatial
 * positions of one sample; then a per-channel affine. x [B, ..., C] (NHWC). Batch-size independent.
 * @example
 * ```ts
 * const gn = new GroupNorm(8, 64);
 * const y = gn.forward(features); // [B, H, W, 64]
 * ```
 */
export class GroupNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;

  constructor(
    readonly groups: number,
    readonly channels: number,
    opts: { eps?: number } = {},
  ) {
    super();
    if (channels % groups !== 0)
      throw new Error(`GroupNorm: ${channels} channels not divisible by ${groups} groups`);
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', init.ones([channels]));
    this.bias = this.registerParameter('bias', init.zeros([channels]));
  }

  /** x [B, ..., C] -> same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.channels) {
      throw new Error(`GroupNorm: expected [B, ..., ${this.channels}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const b = x.shape[0] as number;
      const g = tf.reshape(x, [b, -1, this.groups, this.channels / this.groups]); // [B, S, G, C/G]
      const { mean, variance } = tf.moments(g, [1, 3], true); // [B, 1, G, 1]
      const normed = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps))), x.shape);
      return tf.add(tf.mul(normed, this.weight), this.bias);
    });
  }
}

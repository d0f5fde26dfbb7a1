// Layer normalisation module (Ba et al., 2016): weight (gamma) ones, bias (beta) zeros, over the last axis.
import type * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '../ops/layer-norm.js';
import { init } from '../random/index.js';
import { Module } from './module.js';

/**
 * Normalises the last axis of x [..., dim] to zero mean / unit variance, then scales and shifts.
 * @example
 * ```ts
 * const ln = new LayerNorm(768, { eps: 1e-6 });
 * const y = ln.forward(tf.randomNormal([2, 10, 768]));
 * ```
 */
export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;

  constructor(
    readonly dim: number,
    opts: { eps?: number } = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', init.ones([dim]));
    this.bias = this.registerParameter('bias', init.zeros([dim]));
  }

  /** x [..., dim] -> [..., dim]. */
  forward(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

// Activation modules, so activations can sit in a Sequential and show up in a model's structure.
import type * as tf from '@tensorflow/tfjs-core';
import { geluTanh } from '../ops/activations.js';
import { Module } from './module.js';

/**
 * GELU, tanh approximation: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`. No parameters.
 * @example
 * ```ts
 * const y = new GELU().forward(tf.tensor1d([-1, 0, 1])); // ~[-0.1588, 0, 0.8412]
 * ```
 */
export class GELU extends Module {
  /** Elementwise; any shape. */
  forward(x: tf.Tensor): tf.Tensor {
    return geluTanh(x);
  }
}

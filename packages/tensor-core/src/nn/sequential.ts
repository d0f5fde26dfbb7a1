// A chain of single-input modules, named '0', '1', ... like torch.nn.Sequential.
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

/**
 * A module with a one-tensor-in, one-tensor-out forward (Linear, GELU, Conv2d, norms, Dropout, ...).
 * @example
 * ```ts
 * const layers: UnaryModule[] = [new Linear(4, 4), new GELU()];
 * ```
 */
export type UnaryModule = Module & { forward(x: tf.Tensor): tf.Tensor };

/**
 * Applies its modules in order.
 * @example
 * ```ts
 * const head = new Sequential([new Linear(64, 64, { rng }), new GELU(), new Linear(64, 2, { rng })]);
 * const logits = head.forward(cls); // [B, 2]
 * ```
 */
export class Sequential extends Module {
  private readonly layers: UnaryModule[] = [];

  constructor(layers: UnaryModule[]) {
    super();
    layers.forEach((layer, i) => {
      this.layers.push(this.registerModule(String(i), layer));
    });
  }

  get length(): number {
    return this.layers.length;
  }

  /** x -> layers[n-1](...layers[0](x)). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((h, layer) => layer.forward(h), x));
  }
}

// Dropout module: seeded masks from an Rng (identical across backends), identity in eval mode.
import type * as tf from '@tensorflow/tfjs-core';
import { dropout } from '../ops/dropout.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * Inverted dropout: in training, zeroes each entry with probability p and scales the rest by 1/(1-p);
 * in eval mode (or p = 0) returns its input unchanged (the same tensor object).
 * @example
 * ```ts
 * const drop = new Dropout(0.1, rng);
 * const y = drop.forward(x);
 * drop.eval();
 * drop.forward(x) === x; // true
 * ```
 */
export class Dropout extends Module {
  readonly rng: Rng;

  constructor(
    readonly p: number,
    rng?: Rng,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = rng ?? defaultRng();
  }

  /** Any shape. */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.rng);
  }
}

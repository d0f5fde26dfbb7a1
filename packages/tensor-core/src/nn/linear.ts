// Fully connected layer y = x @ W + b with W stored [in, out] (the layout of the PyTorch benchmark
// reference and of tfjs matMul); initialised truncated-normal std 0.02 as in BERT / timm ViT / ALBEF.
import type * as tf from '@tensorflow/tfjs-core';
import { linear } from '../ops/linear.js';
import { init } from '../random/index.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * Options for {@link Linear}.
 * @example
 * ```ts
 * const opts: LinearOptions = { bias: false, rng: new Rng(0), initStd: 0.02 };
 * ```
 */
export interface LinearOptions {
  /** Add a bias (initialised to zero). Default true. */
  bias?: boolean;
  /** Stream for the weight init; default {@link defaultRng}. */
  rng?: Rng;
  /** Std of the truncated-normal (+-2 std) weight init. Default 0.02. */
  initStd?: number;
  /** Custom weight initialiser overriding `initStd`, e.g. `(r, s) => init.xavierUniform(r, s)`. */
  weightInit?: (rng: Rng, shape: [number, number]) => tf.Tensor;
}

/**
 * `y = x @ weight + bias` over the last axis of x [..., in] -> [..., out]. weight [in, out], bias [out].
 * @example
 * ```ts
 * const fc = new Linear(768, 3072, { rng: new Rng(0) });
 * const y = fc.forward(tf.zeros([2, 197, 768])); // [2, 197, 3072]
 * ```
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const rng = opts.rng ?? defaultRng();
    const shape: [number, number] = [inFeatures, outFeatures];
    const w = opts.weightInit
      ? opts.weightInit(rng, shape)
      : init.truncNormal(rng, shape, opts.initStd ?? 0.02);
    this.weight = this.registerParameter('weight', w);
    this.bias = (opts.bias ?? true) ? this.registerParameter('bias', init.zeros([outFeatures])) : undefined;
  }

  /** x [..., in] -> [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight, this.bias);
  }
}

// Weight initialisers. Values are drawn from an Rng into a Float32Array on the JS side and only then
// become a tensor, so a seed gives the same weights on every backend. Schemes: normal / truncated normal
// (BERT, timm ViT and ALBEF use std 0.02), uniform, Xavier/Glorot uniform (Glorot & Bengio, 2010),
// Kaiming/He normal for convolutions (He et al., 2015).
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

function _size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`init: invalid shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

function _fill(rng: Rng, shape: readonly number[], draw: (rng: Rng) => number): tf.Tensor {
  const values = new Float32Array(_size(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw(rng);
  return tf.tensor(values, [...shape], 'float32');
}

/**
 * Fan-in and fan-out of a weight in tfjs layout: the last axis is the output, the one before it the
 * input, and any leading axes are the receptive field (conv kernels are [kh, kw, in, out]).
 * A 1-D shape counts as fanIn = fanOut = its length.
 * @example
 * ```ts
 * computeFans([3, 3, 16, 32]); // { fanIn: 144, fanOut: 288 }
 * ```
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0] as number, fanOut: shape[0] as number };
  const receptive = _size(shape.slice(0, -2));
  return {
    fanIn: (shape[shape.length - 2] as number) * receptive,
    fanOut: (shape[shape.length - 1] as number) * receptive,
  };
}

/**
 * Normal(mean, std) values.
 * @example
 * ```ts
 * const w = init.normal(new Rng(0), [768, 768], 0.02);
 * ```
 */
export function normal(rng: Rng, shape: readonly number[], std = 1, mean = 0): tf.Tensor {
  return _fill(rng, shape, (r) => r.normal(mean, std));
}

/**
 * Normal(mean, std) truncated to [mean + a*std, mean + b*std] by rejection (defaults: +-2 std, as in
 * TensorFlow's truncated_normal). Note: timm's `trunc_normal_(std=.02)` passes absolute bounds +-2, which
 * at std 0.02 truncates nothing; we truncate at +-2 std, the evident intent.
 * @example
 * ```ts
 * const posEmbed = init.truncNormal(new Rng(0), [1, 197, 768], 0.02);
 * ```
 */
export function truncNormal(
  rng: Rng,
  shape: readonly number[],
  std = 0.02,
  opts: { mean?: number; a?: number; b?: number } = {},
): tf.Tensor {
  const { mean = 0, a = -2, b = 2 } = opts;
  if (!(a < b)) throw new Error(`init.truncNormal: need a < b, got a=${a}, b=${b}`);
  if (b < -6 || a > 6) throw new Error('init.truncNormal: the interval [a, b] (in std units) is too far out');
  return _fill(rng, shape, (r) => {
    for (;;) {
      const z = r.normal();
      if (z >= a && z <= b) return mean + std * z;
    }
  });
}

/**
 * Uniform values in [low, high).
 * @example
 * ```ts
 * const w = init.uniform(new Rng(0), [4, 4], -0.1, 0.1);
 * ```
 */
export function uniform(rng: Rng, shape: readonly number[], low = 0, high = 1): tf.Tensor {
  return _fill(rng, shape, (r) => r.uniform(low, high));
}

/**
 * A float32 tensor of zeros (no randomness; here so all initialisers sit in one namespace).
 * @example
 * ```ts
 * const b = init.zeros([768]);
 * ```
 */
export function zeros(shape: readonly number[]): tf.Tensor {
  return tf.zeros([...shape], 'float32');
}

/**
 * A float32 tensor of ones.
 * @example
 * ```ts
 * const gamma = init.ones([768]);
 * ```
 */
export function ones(shape: readonly number[]): tf.Tensor {
  return tf.ones([...shape], 'float32');
}

/**
 * Xavier/Glorot uniform: U(-l, l) with l = gain * sqrt(6 / (fanIn + fanOut)).
 * @example
 * ```ts
 * const w = init.xavierUniform(new Rng(0), [256, 512]);
 * ```
 */
export function xavierUniform(rng: Rng, shape: readonly number[], gain = 1): tf.Tensor {
  const { fanIn, fanOut } = computeFans(shape);
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(rng, shape, -limit, limit);
}

/**
 * Kaiming/He normal: N(0, (gain / sqrt(fan))^2), gain sqrt(2) for ReLU. torchvision's ResNets use
 * mode 'fanOut'; PyTorch's default is 'fanIn'.
 * @example
 * ```ts
 * const k = init.kaimingNormal(new Rng(0), [3, 3, 64, 64], { mode: 'fanOut' });
 * ```
 */
export function kaimingNormal(
  rng: Rng,
  shape: readonly number[],
  opts: { mode?: 'fanIn' | 'fanOut'; gain?: number } = {},
): tf.Tensor {
  const { mode = 'fanIn', gain = Math.SQRT2 } = opts;
  const fans = computeFans(shape);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  return normal(rng, shape, gain / Math.sqrt(Math.max(fan, 1)));
}

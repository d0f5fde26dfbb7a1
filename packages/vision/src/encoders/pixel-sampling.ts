// Pixel-BERT's random pixel sampling (Huang et al., 2020): during pre-training keep a random subset of the
// CNN's grid tokens per image (the paper keeps 100), which saves compute in the fusion transformer and
// acts as a regulariser; at fine-tuning and inference keep them all. Indices are drawn in JavaScript from
// a seeded rng (identical on every backend) and sorted, so kept tokens stay in raster order.
import * as tf from '@tensorflow/tfjs-core';
import { defaultRng, Module } from '@vlp/tensor-core';
import type { AugmentRng } from '../augment/rng.js';

/**
 * For each of `batch` rows, `k` distinct indices in [0, n), ascending (partial Fisher-Yates).
 * Returns a flat [batch * k] array, row-major.
 *
 * @example
 * ```ts
 * samplePixelIndices(2, 49, 10, new Rng(0)); // Int32Array(20), each row of 10 sorted and distinct
 * ```
 */
export function samplePixelIndices(batch: number, n: number, k: number, rng: AugmentRng): Int32Array {
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`need 1 <= k <= ${n}, got ${k}`);
  const out = new Int32Array(batch * k);
  const pool = new Int32Array(n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      const t = pool[i] as number;
      pool[i] = pool[j] as number;
      pool[j] = t;
    }
    const row = pool.slice(0, k).sort();
    out.set(row, b * k);
  }
  return out;
}

/**
 * What {@link RandomPixelSampler.forward} returns: the kept tokens, and which grid cells they were
 * (`null` when everything was kept in order). The caller disposes both.
 *
 * @example
 * ```ts
 * const { tokens, indices } = sampler.forward(feats.tokens);
 * tf.dispose([tokens, indices ?? []]);
 * ```
 */
export interface SampledPixels {
  tokens: tf.Tensor3D;
  /** [B, k] int32 grid-cell indices (raster order), or null in eval / when k >= N. */
  indices: tf.Tensor2D | null;
}

/**
 * Keeps `count` random tokens per image in training mode, all of them in eval mode. Gradients flow to the
 * kept tokens (one-hot selection); dropped ones get zero.
 *
 * @example
 * ```ts
 * const sampler = new RandomPixelSampler(100, new Rng(0));
 * const { tokens } = sampler.forward(cnnFeatures.tokens); // train: [B, 100, D]; after eval(): [B, N, D]
 * ```
 */
export class RandomPixelSampler extends Module {
  readonly count: number;
  readonly rng: AugmentRng;

  constructor(count: number, rng: AugmentRng = defaultRng()) {
    super();
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count must be >= 1, got ${count}`);
    this.count = count;
    this.rng = rng;
  }

  forward(tokens: tf.Tensor3D): SampledPixels {
    const [b, n] = tokens.shape;
    if (!this.training || this.count >= n) return { tokens: tf.clone(tokens), indices: null };
    const k = this.count;
    const idx = samplePixelIndices(b, n, k, this.rng);
    // Selection as a batched one-hot product: gather's gradient (UnsortedSegmentSum) runs one op per
    // grid cell on tfjs-cpu, over a second per step at [8, 64, 32] (measured); a [B, k, N] x [B, N, D]
    // MatMul is exact (one 1 per row) and differentiates as a MatMul.
    const select = new Float32Array(b * k * n); // [B, k, N]
    for (let i = 0; i < idx.length; i++) select[i * n + (idx[i] as number)] = 1;
    return tf.tidy(() => ({
      tokens: tf.matMul(tf.tensor3d(select, [b, k, n]), tokens) as tf.Tensor3D, // [B, k, D]
      indices: tf.tensor2d(idx, [b, k], 'int32'), // [B, k]
    }));
  }
}

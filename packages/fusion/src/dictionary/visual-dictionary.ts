// SOHO's Visual Dictionary (Huang et al., "Seeing Out of tHe bOx: End-to-End Pre-training for
// Vision-Language Representation Learning", CVPR 2021): a codebook of k entries of the feature width that
// quantises every grid feature to its nearest entry (L2). Entries move by exponential moving averages of
// the features assigned to them (VQ-VAE-2 style, Laplace-smoothed counts), never by gradient; the lookup
// passes gradients straight through to the features. Entries that stop being used are re-seeded.
import * as tf from '@tensorflow/tfjs-core';
import { defaultRng, init, Module, type Rng } from '@vlp/tensor-core';
import { _squaredDistances, _stopGradient, _straightThrough } from '../_ops.js';

/**
 * Options of a {@link VisualDictionary}.
 *
 * Dead-entry policy: an entry that receives no feature for `deadAfter` consecutive EMA updates is
 * re-seeded from a valid feature of the current batch, drawn (seeded `Rng`, without replacement) with
 * probability proportional to the feature's squared distance to its nearest entry, k-means++ style, so
 * dead entries land where the dictionary fits worst (e.g. two clusters sharing one entry): entry = sum =
 * that feature, count = 1, idle counter reset. Padding is never drawn. `deadAfter: 0` disables it.
 *
 * @example
 * ```ts
 * const opts: VisualDictionaryOptions = { size: 2048, dim: 768, decay: 0.99, deadAfter: 100 };
 * ```
 */
export interface VisualDictionaryOptions {
  /** Number of entries k (SOHO's best: 2048 at its scale). */
  size: number;
  /** Feature width D. */
  dim: number;
  /** EMA decay of counts and sums; 0 = each update replaces the statistics. Default 0.99. */
  decay?: number;
  /** Laplace smoothing of counts. Default 1e-5. */
  eps?: number;
  /** Re-seed an entry after this many consecutive updates without assignments (0 = never). Default 100. */
  deadAfter?: number;
  /** Std of the normal initial entries. Default 1. */
  initStd?: number;
  rng?: Rng;
}

/**
 * Usage statistics of one forward pass, scalars for logging (caller disposes with the output).
 * @example
 * ```ts
 * const { perplexity, deadEntries, usage }: VisualDictionaryStats = vd.forward(x).stats;
 * ```
 */
export type VisualDictionaryStats = {
  /** exp(entropy) of the batch's assignment histogram: 1 = collapse, k = uniform use. */
  perplexity: tf.Scalar;
  /** Entries idle for at least `deadAfter` updates, counted before re-seeding (int32). */
  deadEntries: tf.Scalar;
  /** Fraction of the k entries used by this batch. */
  usage: tf.Scalar;
};

/**
 * What {@link VisualDictionary.forward} returns; fresh tensors the caller disposes (`tf.dispose(out)`).
 * @example
 * ```ts
 * const { quantized, ids, stats }: VisualDictionaryOutput = vd.forward(features);
 * ```
 */
export type VisualDictionaryOutput = {
  /** Entries in the forward pass, gradient straight through to the features: [..., D]. */
  quantized: tf.Tensor;
  /** Index of the nearest entry: [...] int32. */
  ids: tf.Tensor;
  stats: VisualDictionaryStats;
};

/**
 * Per-call options of {@link VisualDictionary.forward}.
 * @example
 * ```ts
 * vd.forward(tokens, { mask: validTokens, update: false } satisfies VisualDictionaryCallOptions);
 * ```
 */
export interface VisualDictionaryCallOptions {
  /** Valid positions [...] (1 = real feature): padding neither updates entries nor counts in stats. */
  mask?: tf.Tensor;
  /** Run the EMA update. Default: `this.training`. */
  update?: boolean;
}

/**
 * SOHO's visual dictionary. Buffers (state dict, never trainable): `codebook` [k, D], `emaCount` [k],
 * `emaSum` [k, D], `idle` [k] (updates since last use).
 *
 * @example
 * ```ts
 * const vd = new VisualDictionary({ size: 64, dim: 32, decay: 0.9, rng: new Rng(0) });
 * const { quantized, ids, stats } = vd.forward(gridTokens); // [B, N, 32] -> [B, N, 32], [B, N]
 * console.log('perplexity', (await stats.perplexity.data())[0]);
 * tf.dispose([quantized, ids, stats]);
 * ```
 */
export class VisualDictionary extends Module {
  readonly size: number;
  readonly dim: number;
  readonly decay: number;
  readonly eps: number;
  readonly deadAfter: number;
  readonly codebook: tf.Variable;
  readonly emaCount: tf.Variable;
  readonly emaSum: tf.Variable;
  readonly idle: tf.Variable;
  private readonly rng: Rng;

  constructor(opts: VisualDictionaryOptions) {
    super();
    const { size, dim } = opts;
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(dim) || dim < 1) {
      throw new Error(`VisualDictionary: size and dim must be positive integers, got ${size}, ${dim}`);
    }
    this.size = size;
    this.dim = dim;
    this.decay = opts.decay ?? 0.99;
    if (!(this.decay >= 0 && this.decay < 1))
      throw new Error(`VisualDictionary: decay ${this.decay} not in [0, 1)`);
    this.eps = opts.eps ?? 1e-5;
    this.deadAfter = opts.deadAfter ?? 100;
    this.rng = (opts.rng ?? defaultRng()).fork('visual-dictionary');
    const start = init.normal(this.rng, [size, dim], opts.initStd ?? 1); // [k, D]
    // count 1 and sum = entry, so entry = sum / count holds from the start.
    this.emaSum = this.registerBuffer('emaSum', tf.clone(start));
    this.codebook = this.registerBuffer('codebook', start);
    this.emaCount = this.registerBuffer('emaCount', init.ones([size]));
    this.idle = this.registerBuffer('idle', init.zeros([size]));
  }

  /**
   * Nearest entry (L2) of every feature: x [..., D] -> ids [...] int32. Ties go to the lower index.
   * @example
   * ```ts
   * const ids = vd.assign(features); // [B, N]
   * ```
   */
  assign(x: tf.Tensor): tf.Tensor {
    this._checkFeatures(x);
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.dim]) as tf.Tensor2D; // [M, D]
      const d = _squaredDistances(flat, this.codebook as tf.Tensor2D); // [M, k]
      return tf.reshape(tf.argMin(d, 1), x.shape.slice(0, -1)); // [...]
    });
  }

  /**
   * Quantises x [..., D]; in training (or with `update: true`) then moves the entries by EMA of the
   * detached features. The returned tensors reflect the entries before this call's update.
   */
  forward(x: tf.Tensor, opts: VisualDictionaryCallOptions = {}): VisualDictionaryOutput {
    this._checkFeatures(x);
    const m = x.size / this.dim;
    const out = tf.tidy(() => {
      const flat = tf.reshape(x, [m, this.dim]) as tf.Tensor2D; // [M, D]
      const dist = _squaredDistances(flat, this.codebook as tf.Tensor2D); // [M, k]
      const ids = tf.argMin(dist, 1); // [M]
      const onehotIds = tf.oneHot(ids, this.size); // [M, k]
      // One-hot matMul rather than gather: tfjs's Gather gradient hands int32 "gradients" to its indices,
      // which the tape rejects whenever the ids depend on a differentiated tensor.
      const e = tf.matMul(tf.cast(onehotIds, 'float32'), this.codebook); // [M, D]
      const weights = opts.mask ? tf.reshape(tf.cast(opts.mask, 'float32'), [m]) : tf.ones([m]); // [M]
      const onehot = tf.mul(onehotIds, tf.expandDims(weights, 1)); // [M, k]
      const counts = tf.sum(onehot, 0); // [k]
      const p = tf.div(counts, tf.maximum(tf.sum(counts), 1)); // [k]
      const entropy = tf.neg(tf.sum(tf.mul(p, tf.log(tf.add(p, 1e-10)))));
      const used = tf.cast(tf.greater(counts, 0), 'float32'); // [k]
      const idleAfter = tf.mul(tf.add(this.idle, 1), tf.sub(1, used)); // [k]
      const dead =
        this.deadAfter > 0
          ? tf.sum(tf.cast(tf.greaterEqual(idleAfter, this.deadAfter), 'int32'))
          : tf.scalar(0, 'int32');
      return {
        quantized: tf.reshape(_straightThrough(flat, e), x.shape), // [..., D]
        ids: tf.reshape(ids, x.shape.slice(0, -1)), // [...]
        stats: {
          perplexity: tf.exp(entropy) as tf.Scalar,
          deadEntries: dead as tf.Scalar,
          usage: tf.mean(used) as tf.Scalar,
        },
        onehot,
        // quantisation error of each valid feature (0 for padding): the re-seeding weights
        error: _stopGradient(tf.mul(tf.min(dist, 1), weights)), // [M]
        idleAfter,
      };
    });
    if (opts.update ?? this.training) this._update(x, out.onehot, out.error, out.idleAfter);
    tf.dispose([out.onehot, out.error, out.idleAfter]);
    return { quantized: out.quantized, ids: out.ids, stats: out.stats };
  }

  /**
   * Ids [...] -> entries [..., D] (no gradient to the codebook).
   * @example
   * ```ts
   * const e = vd.lookup(ids); // [B, N, D]
   * ```
   */
  lookup(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => _stopGradient(tf.gather(this.codebook, ids)));
  }

  /** EMA step from detached features and the (mask-weighted) assignment matrix [M, k]; no host reads. */
  private _update(x: tf.Tensor, onehot: tf.Tensor, error: tf.Tensor, idleAfter: tf.Tensor): void {
    const m = x.size / this.dim;
    // Gumbel noise from the seeded JS Rng (uploaded, never read back, so WebGPU needs no sync).
    const gumbel =
      this.deadAfter > 0
        ? Float32Array.from({ length: m }, () => -Math.log(-Math.log(Math.max(this.rng.uniform(), 1e-12))))
        : undefined;
    const next = tf.tidy(() => {
      const flat = _stopGradient(tf.reshape(x, [m, this.dim])); // [M, D]
      const counts = tf.sum(onehot, 0); // [k]
      const sums = tf.matMul(onehot, flat, true, false); // [k, D]
      const d = this.decay;
      let count = tf.add(tf.mul(this.emaCount, d), tf.mul(counts, 1 - d)); // [k]
      let sum = tf.add(tf.mul(this.emaSum, d), tf.mul(sums, 1 - d)); // [k, D]
      let idle = tf.clone(idleAfter); // [k]
      if (gumbel !== undefined) {
        // Gumbel-top-k = sampling rows without replacement with probability proportional to their error;
        // padding (error 0 and weight -1e30) is drawn only if every real feature sits exactly on an entry.
        const valid = tf.cast(tf.greater(error, 0), 'float32'); // [M]
        const logits = tf.add(tf.log(tf.add(error, 1e-30)), tf.mul(tf.sub(valid, 1), 1e30)); // [M]
        const picks = Math.min(this.size, m);
        const order = tf.topk(tf.add(logits, tf.tensor1d(gumbel)), picks).indices; // [picks], best first
        const dead = tf.cast(tf.greaterEqual(idle, this.deadAfter), 'float32'); // [k]
        // The j-th dead entry takes the j-th draw (wrapping over the valid rows when there are fewer).
        const rank = tf.cast(tf.cumsum(dead, 0, true), 'int32'); // [k]
        const nValid = tf.cast(tf.maximum(tf.sum(valid), 1), 'int32');
        const rows = tf.gather(order, tf.mod(rank, nValid)); // [k]
        const dead2 = tf.expandDims(dead, 1); // [k, 1]
        const fresh = tf.gather(flat, rows); // [k, D]
        sum = tf.add(tf.mul(fresh, dead2), tf.mul(sum, tf.sub(1, dead2))); // [k, D]
        count = tf.add(dead, tf.mul(count, tf.sub(1, dead))); // [k]
        idle = tf.mul(idle, tf.sub(1, dead)); // [k]
      }
      // Laplace smoothing keeps never-used entries' divisor positive without moving the total.
      const total = tf.sum(count);
      const smoothed = tf.mul(tf.div(tf.add(count, this.eps), tf.add(total, this.size * this.eps)), total); // [k]
      const codebook = tf.div(sum, tf.expandDims(smoothed, 1)); // [k, D]
      return { count, sum, idle, codebook };
    });
    this.emaCount.assign(next.count);
    this.emaSum.assign(next.sum);
    this.idle.assign(next.idle);
    this.codebook.assign(next.codebook);
    tf.dispose(next);
  }

  private _checkFeatures(x: tf.Tensor): void {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.dim) {
      throw new Error(`VisualDictionary: features must be [..., ${this.dim}], got [${x.shape}]`);
    }
  }
}

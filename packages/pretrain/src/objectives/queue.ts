// The feature queues of ALBEF (Li et al. 2021) and MoCo (He et al. 2020): a ring buffer of the momentum
// model's L2-normalised features from past batches, used as extra contrastive negatives. The queue size
// must be a multiple of the batch size so each enqueue writes one contiguous block. State (features and
// write pointer) is saveable as tensors for exact resume.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@vlp/tensor-core';

/**
 * A ring buffer of [size, dim] features, initialised with L2-normalised Gaussian noise from `rng` (as
 * ALBEF does), updated without gradients.
 * @example
 * ```ts
 * const queue = new FeatureQueue({ size: 64, dim: 16, batchSize: 8, rng: rng.fork('queue') });
 * itcLoss({ ..., textQueue: queue.features });
 * queue.enqueue(textEmbedsM); // after the step
 * ```
 */
export class FeatureQueue {
  readonly size: number;
  readonly dim: number;
  readonly batchSize: number;
  /** [size, dim] the stored features (a non-trainable variable; do not dispose). */
  readonly features: tf.Variable;
  private ptr = 0;

  constructor(opts: { size: number; dim: number; batchSize: number; rng: Rng }) {
    const { size, dim, batchSize } = opts;
    if (!(batchSize > 0 && size > 0 && size % batchSize === 0)) {
      throw new Error(
        `FeatureQueue: size ${size} must be a positive multiple of the batch size ${batchSize}`,
      );
    }
    this.size = size;
    this.dim = dim;
    this.batchSize = batchSize;
    const noise = new Float32Array(size * dim);
    for (let i = 0; i < noise.length; i++) noise[i] = opts.rng.normal();
    this.features = tf.tidy(() => {
      const x = tf.tensor2d(noise, [size, dim]); // [Q, D]
      return tf.variable(tf.div(x, tf.norm(x, 'euclidean', 1, true)), false);
    });
  }

  /** Index of the next row to write. */
  get pointer(): number {
    return this.ptr;
  }

  /**
   * Writes `feats` [batchSize, dim] at the pointer and advances it (wrapping). The input is copied.
   * @example
   * ```ts
   * queue.enqueue(imageEmbedsM);
   * ```
   */
  enqueue(feats: tf.Tensor): void {
    const [b, d] = feats.shape as [number, number];
    if (b !== this.batchSize || d !== this.dim) {
      throw new Error(
        `FeatureQueue.enqueue: expected [${this.batchSize}, ${this.dim}], got [${feats.shape}]`,
      );
    }
    const p = this.ptr;
    tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      if (p > 0) parts.push(tf.slice(this.features, [0, 0], [p, d]));
      parts.push(feats);
      const rest = this.size - p - b;
      if (rest > 0) parts.push(tf.slice(this.features, [p + b, 0], [rest, d]));
      this.features.assign(tf.concat(parts)); // [Q, D]
    });
    this.ptr = (p + b) % this.size;
  }

  /**
   * State for checkpoints: `features` [Q, D] and `ptr` (int32 scalar). New tensors owned by the caller.
   * @example
   * ```ts
   * const sd = queue.stateDict(); // { features, ptr }
   * ```
   */
  stateDict(): Record<string, tf.Tensor> {
    return { features: tf.clone(this.features), ptr: tf.scalar(this.ptr, 'int32') };
  }

  /**
   * Restores a state saved by {@link FeatureQueue.stateDict}.
   * @example
   * ```ts
   * queue.loadStateDict(sd);
   * ```
   */
  loadStateDict(sd: Record<string, tf.Tensor>): void {
    const f = sd.features;
    const p = sd.ptr;
    if (f === undefined || p === undefined)
      throw new Error('FeatureQueue.loadStateDict: needs features and ptr');
    if (f.shape.join() !== this.features.shape.join()) {
      throw new Error(`FeatureQueue.loadStateDict: features [${f.shape}] != [${this.features.shape}]`);
    }
    this.features.assign(f);
    this.ptr = p.dataSync()[0] as number;
  }

  /** Frees the stored features. */
  dispose(): void {
    this.features.dispose();
  }
}

// Multi-head attention (Vaswani et al., 2017) in timm layout: a fused `qkv` projection for self-attention,
// separate `q` and fused `kv` projections for cross-attention (ALBEF's fusion layers attend from text to
// image tokens), and an output projection `proj`. Masks are keep-masks: 1 = may attend, 0 = blocked.
import * as tf from '@tensorflow/tfjs-core';
import { attentionWeights, scaledDotProductAttention } from '../ops/attention.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/**
 * Options for {@link MultiHeadAttention}.
 * @example
 * ```ts
 * const opts: MultiHeadAttentionOptions = { dim: 64, heads: 4, kvDim: 96, dropout: 0.1, rng: new Rng(0) };
 * ```
 */
export interface MultiHeadAttentionOptions {
  /** Model width D (queries and output). */
  dim: number;
  heads: number;
  /** Width of the keys/values input. Giving it (or `cross: true`) makes this a cross-attention. */
  kvDim?: number;
  /** Cross-attention even when kvDim equals dim. Default: true iff kvDim is given. */
  cross?: boolean;
  /** Dropout on the attention probabilities and after the output projection. Default 0. */
  dropout?: number;
  /** Bias on the q/k/v projections. Default true. */
  qkvBias?: boolean;
  rng?: Rng;
}

/**
 * Per-call options of {@link MultiHeadAttention.forward}.
 * @example
 * ```ts
 * attn.forward(x, undefined, { mask: paddingMask(attentionMask) } satisfies AttentionCallOptions);
 * ```
 */
export interface AttentionCallOptions {
  /**
   * Keep-mask broadcastable to [B, heads, Tq, Tk]: padding masks via `paddingMask(mask [B, Tk])`
   * ([B, 1, 1, Tk]), block masks as [Tq, Tk] or [B, 1, Tq, Tk].
   */
  mask?: tf.Tensor;
}

/**
 * Multi-head scaled dot-product attention: q [B, Tq, D], kv [B, Tk, kvDim] (cross only) -> [B, Tq, D].
 * @example
 * ```ts
 * const attn = new MultiHeadAttention({ dim: 64, heads: 4, rng: new Rng(0) });
 * const y = attn.forward(x, undefined, { mask: paddingMask(attentionMask) }); // x [B, T, 64]
 * const cross = new MultiHeadAttention({ dim: 64, heads: 4, kvDim: 96, rng: new Rng(0) });
 * const z = cross.forward(text, image); // text [B, Tt, 64], image [B, Ti, 96] -> [B, Tt, 64]
 * ```
 */
export class MultiHeadAttention extends Module {
  readonly dim: number;
  readonly heads: number;
  readonly headDim: number;
  readonly isCross: boolean;
  /** Fused [D, 3D] projection (self-attention only). */
  readonly qkv: Linear | undefined;
  /** Query projection [D, D] (cross-attention only). */
  readonly q: Linear | undefined;
  /** Fused key/value projection [kvDim, 2D] (cross-attention only). */
  readonly kv: Linear | undefined;
  readonly proj: Linear;
  readonly attnDrop: Dropout;
  readonly projDrop: Dropout;

  constructor(opts: MultiHeadAttentionOptions) {
    super();
    const { dim, heads } = opts;
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) {
      throw new Error(`MultiHeadAttention: dim ${dim} must be divisible by heads ${heads}`);
    }
    const rng = opts.rng ?? defaultRng();
    const bias = opts.qkvBias ?? true;
    this.dim = dim;
    this.heads = heads;
    this.headDim = dim / heads;
    this.isCross = opts.cross ?? opts.kvDim !== undefined;
    if (this.isCross) {
      this.qkv = undefined;
      this.q = this.registerModule('q', new Linear(dim, dim, { rng, bias }));
      this.kv = this.registerModule('kv', new Linear(opts.kvDim ?? dim, 2 * dim, { rng, bias }));
    } else {
      this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim, { rng, bias }));
      this.q = undefined;
      this.kv = undefined;
    }
    this.proj = this.registerModule('proj', new Linear(dim, dim, { rng }));
    this.attnDrop = this.registerModule('attnDrop', new Dropout(opts.dropout ?? 0, rng));
    this.projDrop = this.registerModule('projDrop', new Dropout(opts.dropout ?? 0, rng));
  }

  /** [B, T, D] -> [B, H, T, dh] */
  private splitHeads(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [b, t, this.heads, this.headDim]), [0, 2, 1, 3]);
  }

  /** q, k, v as [B, H, T, dh]. */
  private project(x: tf.Tensor, kv: tf.Tensor | undefined): [tf.Tensor, tf.Tensor, tf.Tensor] {
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw new Error(`MultiHeadAttention: queries must be [B, T, ${this.dim}], got [${x.shape}]`);
    }
    if (this.qkv !== undefined) {
      if (kv !== undefined) {
        throw new Error(
          'MultiHeadAttention: built for self-attention; pass kvDim or cross: true for kv input',
        );
      }
      const [q, k, v] = tf.split(this.qkv.forward(x), 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor]; // 3 x [B, T, D]
      return [this.splitHeads(q), this.splitHeads(k), this.splitHeads(v)];
    }
    if (kv === undefined || kv.rank !== 3 || kv.shape[0] !== x.shape[0]) {
      throw new Error(
        `MultiHeadAttention: cross-attention needs kv [B=${x.shape[0]}, Tk, kvDim], got ${kv?.shape}`,
      );
    }
    const q = (this.q as Linear).forward(x); // [B, Tq, D]
    const [k, v] = tf.split((this.kv as Linear).forward(kv), 2, -1) as [tf.Tensor, tf.Tensor]; // 2 x [B, Tk, D]
    return [this.splitHeads(q), this.splitHeads(k), this.splitHeads(v)];
  }

  /**
   * q [B, Tq, D], kv [B, Tk, kvDim] for cross-attention (omit for self-attention) -> [B, Tq, D].
   */
  forward(x: tf.Tensor, kv?: tf.Tensor, opts: AttentionCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [b, tq] = x.shape as [number, number, number];
      const [q, k, v] = this.project(x, kv); // [B, H, T*, dh]
      const dropout =
        this.training && this.attnDrop.p > 0 ? (p: tf.Tensor) => this.attnDrop.forward(p) : undefined;
      const o = scaledDotProductAttention(q, k, v, { mask: opts.mask, dropout }); // [B, H, Tq, dh]
      const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, tq, this.dim]); // [B, Tq, D]
      return this.projDrop.forward(this.proj.forward(merged));
    });
  }

  /**
   * The attention probabilities [B, heads, Tq, Tk] (before dropout), for inspection and tests.
   * @example
   * ```ts
   * const w = attn.attentionWeights(x, undefined, { mask }); // rows sum to 1, blocked keys get 0
   * ```
   */
  attentionWeights(x: tf.Tensor, kv?: tf.Tensor, opts: AttentionCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [q, k] = this.project(x, kv);
      return attentionWeights(q, k, { mask: opts.mask });
    });
  }
}

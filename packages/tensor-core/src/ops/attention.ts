// Scaled dot-product attention (Vaswani et al., 2017) on [B, H, T, d] tensors with a keep-mask:
// 1 = may attend, 0 = blocked, broadcastable to [B, H, Tq, Tk]. Covers padding masks ([B, 1, 1, Tk]) and
// arbitrary block masks ([Tq, Tk] or [B, 1, Tq, Tk]) such as UNIMO-2's grounded-transformer mask.
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

/**
 * Added to the logits of blocked keys: exp() of it underflows to exactly 0 in float32.
 * @example
 * ```ts
 * const bias = tf.mul(tf.sub(1, keep), MASK_NEGATIVE); // 0 where allowed
 * ```
 */
export const MASK_NEGATIVE = -1e9;

/**
 * Options shared by {@link attentionWeights} and {@link scaledDotProductAttention}.
 * @example
 * ```ts
 * scaledDotProductAttention(q, k, v, { mask, dropout: (p) => dropout(p, 0.1, rng) } satisfies AttentionOptions);
 * ```
 */
export interface AttentionOptions {
  /** Keep-mask broadcastable to [B, H, Tq, Tk]; any dtype, nonzero = may attend. */
  mask?: tf.Tensor;
  /** Logit scale; default 1 / sqrt(d). */
  scale?: number;
  /** Applied to the attention probabilities (e.g. a seeded dropout); must keep the shape. */
  dropout?: (probs: tf.Tensor) => tf.Tensor;
}

function _checkMask(mask: tf.Tensor, target: number[]): void {
  const [b, h, tq, tk] = target;
  const ok =
    mask.rank <= 4 &&
    mask.shape.every((d, i) => {
      const t = target[4 - mask.rank + i];
      return d === 1 || d === t;
    });
  if (!ok) {
    const hint =
      mask.rank === 2 && mask.shape[0] === b ? ' (for a [B, Tk] padding mask use paddingMask())' : '';
    throw new Error(
      `attention mask [${mask.shape}] does not broadcast to [B=${b}, H=${h}, Tq=${tq}, Tk=${tk}]${hint}`,
    );
  }
}

/**
 * A [B, Tk] attention mask (1 = token, 0 = padding) as a keep-mask [B, 1, 1, Tk] for attention.
 * @example
 * ```ts
 * const m = paddingMask(tf.tensor2d([[1, 1, 0]], [1, 3], 'int32')); // [1, 1, 1, 3]
 * ```
 */
export function paddingMask(attentionMask: tf.Tensor): tf.Tensor4D {
  if (attentionMask.rank !== 2) {
    throw new Error(`paddingMask: expected [B, Tk], got [${attentionMask.shape}]`);
  }
  const [b, tk] = attentionMask.shape as [number, number];
  return tf.tidy(() => tf.reshape(tf.cast(attentionMask, 'float32'), [b, 1, 1, tk]));
}

/**
 * Softmax(q k^T * scale + maskBias) over keys: [B, H, Tq, Tk]. Softmax runs in float32.
 * @example
 * ```ts
 * const w = attentionWeights(tf.ones([1, 2, 3, 4]), tf.ones([1, 2, 5, 4])); // [1, 2, 3, 5]
 * ```
 */
export function attentionWeights(q: tf.Tensor, k: tf.Tensor, opts: AttentionOptions = {}): tf.Tensor {
  if (q.rank !== 4 || k.rank !== 4 || q.shape[3] !== k.shape[3]) {
    throw new Error(`attention: q [${q.shape}] and k [${k.shape}] must be [B, H, T, d] with equal d`);
  }
  const d = q.shape[3] as number;
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  if (opts.mask !== undefined) {
    _checkMask(opts.mask, [q.shape[0], q.shape[1], q.shape[2], k.shape[2]] as number[]);
  }
  return tf.tidy(() => {
    let logits = tf.mul(tf.matMul(q, k, false, true), scale); // [B, H, Tq, Tk]
    if (logits.dtype !== 'float32') logits = tf.cast(logits, 'float32');
    if (opts.mask !== undefined) {
      const keep = tf.cast(tf.notEqual(opts.mask, 0), 'float32');
      const bias = tf.mul(tf.sub(1, keep), MASK_NEGATIVE); // 0 where allowed, -1e9 where blocked
      logits = tf.add(logits, bias);
    }
    return tf.softmax(logits, -1);
  });
}

/**
 * softmax(q k^T / sqrt(d) + maskBias) v for q [B, H, Tq, d], k/v [B, H, Tk, d] -> [B, H, Tq, d].
 * Intermediates are tidied. A query whose keys are all blocked gets a uniform average (never NaN).
 * @example
 * ```ts
 * const mask = paddingMask(tf.tensor2d([[1, 1, 0]], [1, 3], 'int32'));
 * const o = scaledDotProductAttention(q, k, v, { mask }); // q [1, H, Tq, d], k/v [1, H, 3, d]
 * ```
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  opts: AttentionOptions = {},
): tf.Tensor {
  if (v.rank !== 4 || v.shape[2] !== k.shape[2]) {
    throw new Error(`attention: v [${v.shape}] must be [B, H, Tk, dv] with Tk of k [${k.shape}]`);
  }
  // Fused-kernel dispatch (ORT backend, owner: backends/ort): one graph forward, one backward; the keep-mask
  // becomes an additive bias (a scalar 0 when there is none).
  const fusable =
    [q, k, v].every((t) => t.dtype === 'float32' && t.size > 0) && q.rank === 4 && q.shape[3] === k.shape[3];
  if (fusedKernelFor('VlpScaledDotProductAttention') && fusable && opts.dropout === undefined) {
    if (opts.mask) _checkMask(opts.mask, [q.shape[0], q.shape[1], q.shape[2], k.shape[2]] as number[]);
    const scale = opts.scale ?? 1 / Math.sqrt(q.shape[3] as number);
    return tf.tidy(() => {
      const mask = opts.mask;
      const bias =
        mask === undefined
          ? tf.scalar(0)
          : tf.mul(tf.sub(1, tf.cast(tf.notEqual(mask, 0), 'float32')), MASK_NEGATIVE); // 0 or -1e9
      return tf.engine().runKernel('VlpScaledDotProductAttention', { q, k, v, bias }, { scale }) as tf.Tensor;
    });
  }
  return tf.tidy(() => {
    let probs = attentionWeights(q, k, opts); // [B, H, Tq, Tk]
    if (opts.dropout) probs = opts.dropout(probs);
    return tf.matMul(probs, v); // [B, H, Tq, dv]
  });
}

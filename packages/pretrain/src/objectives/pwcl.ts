// Pair-wise contrastive loss (PwCL) of CAVL (Contrastive and Adaptive representations of Vision and
// Language): L = -log( sum_i s(E_i, F_i) / sum_{i != j} s(E_i, F_j) ), a ratio of sums over the batch rather
// than InfoNCE's per-row softmax. With s = cosine the sums can be zero or negative, so the log is undefined;
// we guard it by using s = exp(cos / tau) (tau = 1 by default), which keeps every term positive and leaves
// the loss's meaning as written. Computed with log-sum-exp for stability.
// Measured on the emoji mini-corpus (cavl-tiny: vit-tiny + bert-tiny, 200-300 steps, test/recipes probes):
// as written, the ratio of batch sums does not teach per-pair retrieval. With tau learnable it runs to its
// floor and the loss to -130 while in-batch image->text accuracy on 16 pairs stays at chance; with tau fixed
// in [0.05, 1], lr in [3e-4, 2e-3] and B in [4, 24] the loss falls (e.g. 1.95 -> -0.9) but accuracy stays at
// 1/16-2/16 on 48 pairs (3/16 at best on 16 pairs), the embeddings collapsing to one or two clusters. Why: d L / d cos_ii = -softmax_i(cos_ii/tau)
// / tau, so at small tau the pull goes to the positive that is already closest (rich get richer), and at
// large tau exp(cos/tau) is nearly linear in cos, where any configuration with zero embedding sum (two
// opposite clusters) is optimal; there is no per-row competition as in InfoNCE. ALGORITHMS.md's other guard,
// a shift s = (1 + cos) / 2, is that linear case exactly (measured: loss 1.94 -> 1.14, accuracy 2/16 of 16). The same towers with ITC
// reach 10x chance in 200 steps. We keep the loss as ALGORITHMS.md asks and report this, not a variant.
import * as tf from '@tensorflow/tfjs-core';
import { MASK_NEGATIVE } from '@vlp/tensor-core';
import { _accuracy, _arange, _l2Normalize } from './_ops.js';
import type { ObjectiveOutput, TemperatureLike } from './types.js';

/**
 * Named features for {@link pwclLoss}.
 * @example
 * ```ts
 * const f: PwclFeatures = { textEmbeds, imageEmbeds, temperature: 1 };
 * ```
 */
export interface PwclFeatures {
  /** [B, D] text embeddings E (normalised inside: s uses cosine similarity). */
  textEmbeds: tf.Tensor;
  /** [B, D] image embeddings F. */
  imageEmbeds: tf.Tensor;
  /** tau in s = exp(cos / tau). Default 1. */
  temperature?: TemperatureLike;
}

/**
 * PwCL: `-(logsumexp_i(cos_ii / tau) - logsumexp_{i != j}(cos_ij / tau))`, i.e.
 * `-log(sum_i exp(cos_ii/tau) / sum_{i!=j} exp(cos_ij/tau))`. Needs B >= 2. Logs `acc` (text-to-image
 * in-batch retrieval accuracy).
 * @example
 * ```ts
 * const { losses } = pwclLoss({ textEmbeds, imageEmbeds }); // losses.pwcl
 * ```
 */
export function pwclLoss(f: PwclFeatures): ObjectiveOutput {
  const b = f.textEmbeds.shape[0] as number;
  if (b < 2) throw new Error(`pwclLoss: needs at least 2 pairs (there are no negatives), got ${b}`);
  return tf.tidy(() => {
    const tau = f.temperature ?? 1;
    const cos = tf.matMul(_l2Normalize(f.textEmbeds), _l2Normalize(f.imageEmbeds), false, true); // [B, B]
    const logits = tf.div(cos, tau); // [B, B]
    const eye = tf.eye(b); // [B, B]
    const pos = tf.logSumExp(tf.sum(tf.mul(logits, eye), 1)); // [] log sum_i exp(s_ii)
    const offDiag = tf.add(logits, tf.mul(eye, MASK_NEGATIVE)); // [B, B], diagonal pushed to -1e9
    const neg = tf.logSumExp(tf.reshape(offDiag, [-1])); // [] log sum_{i!=j} exp(s_ij)
    const pwcl = tf.neg(tf.sub(pos, neg)) as tf.Scalar;
    return { losses: { pwcl }, logs: { acc: _accuracy(logits, _arange(b)) } };
  });
}

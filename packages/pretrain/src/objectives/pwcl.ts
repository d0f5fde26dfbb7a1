// Pair-wise contrastive loss (PwCL) of CAVL (Contrastive and Adaptive representations of Vision and
// Language): L = -log( sum_i s(E_i, F_i) / sum_{i != j} s(E_i, F_j) ), a ratio of sums over the batch rather
// than InfoNCE's per-row softmax. With s = cosine the sums can be zero or negative, so the log is undefined;
// we guard it by using s = exp(cos / tau), which keeps every term positive and leaves the loss's meaning as
// written. Computed with log-sum-exp for stability. The cavl-* recipes give PwCL its own FIXED tau = 0.5
// (recipe field `pwcl.temperature`) and train it together with ITC at weight 1; why, measured on the emoji
// mini-corpus (cavl-tiny: vit-tiny + bert-tiny, B = 16 of 48 pairs, 200-500 steps, 16-pair in-batch accuracy):
// - PwCL alone does not teach per-pair retrieval from scratch. Fixed tau 0.05 / 0.1 / 0.2 / 0.3 / 0.5 / 0.7 / 1,
//   lr 5e-4-5e-3, B 16-48 and tau annealed 1 -> 0.2 or 0.3 all end at 1/16-2/16 (chance 1/16) while the loss
//   falls (e.g. tau 0.3: 2.70 -> 0.69). The towers find a degenerate minimum: one pair aligned, every other
//   image collapsed to one point and every other text anti-aligned to it (cos ~ -0.9, where the gradient of a
//   normalised cosine vanishes). Why: the ratio is unchanged when all cosines move together, and
//   dL/dcos_ii = -softmax_i(cos_ii / tau) / tau puts the pull on the pair that is already best (the
//   numerator's logsumexp, rich get richer); when all images coincide L = log(B - 1) for any texts, with zero
//   gradient (tested). At tau = 1 (near-linear in cos) positives align (cos 0.99) but into two clusters, which
//   the linear loss cannot tell from the simplex. ALGORITHMS.md's other guard, a shift s = (1 + cos) / 2, is
//   that linear case (measured: loss 1.94 -> 1.14, accuracy 2/16). With free embeddings instead of towers
//   (no shared parameters) the same loss at tau 0.3 or 1 does reach the simplex (accuracy 16/16).
// - A learnable tau is degenerate: once the best positive beats the hardest negative, L ~ -(gap) / tau, so tau
//   runs to its floor (0.001; loss -130 to -205) and drags ITC with it when they share one temperature.
// - PwCL + ITC sharing a fixed tau 0.07: weight 1 -> 2/16, 0.5 -> 4/16, 0.2 -> 6/16-13/16 over seeds.
// - PwCL (own tau 0.5) + ITC (learnable): 15/16, 15/16, 14/16 over seeds 0-2 (ITC alone: 15/16), PwCL falling
//   2.71 -> 1.5 (its simplex optimum at B = 16 is ~0.57). test/recipes/cavl.test.ts runs this.
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
  /** tau in s = exp(cos / tau), a fixed number in the cavl recipes (0.5). Default 1. */
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

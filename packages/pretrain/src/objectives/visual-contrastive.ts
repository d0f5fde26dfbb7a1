// Visual contrastive learning on images alone, as UNIMO-2 (Li et al., ACL Findings 2022) trains on unaligned
// images: two augmented views of the same image are positives, the other images of the batch negatives
// (InfoNCE). We use the cross-view form (view A row i against all B views B, and back), averaged over both
// directions, as CLIP/ITC do; SimCLR's same-view negatives are left out.
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '@vlp/tensor-core';
import { _accuracy, _arange, _l2Normalize, _temperature } from './_ops.js';
import type { ObjectiveOutput, TemperatureLike } from './types.js';

/**
 * Named features for {@link visualContrastiveLoss}.
 * @example
 * ```ts
 * const f: VisualContrastiveFeatures = { viewA, viewB, temperature: 0.1 };
 * ```
 */
export interface VisualContrastiveFeatures {
  /** [B, D] embeddings of the first view (normalised inside). */
  viewA: tf.Tensor;
  /** [B, D] embeddings of the second view of the same B images. */
  viewB: tf.Tensor;
  temperature: TemperatureLike;
}

/**
 * InfoNCE between two views: `(CE(a @ b^T / t, diag) + CE(b @ a^T / t, diag)) / 2`. Logs `acc`.
 * @example
 * ```ts
 * const { losses } = visualContrastiveLoss({ viewA, viewB, temperature: 0.1 }); // losses.vcl
 * ```
 */
export function visualContrastiveLoss(f: VisualContrastiveFeatures): ObjectiveOutput {
  const b = f.viewA.shape[0] as number;
  return tf.tidy(() => {
    const t = _temperature(f.temperature);
    const a = _l2Normalize(f.viewA); // [B, D]
    const v = _l2Normalize(f.viewB); // [B, D]
    const ab = tf.div(tf.matMul(a, v, false, true), t); // [B, B]
    const ba = tf.transpose(ab); // [B, B]
    const labels = _arange(b);
    const vcl = tf.div(
      tf.add(softmaxCrossEntropy(ab, labels), softmaxCrossEntropy(ba, labels)),
      2,
    ) as tf.Scalar;
    return { losses: { vcl }, logs: { acc: _accuracy(ab, labels) } };
  });
}

// Masked language modelling loss (BERT; ALBEF's distilled form, Li et al. 2021): cross-entropy at masked
// positions (labels != -100), optionally mixed with a soft target from the momentum model:
// (1 - alpha) * CE(hard) + alpha * CE(softmax(momentum logits)), both over masked positions only. The same
// loss serves UNIMO-2's text-only MLM on unaligned text (registered as `mlm_text`).
import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '@vlp/tensor-core';
import { _stopGradient } from './_ops.js';
import type { ObjectiveOutput } from './types.js';

/**
 * Named features for {@link mlmLoss}.
 * @example
 * ```ts
 * const f: MlmFeatures = { mlmLogits, mlmLabels, momentumLogits, alpha: 0.4 };
 * ```
 */
export interface MlmFeatures {
  /** [B, T, V] (or [N, V]) prediction logits. */
  mlmLogits: tf.Tensor;
  /** [B, T] (or [N]) int32 labels, -100 where nothing is predicted (IGNORE_INDEX of @vlp/text). */
  mlmLabels: tf.Tensor;
  /** [B, T, V] momentum-model logits for distillation (no gradient flows into them). */
  momentumLogits?: tf.Tensor;
  /** Distillation weight; > 0 needs momentumLogits. Default 0. */
  alpha?: number;
  /** Label to ignore. Default -100. */
  ignoreIndex?: number;
}

/**
 * MLM loss over labelled positions; 0 when nothing is masked. Logs `acc` over masked positions and
 * `masked` (their count).
 * @example
 * ```ts
 * const { losses, logs } = mlmLoss({ mlmLogits, mlmLabels }); // losses.mlm
 * ```
 */
export function mlmLoss(f: MlmFeatures): ObjectiveOutput {
  const alpha = f.alpha ?? 0;
  const ignoreIndex = f.ignoreIndex ?? -100;
  if (alpha > 0 && f.momentumLogits === undefined) throw new Error('mlmLoss: alpha > 0 needs momentumLogits');
  return tf.tidy(() => {
    const v = f.mlmLogits.shape[f.mlmLogits.rank - 1] as number;
    const logits = tf.reshape(f.mlmLogits, [-1, v]); // [N, V]
    const labels = tf.reshape(f.mlmLabels, [-1]); // [N]
    const valid = tf.cast(tf.notEqual(labels, ignoreIndex), 'float32'); // [N]
    const count = tf.sum(valid);
    let mlm = softmaxCrossEntropy(logits, labels, { ignoreIndex });
    if (alpha > 0 && f.momentumLogits !== undefined) {
      const soft = tf.softmax(_stopGradient(tf.reshape(f.momentumLogits, [-1, v]))); // [N, V]
      const perRow = tf.neg(tf.sum(tf.mul(soft, tf.logSoftmax(logits)), -1)); // [N]
      const distill = tf.div(tf.sum(tf.mul(perRow, valid)), tf.maximum(count, 1));
      mlm = tf.add(tf.mul(mlm, 1 - alpha), tf.mul(distill, alpha)) as tf.Scalar;
    }
    const hit = tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32'); // [N]
    const acc = tf.div(tf.sum(tf.mul(hit, valid)), tf.maximum(count, 1)) as tf.Scalar;
    return { losses: { mlm }, logs: { acc, masked: count as tf.Scalar } };
  });
}

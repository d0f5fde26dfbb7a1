// Cross-entropy over the last axis with hard labels (int32 class ids, optional ignore index as in BERT's
// MLM, -100) or soft targets (probabilities, as in ALBEF's momentum distillation). Mean over counted rows.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Options for {@link softmaxCrossEntropy}.
 * @example
 * ```ts
 * softmaxCrossEntropy(logits, mlmLabels, { ignoreIndex: -100 } satisfies CrossEntropyOptions);
 * ```
 */
export interface CrossEntropyOptions {
  /** Hard labels equal to this are skipped (no loss, not counted in the mean). Default -100. */
  ignoreIndex?: number;
}

/**
 * Mean cross-entropy of `logits` [..., C] against `targets`: int32 class ids [...] or float soft targets
 * [..., C] (each row a distribution). Computed with log-softmax in float32. Returns a scalar; 0 when every
 * label is ignored.
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(tf.tensor2d([[2, 0, 0]]), tf.tensor1d([0], 'int32')); // ~0.2395
 * ```
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor,
  targets: tf.Tensor,
  opts: CrossEntropyOptions = {},
): tf.Scalar {
  const numClasses = logits.shape[logits.rank - 1] as number;
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const hard = targets.dtype === 'int32';
  if (hard && targets.rank !== logits.rank - 1) {
    throw new Error(
      `softmaxCrossEntropy: labels [${targets.shape}] must be logits [${logits.shape}] minus the last axis`,
    );
  }
  if (!hard && targets.rank !== logits.rank) {
    throw new Error(
      `softmaxCrossEntropy: soft targets [${targets.shape}] must match logits [${logits.shape}]`,
    );
  }
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(tf.cast(logits, 'float32'), [-1, numClasses])); // [N, C]
    if (!hard) {
      const t = tf.reshape(tf.cast(targets, 'float32'), [-1, numClasses]); // [N, C]
      return tf.neg(tf.mean(tf.sum(tf.mul(t, logp), -1))) as tf.Scalar;
    }
    const labels = tf.reshape(targets, [-1]); // [N]
    const valid = tf.notEqual(labels, ignoreIndex); // [N]
    const safe = tf.where(valid, labels, tf.zerosLike(labels)); // [N]
    const onehot = tf.oneHot(safe as tf.Tensor1D, numClasses); // [N, C]
    const nll = tf.neg(tf.sum(tf.mul(onehot, logp), -1)); // [N]
    const validF = tf.cast(valid, 'float32');
    const count = tf.maximum(tf.sum(validF), 1);
    return tf.div(tf.sum(tf.mul(nll, validF)), count) as tf.Scalar;
  });
}

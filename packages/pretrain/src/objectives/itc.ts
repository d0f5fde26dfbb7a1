// Image-text contrastive loss (ITC) of ALBEF (Li et al., "Align before Fuse", NeurIPS 2021): similarity of
// L2-normalised embeddings over a learnable temperature (init 0.07, clamped to [0.001, 0.5]), cross-entropy
// in both directions averaged, negatives from the current batch plus optional momentum-feature queues, and
// momentum distillation (targets = alpha * softmax(momentum logits) + (1 - alpha) * one-hot).
import * as tf from '@tensorflow/tfjs-core';
import { Module, softmaxCrossEntropy } from '@vlp/tensor-core';
import { _accuracy, _arange, _l2Normalize, _stopGradient, _temperature } from './_ops.js';
import type { ObjectiveOutput, TemperatureLike } from './types.js';

/** ALBEF's temperature bounds. */
export const TEMPERATURE_MIN = 0.001;
export const TEMPERATURE_MAX = 0.5;

/**
 * A learnable contrastive temperature (one parameter named `temp`, init 0.07). `value()` clamps into
 * [min, max] (the gradient is zero outside the range); `clamp()` writes the clamped value back, as ALBEF
 * does under `no_grad` after each step, so the parameter never drifts far outside.
 * @example
 * ```ts
 * const temp = new Temperature();
 * const out = itcLoss({ imageEmbeds, textEmbeds, temperature: temp.value() });
 * temp.clamp(); // after the optimizer step
 * ```
 */
export class Temperature extends Module {
  readonly temp: tf.Variable;
  readonly min: number;
  readonly max: number;
  constructor(init = 0.07, opts: { min?: number; max?: number } = {}) {
    super();
    this.min = opts.min ?? TEMPERATURE_MIN;
    this.max = opts.max ?? TEMPERATURE_MAX;
    this.temp = this.registerParameter('temp', tf.scalar(init));
  }
  /** The clamped temperature, a scalar that carries gradient to `temp` inside the range. */
  value(): tf.Scalar {
    return tf.clipByValue(this.temp, this.min, this.max) as tf.Scalar;
  }
  /** Clamps the stored parameter in place (no gradient involved). */
  clamp(): void {
    tf.tidy(() => this.temp.assign(tf.clipByValue(this.temp, this.min, this.max)));
  }
}

/**
 * Linear ramp of the distillation weight over the first epoch (ALBEF: alpha = 0.4 * min(1, i / len)).
 * @example
 * ```ts
 * alphaRamp(50, 100); // 0.2
 * alphaRamp(500, 100, 0.4); // 0.4
 * ```
 */
export function alphaRamp(step: number, stepsPerEpoch: number, alpha = 0.4): number {
  if (stepsPerEpoch <= 0) return alpha;
  return alpha * Math.min(1, Math.max(0, step) / stepsPerEpoch);
}

/**
 * Row-wise L2 normalisation, as the projections feeding ITC apply to their outputs.
 * @example
 * ```ts
 * const e = l2Normalize(linear(cls, w)); // [B, D], unit rows
 * ```
 */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return _l2Normalize(x);
}

/**
 * Named features for {@link itcLoss}. Embeddings are expected L2-normalised (rows of unit norm).
 * @example
 * ```ts
 * const f: ItcFeatures = { imageEmbeds, textEmbeds, temperature: temp.value(), alpha: 0.4,
 *   imageEmbedsM, textEmbedsM, imageQueue: iq.features, textQueue: tq.features };
 * ```
 */
export interface ItcFeatures {
  /** [B, D] image embeddings of the online model. */
  imageEmbeds: tf.Tensor;
  /** [B, D] text embeddings of the online model. */
  textEmbeds: tf.Tensor;
  temperature: TemperatureLike;
  /** [B, D] momentum-model image embeddings: with them the keys are momentum features (ALBEF). */
  imageEmbedsM?: tf.Tensor;
  /** [B, D] momentum-model text embeddings. */
  textEmbedsM?: tf.Tensor;
  /** [Q, D] past momentum image features: extra negatives for text-to-image. */
  imageQueue?: tf.Tensor;
  /** [Q, D] past momentum text features: extra negatives for image-to-text. */
  textQueue?: tf.Tensor;
  /** Distillation weight in [0, 1]; > 0 needs the momentum embeddings. Default 0. */
  alpha?: number;
}

/**
 * ITC: `i2t = imageEmbeds @ textKeys^T / t` and `t2i = textEmbeds @ imageKeys^T / t`, where the keys are
 * the current batch (momentum features when given, else the online ones, stop-gradient either way only for
 * momentum ones) followed by the queue; the positive of row i is column i. Loss = (CE(i2t) + CE(t2i)) / 2
 * with one-hot targets, or with `alpha * softmax(momentum logits) + (1 - alpha) * one-hot` when `alpha > 0`.
 * Logs `acc` (in-batch retrieval accuracy, both directions averaged) and `temperature`.
 * @example
 * ```ts
 * const { losses, logs } = itcLoss({ imageEmbeds, textEmbeds, temperature: 0.07 });
 * losses.itc; // scalar
 * ```
 */
export function itcLoss(f: ItcFeatures): ObjectiveOutput {
  const alpha = f.alpha ?? 0;
  if (alpha > 0 && (f.imageEmbedsM === undefined || f.textEmbedsM === undefined)) {
    throw new Error('itcLoss: alpha > 0 (momentum distillation) needs imageEmbedsM and textEmbedsM');
  }
  const [b] = f.imageEmbeds.shape as [number, number];
  return tf.tidy(() => {
    const t = _temperature(f.temperature);
    const imgM = f.imageEmbedsM === undefined ? undefined : _stopGradient(f.imageEmbedsM); // [B, D]
    const txtM = f.textEmbedsM === undefined ? undefined : _stopGradient(f.textEmbedsM); // [B, D]
    const withQueue = (x: tf.Tensor, q?: tf.Tensor) =>
      q === undefined ? x : tf.concat([x, _stopGradient(q)]);
    const textKeys = withQueue(txtM ?? f.textEmbeds, f.textQueue); // [B+Q, D]
    const imageKeys = withQueue(imgM ?? f.imageEmbeds, f.imageQueue); // [B+Q, D]
    const i2t = tf.div(tf.matMul(f.imageEmbeds, textKeys, false, true), t); // [B, B+Q]
    const t2i = tf.div(tf.matMul(f.textEmbeds, imageKeys, false, true), t); // [B, B+Q]
    const labels = _arange(b); // [B]
    let lossI2t: tf.Scalar;
    let lossT2i: tf.Scalar;
    if (alpha > 0 && imgM !== undefined && txtM !== undefined) {
      const n = textKeys.shape[0] as number;
      const onehot = tf.oneHot(labels, n); // [B, B+Q]
      const tNoGrad = _stopGradient(t);
      const softI2t = tf.softmax(tf.div(tf.matMul(imgM, textKeys, false, true), tNoGrad)); // [B, B+Q]
      const softT2i = tf.softmax(tf.div(tf.matMul(txtM, imageKeys, false, true), tNoGrad)); // [B, B+Q]
      const mix = (s: tf.Tensor) => tf.add(tf.mul(s, alpha), tf.mul(onehot, 1 - alpha));
      lossI2t = softmaxCrossEntropy(i2t, mix(softI2t));
      lossT2i = softmaxCrossEntropy(t2i, mix(softT2i));
    } else {
      lossI2t = softmaxCrossEntropy(i2t, labels);
      lossT2i = softmaxCrossEntropy(t2i, labels);
    }
    const itc = tf.div(tf.add(lossI2t, lossT2i), 2) as tf.Scalar;
    const acc = tf.div(tf.add(_accuracy(i2t, labels), _accuracy(t2i, labels)), 2) as tf.Scalar;
    return { losses: { itc }, logs: { acc, temperature: tf.clone(t) as tf.Scalar } };
  });
}

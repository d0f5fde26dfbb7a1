// Image-text matching (ITM): a 2-way head on the fused [CLS] says match / no match. Negatives are either
// hard ones sampled from the contrastive similarity (ALBEF, Li et al. 2021: for each text one image drawn
// from softmax(similarity) with the positive zeroed, and likewise one text per image) or random ones (SOHO,
// Huang et al. 2021: the caption is swapped for another with probability 0.5). Sampling happens in
// JavaScript with a seeded Rng and returns indices, so no gradient can flow through it; the caller runs
// fusion on the pairs the indices describe.
import * as tf from '@tensorflow/tfjs-core';
import { type Rng, softmaxCrossEntropy } from '@vlp/tensor-core';
import { _accuracy } from './_ops.js';
import type { ObjectiveOutput } from './types.js';

/**
 * Indices of the hard negatives: `imageForText[j]` is the negative image of text j, `textForImage[i]` the
 * negative text of image i.
 * @example
 * ```ts
 * const { imageForText, textForImage } = await sampleHardNegatives({ simI2T, rng });
 * ```
 */
export interface HardNegatives {
  imageForText: number[];
  textForImage: number[];
}

/** Draws one index from unnormalised non-negative weights (the positive already zeroed). */
function _draw(weights: ArrayLike<number>, rng: Rng, exclude: number): number {
  let total = 0;
  for (let k = 0; k < weights.length; k++) total += weights[k] as number;
  if (!(total > 0) || !Number.isFinite(total)) {
    // Degenerate similarities (all mass on the positive): any other index, uniformly.
    const r = rng.int(weights.length - 1);
    return r >= exclude ? r + 1 : r;
  }
  let u = rng.uniform() * total;
  let last = exclude === 0 ? 1 : 0;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k] as number;
    if (w <= 0) continue;
    last = k;
    u -= w;
    if (u < 0) return k;
  }
  return last;
}

/**
 * ALBEF's hard-negative sampling from an image-to-text similarity matrix `simI2T` [B, B] (logits, already
 * divided by the temperature). Row i of softmax(simI2T) with the diagonal zeroed gives the weights of text
 * negatives for image i; row j of softmax(simI2T^T) likewise gives image negatives for text j. Draws with
 * `rng` (images' texts first, then texts' images), returns plain indices. Needs B >= 2.
 * @example
 * ```ts
 * const sim = tf.matMul(imageEmbeds, textEmbeds, false, true).div(temp); // [B, B]
 * const neg = await sampleHardNegatives({ simI2T: sim, rng: rng.fork('itm') });
 * // fusion on B positives, then (image j, text j) for j -> neg.imageForText[j], then neg.textForImage
 * ```
 */
export async function sampleHardNegatives(opts: { simI2T: tf.Tensor; rng: Rng }): Promise<HardNegatives> {
  const [b, b2] = opts.simI2T.shape as [number, number];
  if (b !== b2 || b < 2)
    throw new Error(`sampleHardNegatives: simI2T must be [B, B] with B >= 2, got [${opts.simI2T.shape}]`);
  const [wI2t, wT2i] = tf.tidy(() => {
    const zeroDiag = tf.sub(1, tf.eye(b)); // [B, B]
    return [
      tf.mul(tf.softmax(opts.simI2T, 1), zeroDiag), // [B, B] image i -> text weights
      tf.mul(tf.softmax(tf.transpose(opts.simI2T), 1), zeroDiag), // [B, B] text j -> image weights
    ];
  });
  const i2t = await wI2t.data();
  const t2i = await wT2i.data();
  tf.dispose([wI2t, wT2i]);
  const textForImage: number[] = [];
  for (let i = 0; i < b; i++) textForImage.push(_draw(i2t.subarray(i * b, (i + 1) * b), opts.rng, i));
  const imageForText: number[] = [];
  for (let j = 0; j < b; j++) imageForText.push(_draw(t2i.subarray(j * b, (j + 1) * b), opts.rng, j));
  return { imageForText, textForImage };
}

/**
 * SOHO's random negatives: for each image i the caption index is i (label 1) or, with probability `prob`,
 * another caption of the batch drawn uniformly (label 0).
 * @example
 * ```ts
 * const { textIndex, labels } = sampleRandomNegatives(8, rng); // fuse image i with text textIndex[i]
 * ```
 */
export function sampleRandomNegatives(
  batchSize: number,
  rng: Rng,
  prob = 0.5,
): { textIndex: number[]; labels: number[] } {
  if (batchSize < 2) throw new Error(`sampleRandomNegatives: needs B >= 2, got ${batchSize}`);
  const textIndex: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < batchSize; i++) {
    if (rng.uniform() < prob) {
      const r = rng.int(batchSize - 1);
      textIndex.push(r >= i ? r + 1 : r);
      labels.push(0);
    } else {
      textIndex.push(i);
      labels.push(1);
    }
  }
  return { textIndex, labels };
}

/**
 * ALBEF's ITM labels for B positives followed by 2B negatives: int32 [3B] = [1 x B, 0 x 2B].
 * @example
 * ```ts
 * const labels = itmLabels(4); // [1,1,1,1,0,0,0,0,0,0,0,0]
 * ```
 */
export function itmLabels(batchSize: number): tf.Tensor1D {
  const v = new Int32Array(3 * batchSize);
  v.fill(1, 0, batchSize);
  return tf.tensor1d(v, 'int32');
}

/**
 * Named features for {@link itmLoss}.
 * @example
 * ```ts
 * const f: ItmFeatures = { itmLogits: head.forward(fusedCls), itmLabels: itmLabels(B) };
 * ```
 */
export interface ItmFeatures {
  /** [N, 2] logits of the ITM head (index 1 = match). */
  itmLogits: tf.Tensor;
  /** [N] int32, 1 = matched pair, 0 = negative. */
  itmLabels: tf.Tensor;
}

/**
 * ITM head loss: 2-way cross-entropy. Logs `acc`.
 * @example
 * ```ts
 * const { losses, logs } = itmLoss({ itmLogits, itmLabels }); // losses.itm, logs.acc
 * ```
 */
export function itmLoss(f: ItmFeatures): ObjectiveOutput {
  if (f.itmLogits.shape[f.itmLogits.rank - 1] !== 2) {
    throw new Error(`itmLoss: logits must be [N, 2], got [${f.itmLogits.shape}]`);
  }
  return tf.tidy(() => ({
    losses: { itm: softmaxCrossEntropy(f.itmLogits, f.itmLabels) },
    logs: { acc: _accuracy(f.itmLogits, f.itmLabels) },
  }));
}

// Masked visual modelling (MVM) of SOHO (Huang et al., "Seeing Out of tHe bOx", CVPR 2021): sample visual
// positions, then mask every position of the same image whose visual-dictionary (VD) id equals the id of a
// sampled one (so the model cannot copy the answer from an identical neighbour); predict the VD id of the
// masked positions from the fused output by cosine similarity to the k dictionary entries, cross-entropy over
// masked positions only. The dictionary is updated by moving average, never by this loss: no gradient flows
// into it.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@vlp/tensor-core';
import { _l2Normalize, _stopGradient } from './_ops.js';
import type { ObjectiveOutput } from './types.js';

/**
 * SOHO's masking policy. `vdIds` [B][N] are the VD ids of the visual tokens; each position is sampled with
 * probability `ratio`, then all positions sharing a sampled id in that image are masked. Returns a float32
 * [B, N] mask (1 = masked). When nothing was sampled in an image, one position is forced (so each image
 * contributes), drawn from the same rng.
 * @example
 * ```ts
 * const mask = mvmMask({ vdIds: [[3, 3, 7, 1]], ratio: 0.15, rng }); // e.g. [[1, 1, 0, 0]]
 * ```
 */
export function mvmMask(opts: {
  vdIds: readonly (readonly number[])[];
  ratio?: number;
  rng: Rng;
}): tf.Tensor2D {
  const ratio = opts.ratio ?? 0.15;
  const b = opts.vdIds.length;
  const n = opts.vdIds[0]?.length ?? 0;
  const out = new Float32Array(b * n);
  for (let i = 0; i < b; i++) {
    const row = opts.vdIds[i] as readonly number[];
    if (row.length !== n)
      throw new Error(`mvmMask: ragged vdIds (row ${i} has ${row.length}, expected ${n})`);
    const chosen = new Set<number>();
    for (let p = 0; p < n; p++) if (opts.rng.uniform() < ratio) chosen.add(row[p] as number);
    if (chosen.size === 0 && n > 0) chosen.add(row[opts.rng.int(n)] as number);
    for (let p = 0; p < n; p++) if (chosen.has(row[p] as number)) out[i * n + p] = 1;
  }
  return tf.tensor2d(out, [b, n], 'float32');
}

/**
 * Named features for {@link mvmLoss}.
 * @example
 * ```ts
 * const f: MvmFeatures = { visualOutputs, dictionary: vd.embeddings, vdIds, mvmMask: mask, scale: 10 };
 * ```
 */
export interface MvmFeatures {
  /** [B, N, D] fused outputs at the visual positions. */
  visualOutputs: tf.Tensor;
  /** [K, D] visual-dictionary entries (receives no gradient). */
  dictionary: tf.Tensor;
  /** [B, N] int32 VD ids of the unmasked features (the targets). */
  vdIds: tf.Tensor;
  /** [B, N] float 1 = masked (from {@link mvmMask}). */
  mvmMask: tf.Tensor;
  /** Logit scale applied to cosine similarities (an inverse temperature). Default 10. */
  scale?: number;
}

/**
 * MVM loss: logits = scale * cos(visualOutputs, dictionary) [B, N, K], cross-entropy with the VD ids,
 * averaged over masked positions (0 when none). Logs `acc` over masked positions.
 * @example
 * ```ts
 * const { losses } = mvmLoss({ visualOutputs, dictionary, vdIds, mvmMask: mask }); // losses.mvm
 * ```
 */
export function mvmLoss(f: MvmFeatures): ObjectiveOutput {
  const scale = f.scale ?? 10;
  return tf.tidy(() => {
    const k = f.dictionary.shape[0] as number;
    const d = f.dictionary.shape[1] as number;
    const x = _l2Normalize(tf.reshape(f.visualOutputs, [-1, d])); // [BN, D]
    const dict = _l2Normalize(_stopGradient(f.dictionary)); // [K, D]
    const logits = tf.mul(tf.matMul(x, dict, false, true), scale); // [BN, K]
    const labels = tf.reshape(tf.cast(f.vdIds, 'int32'), [-1]); // [BN]
    const mask = tf.reshape(tf.cast(f.mvmMask, 'float32'), [-1]); // [BN]
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, k), tf.logSoftmax(logits)), -1)); // [BN]
    const count = tf.maximum(tf.sum(mask), 1);
    const mvm = tf.div(tf.sum(tf.mul(nll, mask)), count) as tf.Scalar;
    const hit = tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32'); // [BN]
    const acc = tf.div(tf.sum(tf.mul(hit, mask)), count) as tf.Scalar;
    return { losses: { mvm }, logs: { acc } };
  });
}

// UNIMO-2's grounding loss (Li et al., "UNIMO-2: End-to-End Unified Vision-Language Grounded Learning",
// Findings of ACL 2022): top-K selection is not differentiable, so the grounded dictionary learns by a
// VQ-style pair of MSE terms between the selected codes and soft-weighted means of the tokens:
//   e_latent = MSE(stopgrad(e_k), sum_i w_ik x_i),  w normalised over the sequence (valid tokens i),
//   q_latent = MSE(stopgrad(x_i), sum_k v_ik e_k),  v normalised over the K selected codes,
//   loss = 1.0 * q_latent + 0.25 * e_latent,
// with w and v both from sigmoid(tau * x_i . e_k). Only the targets are stopped, exactly as written, so the
// weights pass gradients to tau, the codes and the tokens.
import * as tf from '@tensorflow/tfjs-core';
import { _stopGradient } from '../_ops.js';

/**
 * Inputs of {@link groundingLoss}.
 * @example
 * ```ts
 * const inputs: GroundingLossInputs = { tokens, mask, codes: out.grounded, tau: gd.tau() };
 * ```
 */
export interface GroundingLossInputs {
  /** Token features x [B, T, D] (image, text, or both concatenated). */
  tokens: tf.Tensor;
  /** Valid tokens [B, T] (1 = real); default all valid. */
  mask?: tf.Tensor;
  /** The selected code embeddings e [B, K, D]. */
  codes: tf.Tensor;
  /** Scalar temperature tau (already clamped). */
  tau: tf.Tensor;
  /** Weight of q_latent (codes toward tokens). Default 1.0. */
  qWeight?: number;
  /** Weight of e_latent (tokens toward codes, the commitment term). Default 0.25. */
  eWeight?: number;
}

/**
 * Named losses and logs of {@link groundingLoss}; fresh scalars the caller disposes.
 * @example
 * ```ts
 * const { losses: { grounding }, logs: { qLatent, eLatent } }: GroundingLossOutput = groundingLoss(inputs);
 * ```
 */
export type GroundingLossOutput = {
  losses: { grounding: tf.Scalar };
  logs: { qLatent: tf.Scalar; eLatent: tf.Scalar };
};

const _TINY = 1e-9;

/**
 * UNIMO-2's grounding loss, a pure function of named features.
 *
 * @example
 * ```ts
 * const out = gd.forward(tokens, mask);
 * const { losses } = groundingLoss({ tokens, mask, codes: out.grounded, tau: out.tau });
 * total = tf.add(total, losses.grounding);
 * ```
 */
export function groundingLoss(inputs: GroundingLossInputs): GroundingLossOutput {
  return tf.tidy(() =>
    _groundingLossWithTargets(inputs, {
      tokens: _stopGradient(inputs.tokens),
      codes: _stopGradient(inputs.codes),
    }),
  );
}

/**
 * The loss with its regression targets given explicitly (`groundingLoss` passes stop-gradient copies).
 * Tests pass constants instead, so finite differences see the same function autodiff differentiates.
 */
export function _groundingLossWithTargets(
  inputs: GroundingLossInputs,
  targets: { tokens: tf.Tensor; codes: tf.Tensor },
): GroundingLossOutput {
  const { tokens, codes, tau } = inputs;
  const [b, t, d] = tokens.shape as [number, number, number];
  if (tokens.rank !== 3 || codes.rank !== 3 || codes.shape[0] !== b || codes.shape[2] !== d) {
    throw new Error(
      `groundingLoss: tokens [B, T, D] and codes [B, K, D] expected, got [${tokens.shape}], [${codes.shape}]`,
    );
  }
  return tf.tidy(() => {
    const m = inputs.mask ? tf.cast(inputs.mask, 'float32') : tf.ones([b, t]); // [B, T]
    const m3 = tf.expandDims(m, 2); // [B, T, 1]
    const logits = tf.mul(tf.matMul(tokens, codes, false, true), tau); // [B, T, K]
    const sig = tf.mul(tf.sigmoid(logits), m3); // [B, T, K], padding rows zero
    // e_latent: per code, a mean of the tokens weighted over the sequence.
    const w = tf.div(sig, tf.add(tf.sum(sig, 1, true), _TINY)); // [B, T, K]
    const xBar = tf.matMul(w, tokens, true, false); // [B, K, D]
    const eLatent = tf.mean(tf.square(tf.sub(targets.codes, xBar))) as tf.Scalar;
    // q_latent: per valid token, a mean of the codes weighted over the K codes.
    const v = tf.div(sig, tf.add(tf.sum(sig, 2, true), _TINY)); // [B, T, K]
    const eBar = tf.matMul(v, codes); // [B, T, D]
    const sq = tf.mean(tf.square(tf.sub(targets.tokens, eBar)), 2); // [B, T]
    const qLatent = tf.div(tf.sum(tf.mul(sq, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
    const grounding = tf.add(
      tf.mul(qLatent, inputs.qWeight ?? 1.0),
      tf.mul(eLatent, inputs.eWeight ?? 0.25),
    ) as tf.Scalar;
    return { losses: { grounding }, logs: { qLatent, eLatent } };
  });
}

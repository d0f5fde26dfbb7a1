// The grounding loss of UNIMO-2 (Li et al., ACL Findings 2022) is computed by @vlp/fusion's grounded
// dictionary (VQ-style: q_latent + 0.25 * e_latent); this objective only names it so a recipe can weight it
// like any other loss.
import * as tf from '@tensorflow/tfjs-core';
import type { ObjectiveOutput } from './types.js';

/**
 * Named features for {@link groundingLoss}.
 * @example
 * ```ts
 * const f: GroundingFeatures = { groundingLoss: fused.groundingLoss };
 * ```
 */
export interface GroundingFeatures {
  /** The scalar the grounded dictionary returned. */
  groundingLoss: tf.Scalar;
}

/**
 * Passes the fusion model's grounding loss through as `losses.grounding` (a copy; the input stays the
 * caller's to dispose).
 * @example
 * ```ts
 * const { losses } = groundingLoss({ groundingLoss: tf.scalar(0.3) }); // losses.grounding
 * ```
 */
export function groundingLoss(f: GroundingFeatures): ObjectiveOutput {
  if (f.groundingLoss.rank !== 0)
    throw new Error(`groundingLoss: expected a scalar, got [${f.groundingLoss.shape}]`);
  const grounding = tf.clone(f.groundingLoss);
  return { losses: { grounding }, logs: {} };
}

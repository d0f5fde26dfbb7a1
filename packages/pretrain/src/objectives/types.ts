// The contract every objective in @vlp/pretrain follows (open_clip's loss dict, ALBEF's named losses): a
// pure function of named features returning named scalar losses and named logs. Trainers sum the losses
// with weights; logs are for metrics only and never receive gradients.
import type * as tf from '@tensorflow/tfjs-core';

/**
 * What an objective returns: named scalar losses (summed with weights by the trainer) and named logs
 * (plain numbers or scalar tensors; scalars are read and disposed by whoever consumes them).
 * @example
 * ```ts
 * const out: ObjectiveOutput = itcLoss({ imageEmbeds, textEmbeds, temperature: 0.07 });
 * const total = out.losses.itc;
 * ```
 */
// A type alias, not an interface, so it is a tfjs TensorContainer (tf.tidy / tf.dispose accept it).
export type ObjectiveOutput = {
  losses: Record<string, tf.Scalar>;
  logs: Record<string, number | tf.Scalar>;
};

/**
 * An objective: named features in, {@link ObjectiveOutput} out. Features are tensors or plain values.
 * @example
 * ```ts
 * const fn: Objective<ItcFeatures> = itcLoss;
 * ```
 */
export type Objective<F> = (features: F) => ObjectiveOutput;

/**
 * A temperature: a plain number or a scalar tensor (a learnable one from {@link Temperature.value}).
 * @example
 * ```ts
 * const t: TemperatureLike = 0.07;
 * ```
 */
export type TemperatureLike = number | tf.Scalar;

// Learning-rate schedule and gradient clipping used by ALBEF-style pre-training: linear warm-up then cosine
// decay (Loshchilov & Hutter, SGDR, 2017), and clipping by global norm (Pascanu et al., 2013).
import * as tf from '@tensorflow/tfjs-core';

/**
 * Options for {@link cosineWithWarmup}.
 * @example
 * ```ts
 * const s: CosineSchedule = { lr: 1e-4, warmupSteps: 100, totalSteps: 10_000, minLr: 1e-6 };
 * ```
 */
export interface CosineSchedule {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
}

/**
 * lr(step) for step = 0, 1, ...: `lr * (step + 1) / warmupSteps` during warm-up, then
 * `minLr + (lr - minLr) * (1 + cos(pi * progress)) / 2` down to minLr at totalSteps.
 * @example
 * ```ts
 * const lrAt = cosineWithWarmup({ lr: 1e-3, warmupSteps: 10, totalSteps: 100 });
 * lrAt(4); // 5e-4
 * ```
 */
export function cosineWithWarmup(s: CosineSchedule): (step: number) => number {
  const minLr = s.minLr ?? 0;
  return (step: number) => {
    if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
    const span = Math.max(1, s.totalSteps - s.warmupSteps);
    const progress = Math.min(1, (step - s.warmupSteps) / span);
    return minLr + ((s.lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/**
 * Global L2 norm of a set of gradients and, when it exceeds `maxNorm`, the gradients scaled by
 * `maxNorm / (norm + 1e-6)` (PyTorch's clip_grad_norm_). Returns new tensors; inputs are not disposed.
 * @example
 * ```ts
 * const { grads: clipped, norm } = clipByGlobalNorm(grads, 1.0);
 * ```
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => {
    const sq = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    return sq.length === 0 ? 0 : (tf.sqrt(tf.addN(sq)).dataSync()[0] as number);
  });
  const scale = Number.isFinite(maxNorm) && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const n of names)
    out[n] = scale === 1 ? tf.clone(grads[n] as tf.Tensor) : tf.mul(grads[n] as tf.Tensor, scale);
  return { grads: out, norm };
}

// The randomness augmentations need: a uniform draw in [0, 1) and an integer below n. Declared here as
// a tiny structural interface so any seeded generator fits (@vlp/tensor-core's `Rng` does), and so an
// augmentation's randomness can be replayed by a scripted stub in tests.

/**
 * A seeded source of uniform numbers. `uniform()` is in [0, 1); `int(n)` is an integer in [0, n).
 *
 * @example
 * ```ts
 * import { Rng } from '@vlp/tensor-core';
 * const rng: AugmentRng = new Rng(42);
 * const view = await augment(image, rng, { size: 224 });
 * ```
 */
export interface AugmentRng {
  uniform(): number;
  int(n: number): number;
}

/** Uniform in [lo, hi). */
export function _between(rng: AugmentRng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/** A Fisher-Yates permutation of 0..n-1. */
export function _permutation(rng: AugmentRng, n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}

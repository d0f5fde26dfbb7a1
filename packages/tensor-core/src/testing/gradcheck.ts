// Finite-difference gradient checking: compares tfjs autodiff against central differences
// (f(x + eps) - f(x - eps)) / 2eps computed in float32, on a seeded random subset of entries for large
// tensors. Used by every layer's tests; works on any backend (reads data asynchronously).
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random/rng.js';

/**
 * Options for {@link checkGradients} and {@link checkParameterGradients}.
 * @example
 * ```ts
 * await checkGradients(f, [x], { eps: 1e-2, maxEntriesPerTensor: 16, seed: 1 } satisfies GradCheckOptions);
 * ```
 */
export interface GradCheckOptions {
  /** Perturbation size. Default 1e-2 (float32: smaller steps drown in rounding error). */
  eps?: number;
  /** Entries checked per tensor; all entries when the tensor is smaller. Default 24. */
  maxEntriesPerTensor?: number;
  /** Seed for choosing the entries. Default 0. */
  seed?: number;
  /**
   * Denominator floor for relative errors, so near-zero gradients compare absolutely. Default 1e-2: float32
   * losses of magnitude ~1-10 carry ~1e-6 rounding noise, i.e. ~1e-4 in a difference quotient with eps 1e-2.
   */
  relFloor?: number;
}

/**
 * Worst discrepancy between autodiff and finite differences over the checked entries.
 * @example
 * ```ts
 * const { maxRelError, checked }: GradCheckResult = await checkGradients(f, [x]);
 * ```
 */
export interface GradCheckResult {
  maxAbsError: number;
  /** max |analytic - numeric| / max(|analytic|, |numeric|, relFloor). */
  maxRelError: number;
  /** Number of entries compared. */
  checked: number;
}

function _pickEntries(size: number, max: number, rng: Rng): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (size <= max) return all;
  // Partial Fisher-Yates: the first `max` entries are a uniform sample without replacement.
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(size - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

async function _scalarValue(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0];
  t.dispose();
  if (v === undefined) throw new Error('gradcheck: the function must return a scalar');
  return v;
}

class _Accumulator {
  maxAbsError = 0;
  maxRelError = 0;
  checked = 0;
  constructor(private readonly relFloor: number) {}
  add(analytic: number, numeric: number): void {
    const abs = Math.abs(analytic - numeric);
    const rel = abs / Math.max(Math.abs(analytic), Math.abs(numeric), this.relFloor);
    // NaN must fail loudly, so it propagates as an infinite error.
    this.maxAbsError = Math.max(this.maxAbsError, Number.isNaN(abs) ? Number.POSITIVE_INFINITY : abs);
    this.maxRelError = Math.max(this.maxRelError, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
    this.checked++;
  }
  result(): GradCheckResult {
    return { maxAbsError: this.maxAbsError, maxRelError: this.maxRelError, checked: this.checked };
  }
}

/**
 * Checks d f / d xs of a scalar function of float tensors against central differences. The caller keeps
 * ownership of `xs`; all temporaries are disposed.
 * @example
 * ```ts
 * const x = tf.randomNormal([3, 4]);
 * const r = await checkGradients((a) => tf.sum(tf.tanh(a)) as tf.Scalar, [x]);
 * expect(r.maxRelError).toBeLessThan(1e-2);
 * ```
 */
export async function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = opts.eps ?? 1e-2;
  const rng = new Rng(opts.seed ?? 0);
  const acc = new _Accumulator(opts.relFloor ?? 1e-2);
  const analytic = tf.grads((...a: tf.Tensor[]) => f(...a))(xs);
  try {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as tf.Tensor;
      const g = await (analytic[i] as tf.Tensor).data();
      const base = Float32Array.from(await x.data());
      for (const idx of _pickEntries(x.size, opts.maxEntriesPerTensor ?? 24, rng)) {
        const orig = base[idx] as number;
        const evalAt = async (value: number): Promise<number> => {
          const vals = base.slice();
          vals[idx] = value;
          const xp = tf.tensor(vals, x.shape, x.dtype);
          const args = xs.map((t, j) => (j === i ? xp : t));
          const y = tf.tidy(() => f(...args));
          xp.dispose();
          return _scalarValue(y);
        };
        const hi = Math.fround(orig + eps);
        const lo = Math.fround(orig - eps);
        const numeric = ((await evalAt(hi)) - (await evalAt(lo))) / (hi - lo);
        acc.add(g[idx] as number, numeric);
      }
    }
  } finally {
    tf.dispose(analytic);
  }
  return acc.result();
}

/**
 * Checks d loss / d vars (tf.variableGrads) against central differences by perturbing each variable in
 * place and restoring it. `loss` must be deterministic: put dropout in eval mode or p = 0.
 * @example
 * ```ts
 * const fc = new Linear(4, 3, { rng: new Rng(0) });
 * const x = tf.randomNormal([2, 4]);
 * const r = await checkParameterGradients(() => tf.sum(tf.square(fc.forward(x))) as tf.Scalar, fc.parameters());
 * ```
 */
export async function checkParameterGradients(
  loss: () => tf.Scalar,
  vars: tf.Variable[],
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = opts.eps ?? 1e-2;
  const rng = new Rng(opts.seed ?? 0);
  const acc = new _Accumulator(opts.relFloor ?? 1e-2);
  const { value, grads } = tf.variableGrads(loss, vars);
  value.dispose();
  try {
    for (const v of vars) {
      const grad = grads[v.name];
      if (grad === undefined) throw new Error(`gradcheck: no gradient for variable '${v.name}'`);
      const g = await grad.data();
      const saved = tf.clone(v); // keeps the original data alive while v is reassigned
      const base = Float32Array.from(await v.data());
      try {
        for (const idx of _pickEntries(v.size, opts.maxEntriesPerTensor ?? 24, rng)) {
          const orig = base[idx] as number;
          const evalAt = async (value: number): Promise<number> => {
            const vals = base.slice();
            vals[idx] = value;
            const t = tf.tensor(vals, v.shape, v.dtype);
            v.assign(t);
            t.dispose();
            return _scalarValue(tf.tidy(loss));
          };
          const hi = Math.fround(orig + eps);
          const lo = Math.fround(orig - eps);
          const numeric = ((await evalAt(hi)) - (await evalAt(lo))) / (hi - lo);
          acc.add(g[idx] as number, numeric);
        }
      } finally {
        v.assign(saved);
        saved.dispose();
      }
    }
  } finally {
    tf.dispose(grads);
  }
  return acc.result();
}

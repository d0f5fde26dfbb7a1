// Registers tfjs-core's gradient functions (tf.grad, optimizers) once per process. tfjs-core keeps them out
// of its main bundle (the union package @tensorflow/tfjs bundles them) and ships them as a few hundred ES
// modules with extension-less imports that Node's ESM loader cannot resolve. We load one self-contained
// bundle of them instead, `vendor/tfjs-gradients.js`, made by `scripts/bundle-gradients.mjs` from the pinned
// tfjs-core (loading the loose modules through a resolve hook cost ~74 MB of RSS in Node, the bundle ~4 MB).
// The registered functions land in the single global gradient registry and call ops through the single
// global engine (both live on globalThis), so the bundle's copy of the ops serves the main tfjs-core build.
import * as tf from '@tensorflow/tfjs-core';
import { _installLeanBackprop } from './_backprop.js';

let registered: Promise<void> | undefined;

/**
 * Makes `tf.grad`, `tf.variableGrads` and optimizers work: registers every tfjs-core gradient once, and swaps in
 * a reverse pass that frees activations and intermediate gradients as it goes (same gradients, about half the
 * peak tensor memory of a transformer training step; `VLP_LEAN_BACKPROP=0` keeps tfjs's own).
 * `selectBackend` calls it, so code that selected a backend never needs to.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ensureGradients } from '@vlp/tensor-core';
 * await ensureGradients();
 * const dx = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor([1, 2])); // [2, 4]
 * ```
 */
export function ensureGradients(): Promise<void> {
  registered ??= (async () => {
    // Unless someone (e.g. @tensorflow/tfjs) already did it. Same path from src/backends (tests) and
    // dist/backends (published): <package>/vendor.
    if (tf.getGradient('Square') === undefined) await import('../../vendor/tfjs-gradients.js');
    _installLeanBackprop(); // after registration: it looks at the registered Reshape/Add/Sub gradients
  })();
  return registered;
}

// Registers tfjs-core's gradient functions (tf.grad, optimizers) once per process. tfjs-core keeps them out
// of its main bundle: the union package @tensorflow/tfjs bundles them, and bundlers load
// '@tensorflow/tfjs-core/dist/register_all_gradients' (ES modules with extension-less imports). Node's ESM
// loader cannot resolve those imports, so in Node we add a resolve hook, scoped to that one folder, that
// appends '.js'. The registered functions land in the single global gradient registry and call ops through
// the single global engine (both live on globalThis), so they serve the main tfjs-core build.
import * as tf from '@tensorflow/tfjs-core';
import { _isNode } from './_platform.js';

const HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent !== undefined && parent.includes('/@tensorflow/tfjs-core/dist/') &&
      (specifier.startsWith('./') || specifier.startsWith('../')) && !specifier.endsWith('.js')) {
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
  return next(specifier, context);
}`;

let registered: Promise<void> | undefined;

/**
 * Makes `tf.grad`, `tf.variableGrads` and optimizers work: registers every tfjs-core gradient once.
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
    if (tf.getGradient('Square') !== undefined) return; // someone (e.g. @tensorflow/tfjs) already did it
    if (_isNode()) {
      const { register } = await import('node:module');
      register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    }
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return registered;
}

// Tensor-leak helpers for tests: how many tfjs tensors a piece of code leaves alive.
import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.memory().numTensors` after `fn` minus before. Tensors `fn` returns or stores count, so dispose
 * them inside `fn` when measuring a leak.
 * @example
 * ```ts
 * const leaked = countTensorsDuring(() => tf.dispose(model.forward(x)));
 * expect(leaked).toBe(0);
 * ```
 */
export function countTensorsDuring(fn: () => void): number {
  const before = tf.memory().numTensors;
  const r: unknown = fn();
  if (r instanceof Promise)
    throw new Error('countTensorsDuring: fn returned a Promise; use countTensorsDuringAsync');
  return tf.memory().numTensors - before;
}

/**
 * Async variant of {@link countTensorsDuring}.
 * @example
 * ```ts
 * const leaked = await countTensorsDuringAsync(async () => { const y = f(x); await y.data(); y.dispose(); });
 * ```
 */
export async function countTensorsDuringAsync(fn: () => Promise<void>): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

/**
 * Runs `fn` and throws if it changed the number of live tensors (naming the count and `what`).
 * @example
 * ```ts
 * expectNoTensorLeak(() => tf.dispose(block.forward(x)), 'TransformerBlock.forward');
 * ```
 */
export function expectNoTensorLeak(fn: () => void, what = 'function'): void {
  const delta = countTensorsDuring(fn);
  if (delta !== 0) throw new Error(`${what} changed the number of live tensors by ${delta}`);
}

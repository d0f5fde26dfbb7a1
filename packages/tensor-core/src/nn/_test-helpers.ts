// Shared helpers for the nn/ops/random tests (not exported from the package). Each test file wraps its
// cases in a `<name>Suite(backend)` function so a backend-parameterised harness can call it per backend.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../backends/index.js';
import { init } from '../random/index.js';
import type { Rng } from '../random/rng.js';
import { testBackends } from '../testing/backends.js';

export { useBackend } from '../testing/backends.js';

/**
 * Backends the layer suites run on: every backend testBackends() finds (cpu, wasm, webgpu on the software
 * adapter, ort), about 20 s for the whole matrix here; narrow it with VLP_TEST_BACKENDS=cpu while iterating.
 */
export function layerBackends(): Promise<BackendName[]> {
  return testBackends();
}

/** Standard-normal tensor from a seeded Rng (identical on every backend). */
export function randn(rng: Rng, shape: number[], std = 1): tf.Tensor {
  return init.normal(rng, shape, std);
}

/** Values of a tensor as a plain array. */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/**
 * A scalar loss `sum(y * R)` with a fixed random R of y's shape, so gradient checks see every output
 * entry with a distinct weight. Call `dispose()` when done.
 */
export function projection(
  rng: Rng,
  shape: number[],
): { loss: (y: tf.Tensor) => tf.Scalar; dispose: () => void } {
  const r = randn(rng, shape);
  return { loss: (y) => tf.sum(tf.mul(y, r)), dispose: () => r.dispose() };
}

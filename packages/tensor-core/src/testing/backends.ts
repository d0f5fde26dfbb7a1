// The backend test matrix (tfjs runs every kernel test on every backend; so do our layer suites).
//
// Usage: wrap a suite so it runs once per backend that works on this machine:
//
//   import { testBackends, useBackend } from '@vlp/tensor-core/testing';
//   describe.each(await testBackends())('%s', (backend) => {
//     beforeAll(() => useBackend(backend));
//     it('matches the reference', () => { ... });
//   });
//
// testBackends() is async (top-level await works in vitest files) because finding a WebGPU adapter is async
// in the WebGPU spec; a synchronous answer would be a guess. It returns cpu, wasm, webgpu (software adapters
// welcome: they run the real shaders) and ort, each only when its probe passes. VLP_TEST_BACKENDS=cpu,wasm
// narrows the list, and a backend named there that does not work fails loudly instead of being skipped.
// Suites run backends one after another in one process: useBackend switches the engine between them.
import {
  BACKEND_NAMES,
  type BackendName,
  backendReport,
  parseBackendName,
  selectBackend,
} from '../backends/index.js';

/** The backends the matrix covers when VLP_TEST_BACKENDS is unset ('tensorflow' only when requested). */
const DEFAULT_TEST_BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu', 'ort'];

let cached: Promise<BackendName[]> | undefined;

/** testBackends() without the cache, for a given VLP_TEST_BACKENDS value (exported for its own test). */
export async function _resolveTestBackends(env: string | undefined): Promise<BackendName[]> {
  const requested = env ? env.split(',').map(parseBackendName) : undefined;
  const { probes } = await backendReport();
  if (requested !== undefined) {
    const missing = probes.filter((p) => requested.includes(p.name) && !p.available);
    if (missing.length > 0) {
      const why = missing.map((p) => `${p.name}: ${p.reason ?? 'unavailable'}`).join('; ');
      throw new Error(`VLP_TEST_BACKENDS=${env} asks for backends that are unavailable here (${why})`);
    }
    return BACKEND_NAMES.filter((name) => requested.includes(name));
  }
  return BACKEND_NAMES.filter(
    (name) => DEFAULT_TEST_BACKENDS.includes(name) && probes.some((p) => p.name === name && p.available),
  );
}

/**
 * The backends layer suites run on: cpu, wasm, webgpu and ort when their probes pass, in BACKEND_NAMES
 * order; `VLP_TEST_BACKENDS=cpu,wasm` overrides and throws if a requested one is unavailable.
 *
 * @example
 * ```ts
 * describe.each(await testBackends())('%s', (backend) => {
 *   beforeAll(() => useBackend(backend));
 *   it('adds', () => expect(tf.add(1, 2).dataSync()[0]).toBe(3));
 * });
 * ```
 */
export function testBackends(): Promise<BackendName[]> {
  cached ??= _resolveTestBackends(
    typeof process === 'undefined' ? undefined : process.env.VLP_TEST_BACKENDS?.trim(),
  );
  return cached;
}

/**
 * Makes `name` the current backend for the tests that follow, through selectBackend (VLP_BACKEND is
 * ignored here: the matrix decides). Tensors made on the previous backend stay readable (tfjs moves them).
 *
 * @example
 * ```ts
 * beforeAll(() => useBackend('wasm'));
 * ```
 */
export async function useBackend(name: BackendName): Promise<void> {
  await selectBackend(name, { respectEnv: false });
}

// The WebAssembly backend (tfjs-backend-wasm, XNNPACK kernels): about 50x the pure-JS cpu backend here and
// available wherever WebAssembly is. tfjs picks the SIMD / threaded-SIMD / plain binary itself; in Node we
// point it at the package's own dist folder (resolved, not guessed) so bundled or vitest-transformed code
// still finds the .wasm files.
import { _firstLine, _isNode, _resolvePackageFile } from './_platform.js';
import type { BackendCandidate, BackendProbe } from './types.js';

// The smallest module using a SIMD instruction (the same bytes tfjs-backend-wasm validates).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
]);

let registered = false;

/** The directory holding tfjs-backend-wasm's .wasm binaries, with a trailing separator (Node only). */
async function wasmDir(): Promise<string | undefined> {
  const pkg = await _resolvePackageFile('@tensorflow/tfjs-backend-wasm/package.json');
  if (pkg === undefined) return undefined;
  const { dirname, join, sep } = await import('node:path');
  return join(dirname(pkg), 'dist') + sep;
}

/**
 * The tfjs-backend-wasm candidate.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * await selectBackend('wasm');
 * ```
 */
export const wasmCandidate: BackendCandidate = {
  name: 'wasm',
  tfjsName: 'wasm',
  description: 'WebAssembly + XNNPACK (tfjs-backend-wasm)',
  async probe(): Promise<BackendProbe> {
    if (typeof WebAssembly !== 'object') {
      return { name: 'wasm', available: false, reason: 'this runtime has no WebAssembly' };
    }
    if (_isNode() && (await wasmDir()) === undefined) {
      return { name: 'wasm', available: false, reason: '@tensorflow/tfjs-backend-wasm is not installed' };
    }
    const simd = WebAssembly.validate(SIMD_PROBE);
    return { name: 'wasm', available: true, detail: simd ? 'SIMD' : 'no SIMD (plain binary)' };
  },
  async activate(): Promise<void> {
    if (registered) return;
    try {
      // Importing registers the 'wasm' backend factory; paths must be set before it initialises.
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = _isNode() ? await wasmDir() : undefined;
      if (dir !== undefined) wasm.setWasmPaths(dir);
    } catch (error) {
      throw new Error(`tfjs-backend-wasm failed to load: ${_firstLine(error)}`);
    }
    registered = true;
  },
};

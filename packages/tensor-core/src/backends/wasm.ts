// The WebAssembly backend (tfjs-backend-wasm, XNNPACK kernels): about 50x the pure-JS cpu backend here and
// available wherever WebAssembly is. tfjs picks the SIMD / threaded-SIMD / plain binary itself; in Node we
// point it at the package's own dist folder (resolved, not guessed) so bundled or vitest-transformed code
// still finds the .wasm files.
import * as tf from '@tensorflow/tfjs-core';
import { _firstLine, _isNode, _resolvePackageFile } from './_platform.js';
import type { BackendCandidate, BackendProbe } from './types.js';

// The smallest module using a SIMD instruction (the same bytes tfjs-backend-wasm validates).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
]);

let registered = false;

/**
 * tfjs-backend-wasm 4.22 has no UnsortedSegmentSum, the kernel behind the gradient of every `tf.gather`
 * (rows picked for ITM negatives, MLM positions, dictionary lookups): training anything that gathers threw
 * "Kernel 'UnsortedSegmentSum' not registered". Segment sums along axis 0 are a ScatterNd with the ids as
 * [N, 1] indices (repeated ids add up), and wasm has ScatterNd, so the kernel is composed from wasm's own
 * Reshape and ScatterNd kernels. Ids must lie in [0, numSegments), as gather's gradient guarantees.
 */
function _registerUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) return;
  const reshape = tf.getKernel('Reshape', 'wasm');
  const scatter = tf.getKernel('ScatterNd', 'wasm');
  if (reshape === undefined || scatter === undefined) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = attrs?.numSegments as number;
      const n = tf.util.sizeFromShape(segmentIds.shape);
      const rest = x.shape.slice(segmentIds.shape.length);
      const run = (k: tf.KernelConfig, i: tf.NamedTensorInfoMap, a: tf.NamedAttrMap) =>
        k.kernelFunc({ inputs: i, attrs: a, backend }) as tf.TensorInfo;
      const ids = run(reshape, { x: segmentIds }, { shape: [n, 1] }); // [N, 1]
      const updates = run(reshape, { x }, { shape: [n, ...rest] }); // [N, ...rest]
      const out = run(scatter, { indices: ids, updates }, { shape: [numSegments, ...rest] }); // [S, ...rest]
      (backend as tf.KernelBackend).disposeData(ids.dataId);
      (backend as tf.KernelBackend).disposeData(updates.dataId);
      return out;
    },
  });
}

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
      _registerUnsortedSegmentSum();
    } catch (error) {
      throw new Error(`tfjs-backend-wasm failed to load: ${_firstLine(error)}`);
    }
    registered = true;
  },
};

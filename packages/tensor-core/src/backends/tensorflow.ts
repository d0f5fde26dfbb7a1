// The native TensorFlow backend from @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node. Neither is our
// dependency (both download libtensorflow at install); we use one when the user installed it.

import { _firstLine, _isNode } from './_platform.js';
import type { BackendCandidate, BackendProbe } from './types.js';

const PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let loaded: Promise<{ pkg: string } | { error: string }> | undefined;

/** Imports the first installed tfjs-node flavour once; importing it registers the 'tensorflow' backend. */
function load(): Promise<{ pkg: string } | { error: string }> {
  loaded ??= (async () => {
    if (!_isNode()) return { error: 'tfjs-node-gpu needs Node (not available in a browser)' };
    const failures: string[] = [];
    for (const pkg of PACKAGES) {
      try {
        // A variable specifier: these packages are optional and absent from our dependency graph.
        const specifier: string = pkg;
        await import(specifier);
        return { pkg };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
          failures.push(`${pkg} failed to load: ${_firstLine(error)}`);
        }
      }
    }
    return { error: failures[0] ?? 'tfjs-node-gpu not installed (npm i @tensorflow/tfjs-node-gpu)' };
  })();
  return loaded;
}

/**
 * The tfjs-node(-gpu) candidate: first in 'auto' order because libtensorflow (CUDA when -gpu) beats
 * every other backend when present.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * // after `npm i @tensorflow/tfjs-node-gpu`:
 * await selectBackend('tensorflow');
 * ```
 */
export const tensorflowCandidate: BackendCandidate = {
  name: 'tensorflow',
  tfjsName: 'tensorflow',
  description: 'native libtensorflow via @tensorflow/tfjs-node-gpu or tfjs-node (user-installed)',
  async probe(): Promise<BackendProbe> {
    const result = await load();
    if ('error' in result) return { name: 'tensorflow', available: false, reason: result.error };
    return { name: 'tensorflow', available: true, detail: result.pkg };
  },
  async activate(): Promise<void> {
    const result = await load();
    if ('error' in result) throw new Error(result.error);
  },
};

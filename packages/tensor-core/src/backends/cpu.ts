// The pure-JavaScript tfjs CPU backend: always available, slowest (about 1 GFLOP/s here), and the reference
// the other backends are tested against.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendCandidate, BackendProbe } from './types.js';

/**
 * The tfjs-backend-cpu candidate. Importing the package registers 'cpu'; that happens in `activate`.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * await selectBackend('cpu');
 * ```
 */
export const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  tfjsName: 'cpu',
  description: 'pure JavaScript (tfjs-backend-cpu); always available, the reference',
  async probe(): Promise<BackendProbe> {
    return { name: 'cpu', available: true, detail: 'pure JavaScript' };
  },
  async activate(): Promise<void> {
    await import('@tensorflow/tfjs-backend-cpu');
    const backend = tf.findBackend('cpu');
    // The CPU backend prints "install tfjs-node" on its first write in Node; `vlp doctor` gives better advice.
    if (backend !== null && 'firstUse' in backend) (backend as { firstUse: boolean }).firstUse = false;
  },
};

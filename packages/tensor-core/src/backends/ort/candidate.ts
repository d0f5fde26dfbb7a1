// The onnxruntime-accelerated CPU backend as a selection candidate: probe = load the pinned binding and run its
// self-test; activate = register 'vlp-ort' (every cpu kernel, hot ones on ORT). On failure selection moves on.
import type { BackendCandidate, BackendProbe } from '../types.js';
import { ORT_TFJS_NAME, ortThreads, probeOrtBinding, registerOrtBackend } from './register.js';

/**
 * The 'ort' candidate (tfjs name 'vlp-ort').
 *
 * @example
 * ```ts
 * import { selectBackend } from '@vlp/tensor-core';
 * await selectBackend('ort'); // VLP_ORT_THREADS=1 to pin one thread
 * ```
 */
export const ortCandidate: BackendCandidate = {
  name: 'ort',
  tfjsName: ORT_TFJS_NAME,
  description: 'onnxruntime (MLAS) kernels under the tfjs cpu backend (onnxruntime-node)',
  async probe(): Promise<BackendProbe> {
    const p = probeOrtBinding();
    if (!p.ok) return { name: 'ort', available: false, reason: p.reason };
    return { name: 'ort', available: true, detail: `onnxruntime-node ${p.version}, ${ortThreads()} threads` };
  },
  async activate(): Promise<void> {
    registerOrtBackend();
  },
};

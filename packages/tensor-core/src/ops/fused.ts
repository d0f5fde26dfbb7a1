// Dispatch hook for fused kernels. Every op in src/ops is a pure composite of tfjs ops; a faster backend
// (e.g. the onnxruntime CPU backend) may register a single kernel for it under a `Vlp*` name, and the op
// then starts with `if (fusedKernelFor('VlpLayerNorm')) return tf.engine().runKernel(...)`.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel names the ops in this folder look up; a backend registering one of them takes over that op.
 * @example
 * ```ts
 * const available = FUSED_KERNEL_NAMES.filter((n) => fusedKernelFor(n));
 * ```
 */
export const FUSED_KERNEL_NAMES = [
  'VlpLinear',
  'VlpLayerNorm',
  'VlpGeluTanh',
  'VlpScaledDotProductAttention',
] as const;
/**
 * One of {@link FUSED_KERNEL_NAMES}.
 * @example
 * ```ts
 * const name: FusedKernelName = 'VlpLayerNorm';
 * ```
 */
export type FusedKernelName = (typeof FUSED_KERNEL_NAMES)[number];

/**
 * True when the active backend registered a kernel under `name` (cheap: a registry lookup).
 * @example
 * ```ts
 * if (fusedKernelFor('VlpLayerNorm')) {
 *   // return tf.engine().runKernel('VlpLayerNorm', { x, gamma, beta }, { eps }) as tf.Tensor;
 * }
 * ```
 */
export function fusedKernelFor(name: FusedKernelName | string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

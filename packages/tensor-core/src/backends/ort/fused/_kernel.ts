// Shared plumbing for fused kernels: a kernel that always runs one ORT graph (no cpu kernel exists to fall
// back to, so inputs must be float32), and a tfjs gradient registration helper.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OutSpec } from '../_runner.js';
import type { OrtBackend } from '../backend.js';

/** Runs graph `key` on float32 `inputs`; throws (there is no fallback) when one is not float32. */
export function runFused(
  backend: OrtBackend,
  kernel: string,
  key: string,
  spec: () => GraphSpec,
  inputs: readonly tf.TensorInfo[],
  outs: readonly OutSpec[],
): tf.TensorInfo[] {
  const feeds = backend.feeds(inputs);
  if (!feeds)
    throw new Error(`${kernel}: inputs must be float32, got ${inputs.map((t) => t.dtype).join(', ')}`);
  return backend.runGraph(`${kernel}:${key}`, spec, feeds, outs);
}

/** Runs a registered kernel through the engine and returns its outputs as tensors. */
export function callKernel(
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: tf.NamedAttrMap = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

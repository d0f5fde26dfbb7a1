// The 'vlp-ort' TensorFlow.js backend: MathBackendCPU's storage and every cpu kernel, with hot kernels replaced by
// onnxruntime (MLAS) graphs called synchronously. Kernels return null to fall back to the cpu kernel (int32,
// empty or tiny tensors, unsupported attributes), so every op works on this backend.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from './_onnx.js';
import { type Feed, type OrtRunner, type OutSpec, sizeOf } from './_runner.js';

/** Below this many output elements a kernel stays on the JS cpu kernel (an ORT call costs ~10-30 us). */
export const DEFAULT_MIN_ORT_SIZE = 4096;

export class OrtBackend extends MathBackendCPU {
  constructor(
    readonly runner: OrtRunner,
    public minOrtSize: number = DEFAULT_MIN_ORT_SIZE,
  ) {
    super();
    // MathBackendCPU suggests installing tfjs-node on first use; here the heavy kernels are native already.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /**
   * The float32 storage of a tensor, or undefined when it is not a float32 tensor held in memory. The cpu
   * kernels' Cast from int32 shares the int32 tensor's storage under dtype float32 (a padding mask cast for
   * a masked mean, say); that is copied into a Float32Array here (never written back: the int32 tensor
   * shares it), or every kernel it feeds would fall back to the cpu.
   */
  f32(t: tf.TensorInfo): Float32Array | undefined {
    if (t.dtype !== 'float32') return undefined;
    const v = this.data.get(t.dataId)?.values;
    if (v instanceof Float32Array) return v;
    return v instanceof Int32Array || v instanceof Uint8Array ? Float32Array.from(v) : undefined;
  }

  /** Feeds for float32 tensors, or undefined when any of them is not float32. */
  feeds(ts: readonly tf.TensorInfo[]): Feed[] | undefined {
    const out: Feed[] = [];
    for (const t of ts) {
      const data = this.f32(t);
      if (!data) return undefined;
      out.push({ data, shape: t.shape });
    }
    return out;
  }

  /** Runs the cached graph for `key` and wraps its outputs as tfjs tensor infos over the ORT-written arrays. */
  runGraph(
    key: string,
    spec: () => GraphSpec,
    feeds: readonly Feed[],
    outs: readonly OutSpec[],
  ): tf.TensorInfo[] {
    const results = this.runner.run(key, spec, feeds, outs);
    return results.map((data, i) => {
      const o = outs[i]!;
      return this.makeTensorInfo([...o.shape], o.dtype ?? 'float32', data as Float32Array | Int32Array);
    });
  }

  /** True when a kernel over these outputs is worth an ORT call. */
  worthIt(outShape: readonly number[]): boolean {
    return sizeOf(outShape) >= this.minOrtSize;
  }

  override dispose(): void {
    super.dispose();
    this.runner.dispose();
  }
}

/** An ORT kernel body: return the outputs, or null to let the cpu kernel handle this call. */
export type OrtKernelBody = (
  inputs: tf.NamedTensorInfoMap,
  backend: OrtBackend,
  attrs: tf.NamedAttrMap,
) => tf.TensorInfo | tf.TensorInfo[] | null;

/** A kernel of our own: name and body; `cpuFallback` false means there is no cpu kernel to fall back to. */
export interface OrtKernelDef {
  kernelName: string;
  body: OrtKernelBody;
}

/**
 * Registers `defs` for `backendName`, each falling back to the cpu kernel of the same name when the body returns
 * null, then registers every other cpu kernel unchanged. Returns the kernel names registered.
 */
export function registerOrtKernels(backendName: string, defs: readonly OrtKernelDef[]): string[] {
  const cpu = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  const names: string[] = [];
  for (const def of defs) {
    if (tf.getKernel(def.kernelName, backendName)) continue;
    const fallback = cpu.get(def.kernelName);
    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
      const out = def.body(inputs, backend as OrtBackend, attrs ?? {});
      if (out) return out;
      if (!fallback) throw new Error(`${def.kernelName}: no ORT path for these inputs and no cpu kernel`);
      return fallback.kernelFunc({ inputs, backend, attrs });
    };
    tf.registerKernel({ kernelName: def.kernelName, backendName, kernelFunc });
    names.push(def.kernelName);
  }
  for (const k of cpu.values()) {
    if (tf.getKernel(k.kernelName, backendName)) continue;
    tf.registerKernel({ ...k, backendName });
  }
  return names;
}

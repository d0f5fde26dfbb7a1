// BatchMatMul and _FusedMatMul on ORT: com.microsoft FusedMatMul carries transA/transB (and batch broadcasting),
// so no Transpose node is ever materialised; the fused variant adds bias and relu in the same graph.
import * as tf from '@tensorflow/tfjs-core';
import type { NodeSpec } from '../_onnx.js';
import { sizeOf } from '../_runner.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

/** Output shape of a (batched, broadcasting) matmul with optional transposes of the last two dims. */
export function matmulShape(a: readonly number[], b: readonly number[], tA: boolean, tB: boolean): number[] {
  const m = tA ? a[a.length - 1]! : a[a.length - 2]!;
  const n = tB ? b[b.length - 2]! : b[b.length - 1]!;
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}

export function matmulNode(x: string, y: string, out: string, tA: boolean, tB: boolean, alpha = 1): NodeSpec {
  if (!tA && !tB && alpha === 1) return { op: 'MatMul', inputs: [x, y], outputs: [out] };
  return {
    op: 'FusedMatMul',
    domain: 'com.microsoft',
    inputs: [x, y],
    outputs: [out],
    attrs: { transA: { i: tA ? 1 : 0 }, transB: { i: tB ? 1 : 0 }, alpha: { f: alpha } },
  };
}

/**
 * A matmul is worth an ORT call when its output is big, or when its work is: a conv filter gradient
 * [kh kw C, N] x [N, O] has a few hundred outputs but N = B H W (65,536 at batch 64, 32 px) terms each.
 */
function worthMatMul(backend: OrtBackend, out: readonly number[], k: number): boolean {
  return backend.worthIt(out) || sizeOf(out) * k >= backend.minOrtSize * 256;
}

function batchMatMul(
  inputs: tf.NamedTensorInfoMap,
  backend: OrtBackend,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo | null {
  const a = inputs.a!;
  const b = inputs.b!;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const feeds = backend.feeds([a, b]);
  if (!feeds) return null;
  const out = matmulShape(a.shape, b.shape, tA, tB);
  const k = tA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  if (k === 0 || !worthMatMul(backend, out, k) || a.shape.includes(0) || b.shape.includes(0)) return null;
  const key = `BatchMatMul:${a.shape.length}:${b.shape.length}:${tA}:${tB}`;
  return backend.runGraph(
    key,
    () => ({
      inputs: [
        { name: 'a', rank: a.shape.length },
        { name: 'b', rank: b.shape.length },
      ],
      outputs: [{ name: 'y', rank: out.length }],
      nodes: [matmulNode('a', 'b', 'y', tA, tB)],
    }),
    feeds,
    [{ shape: out }],
  )[0]!;
}

function fusedMatMul(
  inputs: tf.NamedTensorInfoMap,
  backend: OrtBackend,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  const activation = String(attrs.activation ?? 'linear');
  if (!a || !b || preluActivationWeights) return null;
  if (activation !== 'linear' && activation !== 'relu') return null;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const ins = bias ? [a, b, bias] : [a, b];
  const feeds = backend.feeds(ins);
  if (!feeds) return null;
  let out = matmulShape(a.shape, b.shape, tA, tB);
  if (bias) out = tf.backend_util.assertAndGetBroadcastShape(out, bias.shape);
  const k = tA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  if (!worthMatMul(backend, out, k) || ins.some((t) => t.shape.includes(0))) return null;
  const key = `_FusedMatMul:${a.shape.length}:${b.shape.length}:${bias?.shape.length ?? -1}:${tA}:${tB}:${activation}`;
  return backend.runGraph(
    key,
    () => {
      const nodes: NodeSpec[] = [matmulNode('a', 'b', 'mm', tA, tB)];
      let cur = 'mm';
      if (bias) {
        nodes.push({ op: 'Add', inputs: [cur, 'bias'], outputs: ['biased'] });
        cur = 'biased';
      }
      nodes.push({ op: activation === 'relu' ? 'Relu' : 'Identity', inputs: [cur], outputs: ['y'] });
      return {
        inputs: ins.map((t, i) => ({ name: ['a', 'b', 'bias'][i]!, rank: t.shape.length })),
        outputs: [{ name: 'y', rank: out.length }],
        nodes,
      };
    },
    feeds,
    [{ shape: out }],
  )[0]!;
}

export const matmulKernels: OrtKernelDef[] = [
  { kernelName: tf.BatchMatMul, body: batchMatMul },
  { kernelName: tf._FusedMatMul, body: fusedMatMul },
];

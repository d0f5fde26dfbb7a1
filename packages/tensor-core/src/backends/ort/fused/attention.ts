// Fused scaled dot-product attention (Vaswani et al., 2017) on [B, H, T, d]: softmax(q k^T scale + bias) v as
// one ORT graph (FusedMatMul with transB and alpha, Softmax, MatMul). Backward recomputes the probabilities P
// (cheaper than keeping them) and returns dq, dk, dv from one graph:
//   dv = P^T dO;  dP = dO v^T;  dS = P (dP - rowsum(dP P));  dq = dS k scale;  dk = dS^T q scale.
// `bias` is an additive logit bias broadcastable to [B, H, Tq, Tk] (the op turns a keep-mask into it; a scalar 0
// means none, since tfjs saves every named input for the gradient); it is a constant: its gradient is zero.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { matmulNode } from '../kernels/matmul.js';
import { callKernel, runFused } from './_kernel.js';

export const ATTENTION = 'VlpScaledDotProductAttention';
const ATTENTION_GRAD = 'VlpScaledDotProductAttentionGrad';

function probsNodes(hasBias: boolean, scale: number): NodeSpec[] {
  const nodes: NodeSpec[] = [matmulNode('q', 'k', 's', false, true, scale)];
  if (hasBias) nodes.push({ op: 'Add', inputs: ['s', 'bias'], outputs: ['sb'] });
  nodes.push({ op: 'Softmax', inputs: [hasBias ? 'sb' : 's'], outputs: ['p'], attrs: { axis: { i: -1 } } });
  return nodes;
}

/** The bias input when it does something (a one-element zero means no bias). */
function realBias(backend: OrtBackend, bias: tf.TensorInfo | undefined): tf.TensorInfo | undefined {
  if (!bias) return undefined;
  if (bias.shape.every((d) => d === 1) && backend.f32(bias)?.[0] === 0) return undefined;
  return bias;
}

function qkvInputs(bias: tf.TensorInfo | undefined, extra: string[] = []) {
  const names = [...extra, 'q', 'k', 'v', ...(bias ? ['bias'] : [])];
  return names.map((name) => ({ name, rank: name === 'bias' ? bias!.shape.length : 4 }));
}

export const attentionKernels: OrtKernelDef[] = [
  {
    kernelName: ATTENTION,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { q, k, v } = inputs;
      const bias = realBias(backend, inputs.bias);
      const scale = Number(attrs.scale);
      const out = [...q!.shape.slice(0, 3), v!.shape[3]!];
      return runFused(
        backend,
        ATTENTION,
        `${bias?.shape.length ?? -1}:${scale}`,
        (): GraphSpec => ({
          inputs: qkvInputs(bias),
          outputs: [{ name: 'o', rank: 4 }],
          nodes: [
            ...probsNodes(bias !== undefined, scale),
            { op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] },
          ],
        }),
        bias ? [q!, k!, v!, bias] : [q!, k!, v!],
        [{ shape: out }],
      )[0]!;
    },
  },
  {
    kernelName: ATTENTION_GRAD,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { dy, q, k, v } = inputs;
      const bias = realBias(backend, inputs.bias);
      const scale = Number(attrs.scale);
      return runFused(
        backend,
        ATTENTION_GRAD,
        `${bias?.shape.length ?? -1}:${scale}`,
        (): GraphSpec => ({
          inputs: qkvInputs(bias, ['dy']),
          outputs: [
            { name: 'dq', rank: 4 },
            { name: 'dk', rank: 4 },
            { name: 'dv', rank: 4 },
          ],
          nodes: [
            ...probsNodes(bias !== undefined, scale),
            matmulNode('p', 'dy', 'dv', true, false),
            matmulNode('dy', 'v', 'dp', false, true),
            { op: 'Mul', inputs: ['dp', 'p'], outputs: ['dpp'] },
            { op: 'ReduceSum', inputs: ['dpp', 'last'], outputs: ['rs'], attrs: { keepdims: { i: 1 } } },
            { op: 'Sub', inputs: ['dp', 'rs'], outputs: ['dpc'] },
            { op: 'Mul', inputs: ['dpc', 'p'], outputs: ['ds'] },
            matmulNode('ds', 'k', 'dq', false, false, scale),
            matmulNode('ds', 'q', 'dk', true, false, scale),
          ],
          consts: [{ name: 'last', dims: [1], dtype: 'int64', values: [-1] }],
        }),
        bias ? [dy!, q!, k!, v!, bias] : [dy!, q!, k!, v!],
        [{ shape: q!.shape }, { shape: k!.shape }, { shape: v!.shape }],
      );
    },
  },
];

export const attentionGradient: tf.GradConfig = {
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v', 'bias'],
  gradFunc: (dy, saved, attrs) => {
    const [q, k, v, bias] = saved;
    // One call for every input's gradient, made now: tfjs runs each thunk in its own tidy, and the backward
    // pass's tidy frees the ones no thunk returns.
    const ins = { dy: dy as tf.Tensor, q: q!, k: k!, v: v!, bias: bias! };
    const grads = callKernel(ATTENTION_GRAD, ins, { scale: Number(attrs.scale) });
    const get = (i: number) => grads[i]!;
    return { q: () => get(0), k: () => get(1), v: () => get(2), bias: () => tf.zerosLike(bias!) };
  },
};

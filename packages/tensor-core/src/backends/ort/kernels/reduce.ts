// Reductions (Sum, Mean, Max, Min), Softmax and Transpose on ORT, keyed by rank and axes/perm.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

const REDUCE: Record<string, string> = {
  [tf.Sum]: 'ReduceSum',
  [tf.Mean]: 'ReduceMean',
  [tf.Max]: 'ReduceMax',
  [tf.Min]: 'ReduceMin',
};

function reduce(name: string, onnxOp: string): OrtKernelDef {
  return {
    kernelName: name,
    body: (inputs, backend: OrtBackend, attrs) => {
      const x = inputs.x!;
      const rank = x.shape.length;
      // Max names its axes reductionIndices; a null axis means every axis (tf.mean(x)).
      const raw = ('reductionIndices' in attrs ? attrs.reductionIndices : attrs.axis) as number | number[];
      const axes = tf.util.parseAxisParam(raw, x.shape).sort((p, q) => p - q);
      const keepDims = Boolean(attrs.keepDims);
      if (axes.length === 0 || x.shape.includes(0)) return null;
      const feeds = backend.feeds([x]);
      if (!feeds || !backend.worthIt(x.shape)) return null;
      const out = x.shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
      const key = `${name}:${rank}:${axes.join(',')}:${keepDims}`;
      return backend.runGraph(
        key,
        () => {
          // ReduceSum takes axes as an input since opset 13; the others still take an attribute at opset 17.
          const sumLike = onnxOp === 'ReduceSum';
          const node: NodeSpec = {
            op: onnxOp,
            inputs: sumLike ? ['x', 'axes'] : ['x'],
            outputs: ['y'],
            attrs: sumLike
              ? { keepdims: { i: keepDims ? 1 : 0 } }
              : { keepdims: { i: keepDims ? 1 : 0 }, axes: { ints: axes } },
          };
          return {
            inputs: [{ name: 'x', rank }],
            outputs: [{ name: 'y', rank: out.length }],
            nodes: [node],
            consts: sumLike ? [{ name: 'axes', dims: [axes.length], dtype: 'int64', values: axes }] : [],
          };
        },
        feeds,
        [{ shape: out }],
      )[0]!;
    },
  };
}

const softmax: OrtKernelDef = {
  kernelName: tf.Softmax,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.logits!;
    const rank = x.shape.length;
    const dim = Number(attrs.dim ?? -1);
    const axis = dim < 0 ? rank + dim : dim;
    const feeds = backend.feeds([x]);
    if (!feeds || !backend.worthIt(x.shape) || rank === 0) return null;
    return backend.runGraph(
      `Softmax:${rank}:${axis}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank }],
        outputs: [{ name: 'y', rank }],
        nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: { i: axis } } }],
      }),
      feeds,
      [{ shape: x.shape }],
    )[0]!;
  },
};

const transpose: OrtKernelDef = {
  kernelName: tf.Transpose,
  body: (inputs, backend: OrtBackend, attrs) => {
    const x = inputs.x!;
    const perm = (attrs.perm as number[]).map(Number);
    const feeds = backend.feeds([x]);
    if (!feeds || !backend.worthIt(x.shape) || perm.every((p, i) => p === i)) return null;
    const out = perm.map((p) => x.shape[p]!);
    return backend.runGraph(
      `Transpose:${perm.join(',')}`,
      (): GraphSpec => ({
        inputs: [{ name: 'x', rank: perm.length }],
        outputs: [{ name: 'y', rank: perm.length }],
        nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm: { ints: perm } } }],
      }),
      feeds,
      [{ shape: out }],
    )[0]!;
  },
};

export const reduceKernels: OrtKernelDef[] = [
  ...Object.entries(REDUCE).map(([n, op]) => reduce(n, op)),
  softmax,
  transpose,
];

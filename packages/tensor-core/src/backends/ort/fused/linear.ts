// Fused affine map y = x @ W + b (W laid out [in, out], any leading dims of x): forward is one ORT graph
// (MatMul + Add); backward is one graph giving dx = dy W^T, dW = x^T dy and db = sum(dy) over rows.
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';

export const LINEAR = 'VlpLinear';
const LINEAR_GRAD = 'VlpLinearGrad';

export const linearKernels: OrtKernelDef[] = [
  {
    kernelName: LINEAR,
    body: (inputs, backend: OrtBackend) => {
      const { x, w, b } = inputs;
      const rank = x!.shape.length;
      const out = [...x!.shape.slice(0, -1), w!.shape[1]!];
      return runFused(
        backend,
        LINEAR,
        `${rank}:${b !== undefined}`,
        (): GraphSpec => ({
          inputs: [{ name: 'x', rank }, { name: 'w', rank: 2 }, ...(b ? [{ name: 'b', rank: 1 }] : [])],
          outputs: [{ name: 'y', rank }],
          // MatMul takes any leading dims; a separate Add measured faster than Gemm's bias (which first
          // broadcasts the bias into the output, then accumulates).
          nodes: b
            ? [
                { op: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] },
                { op: 'Add', inputs: ['xw', 'b'], outputs: ['y'] },
              ]
            : [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
        }),
        b ? [x!, w!, b] : [x!, w!],
        [{ shape: out }],
      )[0]!;
    },
  },
  {
    kernelName: LINEAR_GRAD,
    body: (inputs, backend: OrtBackend) => {
      const { dy, x, w } = inputs;
      const rank = x!.shape.length;
      return runFused(
        backend,
        LINEAR_GRAD,
        `${rank}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'dy', rank },
            { name: 'x', rank },
            { name: 'w', rank: 2 },
          ],
          outputs: [
            { name: 'dx', rank },
            { name: 'dw', rank: 2 },
            { name: 'db', rank: 1 },
          ],
          nodes: [
            { op: 'Flatten', inputs: ['x'], outputs: ['x2'], attrs: { axis: { i: rank - 1 } } },
            { op: 'Flatten', inputs: ['dy'], outputs: ['dy2'], attrs: { axis: { i: rank - 1 } } },
            { op: 'Gemm', inputs: ['dy2', 'w'], outputs: ['dx2'], attrs: { transB: { i: 1 } } },
            { op: 'Shape', inputs: ['x'], outputs: ['xs'] },
            { op: 'Reshape', inputs: ['dx2', 'xs'], outputs: ['dx'] },
            { op: 'Gemm', inputs: ['x2', 'dy2'], outputs: ['dw'], attrs: { transA: { i: 1 } } },
            { op: 'ReduceSum', inputs: ['dy2', 'rows'], outputs: ['db'], attrs: { keepdims: { i: 0 } } },
          ],
          consts: [{ name: 'rows', dims: [1], dtype: 'int64', values: [0] }],
        }),
        [dy!, x!, w!],
        [{ shape: x!.shape }, { shape: w!.shape }, { shape: [w!.shape[1]!] }],
      );
    },
  },
];

export const linearGradient: tf.GradConfig = {
  kernelName: LINEAR,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved) => {
    const [x, w] = saved;
    // One call for every input's gradient, made now: tfjs runs each thunk in its own tidy, and the backward
    // pass's tidy frees the ones no thunk returns.
    const grads = callKernel(LINEAR_GRAD, { dy: dy as tf.Tensor, x: x!, w: w! });
    const get = (i: number) => grads[i]!;
    return { x: () => get(0), w: () => get(1), b: () => get(2) };
  },
};

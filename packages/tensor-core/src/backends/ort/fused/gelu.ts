// Fused GELU with the tanh approximation (Hendrycks & Gimpel, 2016): forward is onnxruntime's FastGelu (one
// vectorised MLAS pass); backward is one graph computing dy * d/dx[0.5 x (1 + tanh(c (x + a x^3)))].
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';

export const GELU_TANH = 'VlpGeluTanh';
const GELU_TANH_GRAD = 'VlpGeluTanhGrad';
const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

function geluGradNodes(): NodeSpec[] {
  const k = (name: string) => name;
  return [
    // u = c x + c a x^3 = x (c + c a x^2); du/dx = c + 3 c a x^2
    { op: 'Mul', inputs: ['x', 'x'], outputs: [k('x2')] },
    { op: 'Mul', inputs: ['x2', 'ca'], outputs: ['cax2'] },
    { op: 'Add', inputs: ['cax2', 'c'], outputs: ['p'] },
    { op: 'Mul', inputs: ['x', 'p'], outputs: ['u'] },
    { op: 'Tanh', inputs: ['u'], outputs: ['t'] },
    { op: 'Mul', inputs: ['x2', 'ca3'], outputs: ['ca3x2'] },
    { op: 'Add', inputs: ['ca3x2', 'c'], outputs: ['du'] },
    // dgelu = 0.5 (1 + t) + 0.5 x (1 - t^2) du
    { op: 'Mul', inputs: ['t', 't'], outputs: ['t2'] },
    { op: 'Sub', inputs: ['one', 't2'], outputs: ['sech2'] },
    { op: 'Mul', inputs: ['sech2', 'du'], outputs: ['s1'] },
    { op: 'Mul', inputs: ['s1', 'x'], outputs: ['s2'] },
    { op: 'Add', inputs: ['s2', 't'], outputs: ['s3'] },
    { op: 'Add', inputs: ['s3', 'one'], outputs: ['s4'] },
    { op: 'Mul', inputs: ['dy', 'half'], outputs: ['hdy'] },
    { op: 'Mul', inputs: ['s4', 'hdy'], outputs: ['dx'] },
  ];
}

const scalar = (name: string, v: number) => ({ name, dims: [], dtype: 'float32' as const, values: [v] });

export const geluKernels: OrtKernelDef[] = [
  {
    kernelName: GELU_TANH,
    body: (inputs, backend: OrtBackend) => {
      const x = inputs.x!;
      const rank = x.shape.length;
      return runFused(
        backend,
        GELU_TANH,
        `${rank}`,
        (): GraphSpec => ({
          inputs: [{ name: 'x', rank }],
          outputs: [{ name: 'y', rank }],
          nodes: [{ op: 'FastGelu', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'] }],
        }),
        [x],
        [{ shape: x.shape }],
      )[0]!;
    },
  },
  {
    kernelName: GELU_TANH_GRAD,
    body: (inputs, backend: OrtBackend) => {
      const { dy, x } = inputs;
      const rank = x!.shape.length;
      return runFused(
        backend,
        GELU_TANH_GRAD,
        `${rank}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'dy', rank },
            { name: 'x', rank },
          ],
          outputs: [{ name: 'dx', rank }],
          nodes: geluGradNodes(),
          consts: [
            scalar('c', C),
            scalar('ca', C * A),
            scalar('ca3', 3 * C * A),
            scalar('one', 1),
            scalar('half', 0.5),
          ],
        }),
        [dy!, x!],
        [{ shape: x!.shape }],
      )[0]!;
    },
  },
];

export const geluGradient: tf.GradConfig = {
  kernelName: GELU_TANH,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => callKernel(GELU_TANH_GRAD, { dy: dy as tf.Tensor, x: x! })[0]! };
  },
};

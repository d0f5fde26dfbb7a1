// Fused layer normalisation (Ba et al., 2016) over the last axis, biased variance as torch.nn.LayerNorm:
// forward is ONNX LayerNormalization (one MLAS pass); backward is one graph recomputing mean and 1/std:
//   dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma;  dgamma = sum(dy xhat);  dbeta = sum(dy).
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';
import { normGradNodes } from './_norm-grad.js';

export const LAYER_NORM = 'VlpLayerNorm';
const LAYER_NORM_GRAD = 'VlpLayerNormGrad';

function epsOf(attrs: tf.NamedAttrMap): number {
  return Number(attrs.eps ?? attrs.epsilon ?? 1e-5);
}

export const layerNormKernels: OrtKernelDef[] = [
  {
    kernelName: LAYER_NORM,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { x, gamma, beta } = inputs;
      const rank = x!.shape.length;
      const eps = epsOf(attrs);
      return runFused(
        backend,
        LAYER_NORM,
        `${rank}:${eps}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'x', rank },
            { name: 'gamma', rank: 1 },
            { name: 'beta', rank: 1 },
          ],
          outputs: [{ name: 'y', rank }],
          nodes: [
            {
              op: 'LayerNormalization',
              inputs: ['x', 'gamma', 'beta'],
              outputs: ['y'],
              attrs: { axis: { i: -1 }, epsilon: { f: eps } },
            },
          ],
        }),
        [x!, gamma!, beta!],
        [{ shape: x!.shape }],
      )[0]!;
    },
  },
  {
    kernelName: LAYER_NORM_GRAD,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { dy, x, gamma } = inputs;
      const rank = x!.shape.length;
      const eps = epsOf(attrs);
      const lead = Array.from({ length: rank - 1 }, (_, i) => i);
      const last = { axes: { ints: [-1] }, keepdims: { i: 1 } };
      const d = x!.shape[rank - 1]!;
      return runFused(
        backend,
        LAYER_NORM_GRAD,
        `${rank}:${eps}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'dy', rank },
            { name: 'x', rank },
            { name: 'gamma', rank: 1 },
          ],
          outputs: [
            { name: 'dx', rank },
            { name: 'dgamma', rank: 1 },
            { name: 'dbeta', rank: 1 },
          ],
          nodes: [
            { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: last },
            { op: 'Sub', inputs: ['x', 'mean'], outputs: ['xc'] },
            { op: 'Mul', inputs: ['xc', 'xc'], outputs: ['xc2'] },
            { op: 'ReduceMean', inputs: ['xc2'], outputs: ['var'], attrs: last },
            ...normGradNodes(last, 'dx'),
          ],
          consts: [
            { name: 'eps', dims: [], dtype: 'float32', values: [eps] },
            { name: 'lead', dims: [lead.length], dtype: 'int64', values: lead },
          ],
        }),
        [dy!, x!, gamma!],
        [{ shape: x!.shape }, { shape: [d] }, { shape: [d] }],
      );
    },
  },
];

export const layerNormGradient: tf.GradConfig = {
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma] = saved;
    const eps = epsOf(attrs);
    // One call for every input's gradient, made now: tfjs runs each thunk in its own tidy, and the backward
    // pass's tidy frees the ones no thunk returns.
    const grads = callKernel(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, x: x!, gamma: gamma! }, { eps });
    const get = (i: number) => grads[i]!;
    return { x: () => get(0), gamma: () => get(1), beta: () => get(2) };
  },
};

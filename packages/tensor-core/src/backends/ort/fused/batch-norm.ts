// Fused training-mode batch normalisation (Ioffe & Szegedy, 2015) over every axis but the last (channels-last,
// biased batch variance as torch.nn.BatchNorm2d in train()): forward is one graph giving y and the batch
// statistics (for the running buffers); backward is one graph reusing those statistics (n = rows per channel):
//   dx = rstd (g - mean(g) - xhat mean(g xhat)) + dmean / n + dvar 2 (x - mean) / n,  g = dy gamma;
//   dgamma = sum(dy xhat);  dbeta = sum(dy).
// The tfjs composite (moments, sub, mul, rsqrt, mul, add and their gradients) was ~15 elementwise kernel
// calls per BatchNorm per step, each a full pass over the feature map.
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';
import { normGradNodes } from './_norm-grad.js';

export const BATCH_NORM = 'VlpBatchNorm';
const BATCH_NORM_GRAD = 'VlpBatchNormGrad';

function epsOf(attrs: tf.NamedAttrMap): number {
  return Number(attrs.eps ?? 1e-5);
}

/** Nodes computing mean, xc = x - mean, var and rstd over the leading axes (kept as size-1 dims). */
function statNodes(lead: number[]): NodeSpec[] {
  const keep = { axes: { ints: lead }, keepdims: { i: 1 } };
  return [
    { op: 'ReduceMean', inputs: ['x'], outputs: ['mean'], attrs: keep },
    { op: 'Sub', inputs: ['x', 'mean'], outputs: ['xc'] },
    { op: 'Mul', inputs: ['xc', 'xc'], outputs: ['xc2'] },
    { op: 'ReduceMean', inputs: ['xc2'], outputs: ['var'], attrs: keep },
    { op: 'Add', inputs: ['var', 'eps'], outputs: ['vareps'] },
    { op: 'Sqrt', inputs: ['vareps'], outputs: ['std'] },
    { op: 'Reciprocal', inputs: ['std'], outputs: ['rstd'] },
  ];
}

function checkShapes(x: tf.TensorInfo, gamma: tf.TensorInfo): void {
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || gamma.shape.length !== 1 || gamma.shape[0] !== c) {
    throw new Error(
      `${BATCH_NORM}: x [${x.shape}] must be [..., C] with gamma [C], got gamma [${gamma.shape}]`,
    );
  }
}

export const batchNormKernels: OrtKernelDef[] = [
  {
    kernelName: BATCH_NORM,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { x, gamma, beta } = inputs; // x [..., C], gamma [C], beta [C]
      checkShapes(x!, gamma!);
      const rank = x!.shape.length;
      const c = x!.shape[rank - 1]!;
      const eps = epsOf(attrs);
      const lead = Array.from({ length: rank - 1 }, (_, i) => i);
      return runFused(
        backend,
        BATCH_NORM,
        `${rank}:${eps}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'x', rank },
            { name: 'gamma', rank: 1 },
            { name: 'beta', rank: 1 },
          ],
          outputs: [
            { name: 'y', rank },
            { name: 'bmean', rank: 1 },
            { name: 'bvar', rank: 1 },
          ],
          nodes: [
            ...statNodes(lead),
            { op: 'Mul', inputs: ['rstd', 'gamma'], outputs: ['scale'] }, // [1.., C]
            { op: 'Mul', inputs: ['xc', 'scale'], outputs: ['xs'] },
            { op: 'Add', inputs: ['xs', 'beta'], outputs: ['y'] },
            { op: 'Reshape', inputs: ['mean', 'flat'], outputs: ['bmean'] },
            { op: 'Reshape', inputs: ['var', 'flat'], outputs: ['bvar'] },
          ],
          consts: [
            { name: 'eps', dims: [], dtype: 'float32', values: [eps] },
            { name: 'flat', dims: [1], dtype: 'int64', values: [-1] },
          ],
        }),
        [x!, gamma!, beta!],
        [{ shape: x!.shape }, { shape: [c] }, { shape: [c] }],
      );
    },
  },
  {
    kernelName: BATCH_NORM_GRAD,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { dy, dmean, dvar, x, gamma, mean, variance } = inputs; // mean, variance: the forward's outputs
      checkShapes(x!, gamma!);
      const rank = x!.shape.length;
      const c = x!.shape[rank - 1]!;
      const n = x!.shape.slice(0, -1).reduce((p, q) => p * q, 1);
      const eps = epsOf(attrs);
      const lead = Array.from({ length: rank - 1 }, (_, i) => i);
      const keep = { axes: { ints: lead }, keepdims: { i: 1 } };
      return runFused(
        backend,
        BATCH_NORM_GRAD,
        `${rank}:${eps}:${n}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'dy', rank },
            { name: 'dmean', rank: 1 },
            { name: 'dvar', rank: 1 },
            { name: 'x', rank },
            { name: 'gamma', rank: 1 },
            { name: 'mean', rank: 1 },
            { name: 'var', rank: 1 },
          ],
          outputs: [
            { name: 'dx', rank },
            { name: 'dgamma', rank: 1 },
            { name: 'dbeta', rank: 1 },
          ],
          nodes: [
            // The forward's statistics ([C], broadcast over the rows) instead of two more passes over x.
            { op: 'Sub', inputs: ['x', 'mean'], outputs: ['xc'] },
            ...normGradNodes(keep, 'dxn'),
            // The statistics outputs' own cotangents: d mean / dx = 1/n, d var / dx = 2 (x - mean) / n.
            { op: 'Mul', inputs: ['dvar', 'twoOverN'], outputs: ['dv2'] },
            { op: 'Mul', inputs: ['xc', 'dv2'], outputs: ['dxv'] },
            { op: 'Mul', inputs: ['dmean', 'oneOverN'], outputs: ['dm'] },
            { op: 'Add', inputs: ['dxv', 'dm'], outputs: ['dxs'] },
            { op: 'Add', inputs: ['dxn', 'dxs'], outputs: ['dx'] },
          ],
          consts: [
            { name: 'eps', dims: [], dtype: 'float32', values: [eps] },
            { name: 'oneOverN', dims: [], dtype: 'float32', values: [1 / n] },
            { name: 'twoOverN', dims: [], dtype: 'float32', values: [2 / n] },
            { name: 'lead', dims: [lead.length], dtype: 'int64', values: lead },
          ],
        }),
        [dy!, dmean!, dvar!, x!, gamma!, mean!, variance!],
        [{ shape: x!.shape }, { shape: [c] }, { shape: [c] }],
      );
    },
  },
];

export const batchNormGradient: tf.GradConfig = {
  kernelName: BATCH_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, mean, variance] = saved;
    // tfjs passes one cotangent per output (zeros for the statistics when only y reaches the loss).
    const [dy, dmean, dvar] = dys as tf.Tensor[];
    const eps = epsOf(attrs);
    // One call for every input's gradient, made now: tfjs runs each thunk in its own tidy, and the backward
    // pass's tidy frees the ones no thunk returns.
    const grads = callKernel(
      BATCH_NORM_GRAD,
      { dy: dy!, dmean: dmean!, dvar: dvar!, x: x!, gamma: gamma!, mean: mean!, variance: variance! },
      { eps },
    );
    const get = (i: number) => grads[i]!;
    return { x: () => get(0), gamma: () => get(1), beta: () => get(2) };
  },
};

// Fused training-mode batch normalisation (Ioffe & Szegedy, 2015) over every axis but the last (channels-last,
// biased batch variance as torch.nn.BatchNorm2d in train()): forward is one graph giving y and the batch
// statistics (for the running buffers); backward is one graph reusing those statistics (n = rows per channel):
//   dx = a dy + b (x - mean) + c,  a = gamma rstd,  b = 2 dvar / n - a rstd^2 sum(dy (x - mean)) / n,
//   c = (dmean - a sum(dy)) / n;  dgamma = rstd sum(dy (x - mean));  dbeta = sum(dy).
// Layout: x [..., C] is viewed as "wide rows" [n / R, R C] (R a divisor of n, R C <= WIDE) and every
// per-channel vector is tiled R times, because ORT broadcasts a [C] operand over [n, C] in C-float spans
// and reduces over the leading axes slowly (each ~3-10x a plain pass at C = 16); the column sums are a
// matrix-vector product ones [1, n / R] x [n / R, R C], folded from [R, C] to [C]. At [128, 32, 32, 16]
// this made the gradient graph ~4x faster (129 -> 31 ms measured). The tfjs composite (moments, sub, mul,
// rsqrt, ...) was ~15 elementwise kernel calls per BatchNorm per step.
import type * as tf from '@tensorflow/tfjs-core';
import type { ConstSpec, GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';

export const BATCH_NORM = 'VlpBatchNorm';
const BATCH_NORM_GRAD = 'VlpBatchNormGrad';

/** Widest row (floats) the wide-rows view aims for. */
const WIDE = 1024;

function epsOf(attrs: tf.NamedAttrMap): number {
  return Number(attrs.eps ?? 1e-5);
}

/** n rows of c channels as [m, r c] wide rows: r the largest divisor of n with r c <= WIDE (at least 1). */
function wideRows(n: number, c: number): { r: number; m: number } {
  let r = 1;
  for (let d = Math.max(1, Math.floor(WIDE / c)); d > 1; d--) {
    if (n % d === 0) {
      r = d;
      break;
    }
  }
  return { r, m: n / r };
}

/** Constants every graph here uses: the wide shape, ones for column sums, the fold and tile shapes. */
function layoutConsts(c: number, r: number, m: number, eps: number): ConstSpec[] {
  return [
    { name: 'wide', dims: [2], dtype: 'int64', values: [m, r * c] },
    { name: 'ones', dims: [1, m], dtype: 'float32', values: new Array<number>(m).fill(1) },
    { name: 'fold', dims: [2], dtype: 'int64', values: [r, c] },
    { name: 'ax0', dims: [1], dtype: 'int64', values: [0] },
    { name: 'reps', dims: [1], dtype: 'int64', values: [r] },
    { name: 'eps', dims: [], dtype: 'float32', values: [eps] },
    { name: 'invN', dims: [], dtype: 'float32', values: [1 / (r * m)] },
  ];
}

/** Nodes for `out` [C] = the column sums of wide-rows `src` [m, R C]. */
function colSum(src: string, out: string): NodeSpec[] {
  return [
    { op: 'MatMul', inputs: ['ones', src], outputs: [`${out}_w`] }, // [1, R C]
    { op: 'Reshape', inputs: [`${out}_w`, 'fold'], outputs: [`${out}_f`] }, // [R, C]
    { op: 'ReduceSum', inputs: [`${out}_f`, 'ax0'], outputs: [out], attrs: { keepdims: { i: 0 } } }, // [C]
  ];
}

/** Node tiling the per-channel vector `v` [C] to a wide row `${v}T` [R C]. */
function tile(v: string): NodeSpec {
  return { op: 'Tile', inputs: [v, 'reps'], outputs: [`${v}T`] };
}

/** Nodes computing mean, var (biased) and rstd [C] and the centred wide rows xc from wide rows xw. */
function statNodes(): NodeSpec[] {
  return [
    ...colSum('xw', 'xsum'),
    { op: 'Mul', inputs: ['xsum', 'invN'], outputs: ['mean'] },
    tile('mean'),
    { op: 'Sub', inputs: ['xw', 'meanT'], outputs: ['xc'] },
    { op: 'Mul', inputs: ['xc', 'xc'], outputs: ['xc2'] },
    ...colSum('xc2', 'sq'),
    { op: 'Mul', inputs: ['sq', 'invN'], outputs: ['var'] },
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

/** Rows n (product of the leading axes) and channels c of x [..., C]. */
function dimsOf(x: tf.TensorInfo): { n: number; c: number; rank: number } {
  const rank = x.shape.length;
  return { n: x.shape.slice(0, -1).reduce((p, q) => p * q, 1), c: x.shape[rank - 1]!, rank };
}

export const batchNormKernels: OrtKernelDef[] = [
  {
    kernelName: BATCH_NORM,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { x, gamma, beta } = inputs; // x [..., C], gamma [C], beta [C]
      checkShapes(x!, gamma!);
      const { n, c, rank } = dimsOf(x!);
      const { r, m } = wideRows(n, c);
      const eps = epsOf(attrs);
      return runFused(
        backend,
        BATCH_NORM,
        `${rank}:${eps}:${n}:${c}`,
        (): GraphSpec => ({
          inputs: [
            { name: 'x', rank },
            { name: 'gamma', rank: 1 },
            { name: 'beta', rank: 1 },
          ],
          outputs: [
            { name: 'y', rank },
            { name: 'mean', rank: 1 },
            { name: 'var', rank: 1 },
          ],
          nodes: [
            { op: 'Reshape', inputs: ['x', 'wide'], outputs: ['xw'] }, // [m, R C]
            ...statNodes(),
            { op: 'Mul', inputs: ['rstd', 'gamma'], outputs: ['scale'] }, // [C]
            tile('scale'),
            tile('beta'),
            { op: 'Mul', inputs: ['xc', 'scaleT'], outputs: ['xs'] },
            { op: 'Add', inputs: ['xs', 'betaT'], outputs: ['yw'] },
            { op: 'Reshape', inputs: ['yw', 'xshape'], outputs: ['y'] },
          ],
          consts: [
            ...layoutConsts(c, r, m, eps),
            { name: 'xshape', dims: [rank], dtype: 'int64', values: [...x!.shape] },
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
      const { n, c, rank } = dimsOf(x!);
      const { r, m } = wideRows(n, c);
      const eps = epsOf(attrs);
      return runFused(
        backend,
        BATCH_NORM_GRAD,
        `${rank}:${eps}:${n}:${c}`,
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
            // The forward's statistics instead of two more passes over x.
            { op: 'Reshape', inputs: ['x', 'wide'], outputs: ['xw'] }, // [m, R C]
            { op: 'Reshape', inputs: ['dy', 'wide'], outputs: ['dyw'] },
            tile('mean'),
            { op: 'Sub', inputs: ['xw', 'meanT'], outputs: ['xc'] },
            { op: 'Add', inputs: ['var', 'eps'], outputs: ['vareps'] },
            { op: 'Sqrt', inputs: ['vareps'], outputs: ['std'] },
            { op: 'Reciprocal', inputs: ['std'], outputs: ['rstd'] },
            ...colSum('dyw', 'dbeta'), // sum(dy)
            { op: 'Mul', inputs: ['dyw', 'xc'], outputs: ['dyxc'] },
            ...colSum('dyxc', 'sdyxc'), // sum(dy (x - mean))
            { op: 'Mul', inputs: ['sdyxc', 'rstd'], outputs: ['dgamma'] },
            // Per-channel coefficients of dx = a dy + b xc + c.
            { op: 'Mul', inputs: ['gamma', 'rstd'], outputs: ['a'] },
            { op: 'Mul', inputs: ['a', 'rstd'], outputs: ['ar'] },
            { op: 'Mul', inputs: ['ar', 'dgamma'], outputs: ['b1'] }, // a rstd^2 sum(dy xc)
            { op: 'Mul', inputs: ['dvar', 'two'], outputs: ['b2'] },
            { op: 'Sub', inputs: ['b2', 'b1'], outputs: ['bn'] },
            { op: 'Mul', inputs: ['bn', 'invN'], outputs: ['b'] },
            { op: 'Mul', inputs: ['a', 'dbeta'], outputs: ['c1'] },
            { op: 'Sub', inputs: ['dmean', 'c1'], outputs: ['cn'] },
            { op: 'Mul', inputs: ['cn', 'invN'], outputs: ['c'] },
            tile('a'),
            tile('b'),
            tile('c'),
            { op: 'Mul', inputs: ['dyw', 'aT'], outputs: ['t1'] },
            { op: 'Mul', inputs: ['xc', 'bT'], outputs: ['t2'] },
            { op: 'Add', inputs: ['t1', 't2'], outputs: ['t3'] },
            { op: 'Add', inputs: ['t3', 'cT'], outputs: ['dxw'] },
            { op: 'Reshape', inputs: ['dxw', 'xshape'], outputs: ['dx'] },
          ],
          consts: [
            ...layoutConsts(c, r, m, eps),
            { name: 'two', dims: [], dtype: 'float32', values: [2] },
            { name: 'xshape', dims: [rank], dtype: 'int64', values: [...x!.shape] },
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

// Fused 2-D convolution for ops/conv.ts (NHWC, dilation 1, explicit zero padding): one ORT graph forward and
// one per gradient (each run only when the reverse pass needs it), the padding inside the graphs (no padded
// copy of x kept for the backward, no PadV2 forward and Slice backward):
//   forward   y  = Conv(x^T, W^T) with pads [top, left, bottom, right]           (NCHW inside, NHWC out)
//   backward  dx = ConvTranspose(dy^T, W^T) with the same pads, output_padding restoring the input size
//             dW = per tap (i, j): pad(x as [C, B, H, W]) window [C, N] x dy [N, O] (fused/conv-filter-grad.ts)
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { callKernel, runFused } from './_kernel.js';
import { filterGradNodes } from './conv-filter-grad.js';

export const CONV2D = 'VlpConv2d';
const CONV2D_GRAD = 'VlpConv2dGrad';

/** Checked geometry of one call: x [B, H, W, C], w [kh, kw, C, O], strides, pads [t, b, l, r], output size. */
interface Geometry {
  nb: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  o: number;
  sh: number;
  sw: number;
  pads: [number, number, number, number];
  oh: number;
  ow: number;
}

function geometryOf(kernel: string, x: tf.TensorInfo, w: tf.TensorInfo, attrs: tf.NamedAttrMap): Geometry {
  const strides = attrs.strides as number[] | undefined;
  const pads = attrs.pads as number[] | undefined;
  if (!Array.isArray(strides) || strides.length !== 2 || strides.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${kernel}: attr strides must be two positive integers, got ${String(strides)}`);
  }
  if (!Array.isArray(pads) || pads.length !== 4 || pads.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${kernel}: attr pads must be [top, bottom, left, right] >= 0, got ${String(pads)}`);
  }
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.shape[3] !== w.shape[2]) {
    throw new Error(`${kernel}: x [${x.shape}] must be [B, H, W, C] and w [${w.shape}] [kh, kw, C, O]`);
  }
  const [nb, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, , o] = w.shape as [number, number, number, number];
  const [sh, sw] = strides as [number, number];
  const [pt, pb, pl, pr] = pads as [number, number, number, number];
  if (h + pt + pb < kh || wd + pl + pr < kw) {
    throw new Error(`${kernel}: a ${kh}x${kw} kernel does not fit x [${x.shape}] padded by [${pads}]`);
  }
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - kw) / sw) + 1;
  return { nb, h, w: wd, c, kh, kw, o, sh, sw, pads: [pt, pb, pl, pr], oh, ow };
}

/** ONNX pads order [top, left, bottom, right] from [top, bottom, left, right]. */
function onnxPads(g: Geometry): number[] {
  const [pt, pb, pl, pr] = g.pads;
  return [pt, pl, pb, pr];
}

function key(g: Geometry): string {
  return `${g.kh},${g.kw}:${g.sh},${g.sw}:${g.pads}:${g.h},${g.w}:${g.c},${g.o}`;
}

const perm = (ints: number[]) => ({ perm: { ints } });

export const conv2dKernels: OrtKernelDef[] = [
  {
    kernelName: CONV2D,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { x, w } = inputs; // x [B, H, W, C], w [kh, kw, C, O]
      const g = geometryOf(CONV2D, x!, w!, attrs);
      return runFused(
        backend,
        CONV2D,
        key(g),
        (): GraphSpec => ({
          inputs: [
            { name: 'x', rank: 4 },
            { name: 'w', rank: 4 },
          ],
          outputs: [{ name: 'y', rank: 4 }],
          memPattern: false, // large intermediates: see GraphSpec.memPattern
          nodes: [
            { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: perm([0, 3, 1, 2]) }, // [B, C, H, W]
            { op: 'Transpose', inputs: ['w'], outputs: ['wt'], attrs: perm([3, 2, 0, 1]) }, // [O, C, kh, kw]
            {
              op: 'Conv',
              inputs: ['xt', 'wt'],
              outputs: ['yt'],
              attrs: { pads: { ints: onnxPads(g) }, strides: { ints: [g.sh, g.sw] } },
            }, // [B, O, OH, OW]
            { op: 'Transpose', inputs: ['yt'], outputs: ['y'], attrs: perm([0, 2, 3, 1]) },
          ],
        }),
        [x!, w!],
        [{ shape: [g.nb, g.oh, g.ow, g.o] }],
      )[0]!;
    },
  },
  {
    kernelName: CONV2D_GRAD,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { dy, x, w } = inputs; // dy [B, OH, OW, O]
      const g = geometryOf(CONV2D_GRAD, x!, w!, attrs);
      if (dy!.shape.join(',') !== [g.nb, g.oh, g.ow, g.o].join(',')) {
        throw new Error(
          `${CONV2D_GRAD}: dy [${dy!.shape}] is not the output shape [${[g.nb, g.oh, g.ow, g.o]}]`,
        );
      }
      if (attrs.wrt !== 'x' && attrs.wrt !== 'w') {
        throw new Error(`${CONV2D_GRAD}: attr wrt must be 'x' or 'w', got ${String(attrs.wrt)}`);
      }
      const [pt, pb, pl, pr] = g.pads;
      if (attrs.wrt === 'x') {
        // ConvTranspose's natural output size and the rows/cols no output position reached (< stride).
        const outPad = [
          g.h - ((g.oh - 1) * g.sh + g.kh - pt - pb),
          g.w - ((g.ow - 1) * g.sw + g.kw - pl - pr),
        ];
        return runFused(
          backend,
          CONV2D_GRAD,
          `x:${key(g)}`,
          (): GraphSpec => ({
            inputs: [
              { name: 'dy', rank: 4 },
              { name: 'w', rank: 4 },
            ],
            outputs: [{ name: 'dx', rank: 4 }],
            memPattern: false, // large intermediates: see GraphSpec.memPattern
            nodes: [
              { op: 'Transpose', inputs: ['w'], outputs: ['wt'], attrs: perm([3, 2, 0, 1]) }, // [O, C, kh, kw]
              { op: 'Transpose', inputs: ['dy'], outputs: ['dyt'], attrs: perm([0, 3, 1, 2]) }, // [B, O, OH, OW]
              {
                op: 'ConvTranspose',
                inputs: ['dyt', 'wt'],
                outputs: ['dxt'],
                attrs: {
                  pads: { ints: onnxPads(g) },
                  strides: { ints: [g.sh, g.sw] },
                  output_padding: { ints: outPad },
                },
              }, // [B, C, H, W]
              { op: 'Transpose', inputs: ['dxt'], outputs: ['dx'], attrs: perm([0, 2, 3, 1]) },
            ],
          }),
          [dy!, w!],
          [{ shape: x!.shape }],
        )[0]!;
      }
      const padded = pt + pb + pl + pr > 0;
      return runFused(
        backend,
        CONV2D_GRAD,
        `w:${key(g)}`,
        (): GraphSpec => {
          const fg = filterGradNodes(padded ? 'xcp' : 'xc', 'dy', 'dw', g);
          return {
            inputs: [
              { name: 'dy', rank: 4 },
              { name: 'x', rank: 4 },
            ],
            outputs: [{ name: 'dw', rank: 4 }],
            memPattern: false, // large intermediates: see GraphSpec.memPattern
            nodes: [
              { op: 'Transpose', inputs: ['x'], outputs: ['xc'], attrs: perm([3, 0, 1, 2]) }, // [C, B, H, W]
              ...(padded ? [{ op: 'Pad', inputs: ['xc', 'pads'], outputs: ['xcp'] }] : []),
              ...fg.nodes,
            ],
            consts: [
              ...fg.consts,
              ...(padded
                ? [{ name: 'pads', dims: [8], dtype: 'int64' as const, values: [0, 0, pt, pl, 0, 0, pb, pr] }]
                : []),
            ],
          };
        },
        [dy!, x!],
        [{ shape: w!.shape }],
      )[0]!;
    },
  },
];

export const conv2dGradient: tf.GradConfig = {
  kernelName: CONV2D,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved, attrs) => {
    const [x, w] = saved;
    // One graph per gradient, run only when asked for: the reverse pass asks only for the inputs on the
    // path to the variables (a stem conv's pixels need no dx).
    const grad = (wrt: 'x' | 'w') => () =>
      callKernel(CONV2D_GRAD, { dy: dy as tf.Tensor, x: x!, w: w! }, { ...attrs, wrt })[0]!;
    return { x: grad('x'), w: grad('w') };
  },
};

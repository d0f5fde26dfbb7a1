// Fused convolution filter gradient for ops/conv.ts (dilation 1, input already padded) as ONE ORT graph,
//   dW[i, j, c, o] = sum_{b, y, x} xpad[b, y*sh + i, x*sw + j, c] * dy[b, y, x, o]
// with x moved channel-first once ([C, B, Hp, Wp]); then per tap (i, j) a (strided) Slice is that tap's input
// window as a [C, N] matrix (N = B OH OW), one plain MatMul with dy [N, O] gives dW[i, j] [C, O], and the
// kh kw small results are concatenated. This never materialises the kh kw-times-larger patch tensor: the
// previous graph (taps stacked into [kh kw, N, C], one FusedMatMul with transA) spent ~80% of its time
// concatenating that tensor, and was 3-4x slower at resnet-tiny's batch-128 shapes (measured 200 vs 51 ms
// for [128, 34, 34, 16] x [128, 32, 32, 16]).
// The tfjs composite (the same slices, a concat and a matmul as separate kernels) spent most of a ResNet step in
// PadV2 / Slice / Concat / BatchMatMul calls; ORT's Conv-based Conv2DBackpropFilter is slower still (a whole
// dy image as the kernel). It is a gradient, not differentiated again, so it registers no gradient itself.
import type * as tf from '@tensorflow/tfjs-core';
import type { ConstSpec, GraphSpec, NodeSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';
import { runFused } from './_kernel.js';

export const CONV_FILTER_GRAD = 'VlpConv2dFilterGrad';

function intsAttr(attrs: tf.NamedAttrMap, name: string): [number, number] {
  const v = attrs[name] as number[] | undefined;
  if (!Array.isArray(v) || v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${CONV_FILTER_GRAD}: attr ${name} must be two positive integers, got ${String(v)}`);
  }
  return [v[0]!, v[1]!];
}

/** Filter-gradient geometry: kernel, strides, output size, in and out channels. */
export interface FilterGradGeometry {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  c: number;
  o: number;
}

/**
 * Graph nodes and constants (prefixed `fg_`) for dw [kh, kw, C, O] from `xt`, the padded input channel-first
 * [C, B, Hp, Wp], and `dy` [B, OH, OW, O] (NHWC): per tap a Slice, a Reshape to [C, N] and a MatMul.
 */
export function filterGradNodes(
  xt: string,
  dy: string,
  dw: string,
  g: FilterGradGeometry,
): { nodes: NodeSpec[]; consts: ConstSpec[] } {
  const { kh, kw, sh, sw, oh, ow, c, o } = g;
  const strided = sh > 1 || sw > 1;
  const nodes: NodeSpec[] = [{ op: 'Reshape', inputs: [dy, 'fg_dyrows'], outputs: ['fg_dy2'] }]; // [N, O]
  const consts: ConstSpec[] = [
    { name: 'fg_axes', dims: [2], dtype: 'int64', values: [2, 3] },
    ...(strided ? [{ name: 'fg_steps', dims: [2], dtype: 'int64' as const, values: [sh, sw] }] : []),
    { name: 'fg_dyrows', dims: [2], dtype: 'int64', values: [-1, o] },
    { name: 'fg_crows', dims: [2], dtype: 'int64', values: [c, -1] },
    { name: 'fg_wshape', dims: [4], dtype: 'int64', values: [kh, kw, c, o] },
  ];
  const parts: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const t = `fg_${i}_${j}`;
      consts.push(
        { name: `${t}_s`, dims: [2], dtype: 'int64', values: [i, j] },
        { name: `${t}_e`, dims: [2], dtype: 'int64', values: [i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1] },
      );
      // (Slice's steps input only when strided: the stepped path is ~3x slower at step 1.)
      const sliceIn = [xt, `${t}_s`, `${t}_e`, 'fg_axes', ...(strided ? ['fg_steps'] : [])];
      nodes.push(
        { op: 'Slice', inputs: sliceIn, outputs: [`${t}_c`] }, // [C, B, OH, OW]: tap (i, j)'s inputs
        { op: 'Reshape', inputs: [`${t}_c`, 'fg_crows'], outputs: [`${t}_r`] }, // [C, N]
        { op: 'MatMul', inputs: [`${t}_r`, 'fg_dy2'], outputs: [`${t}_m`] }, // [C, O]
      );
      parts.push(`${t}_m`);
    }
  }
  nodes.push(
    parts.length > 1
      ? { op: 'Concat', inputs: parts, outputs: ['fg_dw2'], attrs: { axis: { i: 0 } } } // [kh kw C, O]
      : { op: 'Identity', inputs: parts, outputs: ['fg_dw2'] },
    { op: 'Reshape', inputs: ['fg_dw2', 'fg_wshape'], outputs: [dw] },
  );
  return { nodes, consts };
}

export const convFilterGradKernels: OrtKernelDef[] = [
  {
    kernelName: CONV_FILTER_GRAD,
    body: (inputs, backend: OrtBackend, attrs) => {
      const { x, dy } = inputs; // x [B, Hp, Wp, C] (padded), dy [B, OH, OW, O]
      const [kh, kw] = intsAttr(attrs, 'kernel');
      const [sh, sw] = intsAttr(attrs, 'strides');
      const [nb, hp, wp, c] = x!.shape as [number, number, number, number];
      const [nb2, oh, ow, o] = dy!.shape as [number, number, number, number];
      if (x!.shape.length !== 4 || dy!.shape.length !== 4 || nb !== nb2) {
        throw new Error(
          `${CONV_FILTER_GRAD}: x [${x!.shape}] and dy [${dy!.shape}] must be 4-D with one batch`,
        );
      }
      if ((oh - 1) * sh + kh > hp || (ow - 1) * sw + kw > wp) {
        throw new Error(
          `${CONV_FILTER_GRAD}: dy [${dy!.shape}] needs a padded input larger than [${x!.shape}] for a ` +
            `${kh}x${kw} kernel at stride ${sh},${sw}`,
        );
      }
      return runFused(
        backend,
        CONV_FILTER_GRAD,
        `${kh},${kw}:${sh},${sw}:${oh},${ow}:${c},${o}`,
        (): GraphSpec => {
          const { nodes, consts } = filterGradNodes('xt', 'dy', 'dw', { kh, kw, sh, sw, oh, ow, c, o });
          return {
            inputs: [
              { name: 'x', rank: 4 },
              { name: 'dy', rank: 4 },
            ],
            outputs: [{ name: 'dw', rank: 4 }],
            memPattern: false, // large intermediates: see GraphSpec.memPattern
            // x [B, Hp, Wp, C] -> [C, B, Hp, Wp]: every tap's window is then a [C, N] matrix, rows contiguous.
            nodes: [
              { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: { perm: { ints: [3, 0, 1, 2] } } },
              ...nodes,
            ],
            consts,
          };
        },
        [x!, dy!],
        [{ shape: [kh, kw, c, o] }],
      )[0]!;
    },
  },
];

// Fused convolution filter gradient for ops/conv.ts (dilation 1, input already padded): the im2col of the
// padded input and its product with dy as ONE ORT graph,
//   dW[i, j, c, o] = sum_{b, y, x} xpad[b, y*sh + i, x*sw + j, c] * dy[b, y, x, o]
// by kh * kw strided Slices stacked on the batch axis -> [kh kw, N, C], then one batched FusedMatMul with transA
// against dy [N, O] (N = B OH OW) -> [kh kw, C, O] = [kh, kw, C, O]. (Stacking measured 10-20% faster than a
// Concat on channels into [N, kh kw C]: big contiguous copies instead of C-float chunks.)
// The tfjs composite (the same slices, a concat and a matmul as separate kernels) spent most of a ResNet step in
// PadV2 / Slice / Concat / BatchMatMul calls; ORT's Conv-based Conv2DBackpropFilter is slower still (a whole
// dy image as the kernel). It is a gradient, not differentiated again, so it registers no gradient itself.
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec, NodeSpec } from '../_onnx.js';
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
      const taps = kh * kw;
      return runFused(
        backend,
        CONV_FILTER_GRAD,
        `${kh},${kw}:${sh},${sw}:${oh},${ow}:${c},${o}`,
        (): GraphSpec => {
          const nodes: NodeSpec[] = [];
          const consts: NonNullable<GraphSpec['consts']> = [
            { name: 'axes', dims: [2], dtype: 'int64', values: [1, 2] },
            { name: 'steps', dims: [2], dtype: 'int64', values: [sh, sw] },
            { name: 'dyrows', dims: [2], dtype: 'int64', values: [-1, o] },
            { name: 'wshape', dims: [4], dtype: 'int64', values: [kh, kw, c, o] },
          ];
          const cols: string[] = [];
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const t = `${i}_${j}`;
              consts.push(
                { name: `s${t}`, dims: [2], dtype: 'int64', values: [i, j] },
                {
                  name: `e${t}`,
                  dims: [2],
                  dtype: 'int64',
                  values: [i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1],
                },
              );
              // [B, OH, OW, C]: the input pixels tap (i, j) of every output position reads.
              nodes.push({
                op: 'Slice',
                inputs: ['x', `s${t}`, `e${t}`, 'axes', 'steps'],
                outputs: [`c${t}`],
              });
              cols.push(`c${t}`);
            }
          }
          consts.push({ name: 'tapsrows', dims: [3], dtype: 'int64', values: [taps, -1, c] });
          nodes.push(
            taps > 1
              ? { op: 'Concat', inputs: cols, outputs: ['cols'], attrs: { axis: { i: 0 } } } // [kh kw B, OH, OW, C]
              : { op: 'Identity', inputs: cols, outputs: ['cols'] },
            { op: 'Reshape', inputs: ['cols', 'tapsrows'], outputs: ['patches'] }, // [kh kw, N, C]
            { op: 'Reshape', inputs: ['dy', 'dyrows'], outputs: ['dy2'] }, // [N, O]
            {
              op: 'FusedMatMul',
              domain: 'com.microsoft',
              inputs: ['patches', 'dy2'],
              outputs: ['dw3'],
              attrs: { transA: { i: 1 } },
            }, // [kh kw, C, O]
            { op: 'Reshape', inputs: ['dw3', 'wshape'], outputs: ['dw'] },
          );
          return {
            inputs: [
              { name: 'x', rank: 4 },
              { name: 'dy', rank: 4 },
            ],
            outputs: [{ name: 'dw', rank: 4 }],
            nodes,
            consts,
          };
        },
        [x!, dy!],
        [{ shape: [kh, kw, c, o] }],
      )[0]!;
    },
  },
];

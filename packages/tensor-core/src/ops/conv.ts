// 2-D convolution (NHWC) that can be trained on every backend. tfjs differentiates conv2d w.r.t. the filter
// with the Conv2DBackpropFilter kernel, which tfjs-backend-wasm lacks and which is slow where it exists
// (tfjs-cpu's loops; ORT's Conv with dy as a whole-image kernel: 7-12 s for one [8, 32, 32, 16] 3x3 layer,
// measured). With dilation 1 we supply the gradient ourselves on every backend: dx by a transposed
// convolution (Conv2DBackpropInput exists on wasm), dW as one matrix product of the input's patches with dy:
// dW[i, j, c, o] = sum_{b, y, x} xpad[b, y*s + i, x*s + j, c] * dy[b, y, x, o] (im2col by kh * kw strided
// slices, then [kh kw C, N] x [N, O]). A backend may take the whole convolution over, 'VlpConv2d' (x unpadded,
// attrs strides and pads [top, bottom, left, right]; its gradient kernel gives dx and dW together, the ORT
// backend's padding inside its graphs: backends/ort/fused/conv.ts), or only dW, 'VlpConv2dFilterGrad'
// (padded x and dy; backends/ort/fused/conv-filter-grad.ts).
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

/** The fused filter-gradient kernel a backend may register (inputs x padded, dy; attrs kernel, strides). */
const FILTER_GRAD = 'VlpConv2dFilterGrad';
/** The fused convolution a backend may register (inputs x, w; attrs strides, pads), with its own gradient. */
const CONV2D = 'VlpConv2d';

/** Geometry of {@link conv2d}. */
export interface Conv2dGeometry {
  stride: [number, number];
  /** 'same' (TF-style: extra padding at the bottom/right), 'valid', or symmetric zero padding in pixels. */
  padding: 'same' | 'valid' | number;
  dilation: [number, number];
}

/** Explicit [[top, bottom], [left, right]] padding of an input for a kernel, as tfjs computes it. */
function _pads(
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  g: Conv2dGeometry,
): [[number, number], [number, number]] {
  if (typeof g.padding === 'number') {
    return [
      [g.padding, g.padding],
      [g.padding, g.padding],
    ];
  }
  if (g.padding === 'valid') {
    return [
      [0, 0],
      [0, 0],
    ];
  }
  const along = (n: number, k: number, s: number) => Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const ph = along(inH, kh, g.stride[0]);
  const pw = along(inW, kw, g.stride[1]);
  return [
    [Math.floor(ph / 2), ph - Math.floor(ph / 2)],
    [Math.floor(pw / 2), pw - Math.floor(pw / 2)],
  ];
}

/**
 * `conv2d(x, w) (+ b)` for x [B, H, W, inC], w [kh, kw, inC, outC], b [outC] -> [B, H', W', outC], with
 * gradients on every backend. Intermediates are tidied.
 * @example
 * ```ts
 * const y = conv2d(x, w, b, { stride: [2, 2], padding: 1, dilation: [1, 1] });
 * ```
 */
export function conv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor | undefined,
  g: Conv2dGeometry,
): tf.Tensor4D {
  const native = g.dilation[0] !== 1 || g.dilation[1] !== 1;
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (native) {
      y = tf.conv2d(x, w, g.stride, g.padding, 'NHWC', g.dilation);
    } else {
      const [kh, kw, inC, outC] = w.shape;
      const [[pt, pb], [pl, pr]] = _pads(x.shape[1], x.shape[2], kh, kw, g);
      if (fusedKernelFor(CONV2D) && x.dtype === 'float32' && w.dtype === 'float32' && x.size > 0) {
        y = tf
          .engine()
          .runKernel(CONV2D, { x, w }, { strides: [...g.stride], pads: [pt, pb, pl, pr] }) as tf.Tensor4D;
        return b ? tf.add(y, b) : y;
      }
      const xp =
        pt + pb + pl + pr > 0
          ? tf.pad(x, [
              [0, 0],
              [pt, pb],
              [pl, pr],
              [0, 0],
            ])
          : x; // [B, Hp, Wp, inC]
      const conv = tf.customGrad((...inputs) => {
        const [xIn, wIn, save] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
        save([xIn, wIn]); // the tape keeps them alive for the backward pass (xp is a tidied intermediate)
        return {
          value: tf.conv2d(xIn, wIn, g.stride, 'valid'),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [xx, ww] = saved as [tf.Tensor4D, tf.Tensor4D];
            const dy4 = dy as tf.Tensor4D; // [B, OH, OW, outC]
            const dx = tf.conv2dTranspose(dy4, ww, xx.shape, g.stride, 'valid'); // [B, Hp, Wp, inC]
            if (fusedKernelFor(FILTER_GRAD) && xx.dtype === 'float32' && dy4.dtype === 'float32') {
              const dw = tf
                .engine()
                .runKernel(
                  FILTER_GRAD,
                  { x: xx, dy: dy4 },
                  { kernel: [kh, kw], strides: [...g.stride] },
                ) as tf.Tensor4D; // [kh, kw, inC, outC]
              return [dx, dw];
            }
            const [nb, oh, ow] = dy4.shape;
            const [sh, sw] = g.stride;
            // Windows by plain slices (tfjs's StridedSlice is a slow per-element loop): a stride-s window
            // is a contiguous [s OH, s OW] block reshaped to [OH, s, OW, s] whose offset-0 phase is kept.
            const xe =
              sh > 1 || sw > 1
                ? tf.pad(xx, [
                    [0, 0],
                    [0, sh - 1],
                    [0, sw - 1],
                    [0, 0],
                  ])
                : xx;
            const cols: tf.Tensor[] = [];
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const block = tf.slice(xe, [0, i, j, 0], [nb, sh * oh, sw * ow, inC]); // [B, s OH, s OW, inC]
                const win =
                  sh > 1 || sw > 1
                    ? tf.slice(tf.reshape(block, [nb, oh, sh, ow, sw, inC]), 0, [nb, oh, 1, ow, 1, inC])
                    : block;
                cols.push(tf.reshape(win, [nb, oh, ow, inC])); // [B, OH, OW, inC]
              }
            }
            const n = nb * oh * ow;
            const patches = tf.reshape(tf.concat(cols, 3), [n, kh * kw * inC]); // [N, kh kw inC]
            const dyFlat = tf.reshape(dy4, [n, outC]); // [N, outC]
            const dw = tf.reshape(tf.matMul(patches, dyFlat, true, false), [kh, kw, inC, outC]);
            return [dx, dw];
          },
        };
      });
      y = conv(xp, w) as tf.Tensor4D;
    }
    return b ? tf.add(y, b) : y;
  });
}

// 2-D convolution (NHWC) that can be trained on every backend. tfjs differentiates conv2d w.r.t. the filter
// with the Conv2DBackpropFilter kernel, which tfjs-backend-wasm lacks. Where it is missing (and dilation is
// 1) we supply the gradient ourselves: dx by a transposed convolution (Conv2DBackpropInput exists on wasm),
// dW as a forward convolution of the input with dy as the filter (batch as channels, the stride as the
// dilation): dW[i, j, c, o] = sum_{b, y, x} xpad[b, y*s + i, x*s + j, c] * dy[b, y, x, o].
import * as tf from '@tensorflow/tfjs-core';
import { fusedKernelFor } from './fused.js';

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
  const native = fusedKernelFor('Conv2DBackpropFilter') || g.dilation[0] !== 1 || g.dilation[1] !== 1;
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (native) {
      y = tf.conv2d(x, w, g.stride, g.padding, 'NHWC', g.dilation);
    } else {
      const [kh, kw, inC, outC] = w.shape;
      const [[pt, pb], [pl, pr]] = _pads(x.shape[1], x.shape[2], kh, kw, g);
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
            const xT = tf.transpose(xx, [3, 1, 2, 0]); // [inC, Hp, Wp, B]
            const dyT = tf.transpose(dy4, [1, 2, 0, 3]); // [OH, OW, B, outC]
            const full = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', g.stride); // [inC, >=kh, >=kw, outC]
            const dw = tf.transpose(tf.slice(full, [0, 0, 0, 0], [inC, kh, kw, outC]), [1, 2, 0, 3]);
            return [dx, dw];
          },
        };
      });
      y = conv(xp, w) as tf.Tensor4D;
    }
    return b ? tf.add(y, b) : y;
  });
}

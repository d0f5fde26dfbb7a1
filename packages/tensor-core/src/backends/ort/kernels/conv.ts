// Conv2D and both of its backprops on ORT (NHWC tfjs layout around ONNX's NCHW Conv / ConvTranspose):
//   forward        y  = Conv(x^T, W^T)                       with the forward pads, strides, dilations
//   backprop input dx = ConvTranspose(dy^T, W^T)             with output_padding restoring the input size
//   backprop filter dW = Conv(x as [C, N, H, W], dy as [Co, N, oH, oW]) with stride and dilation swapped,
//                   cropped to the filter size (the standard correlation identity).
// Only dataFormat NHWC; anything else falls back to the cpu kernels.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphSpec } from '../_onnx.js';
import type { OrtBackend, OrtKernelDef } from '../backend.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function convInfo(xShape: Shape4, filterShape: Shape4, attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides as [number, number],
    (attrs.dilations ?? [1, 1]) as [number, number],
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

function nhwc(attrs: tf.NamedAttrMap): boolean {
  return (attrs.dataFormat ?? 'NHWC') === 'NHWC';
}

function geometry(c: tf.backend_util.Conv2DInfo) {
  const p = c.padInfo;
  return {
    pads: [p.top, p.left, p.bottom, p.right],
    strides: [c.strideHeight, c.strideWidth],
    dilations: [c.dilationHeight, c.dilationWidth],
    key: [
      p.top,
      p.left,
      p.bottom,
      p.right,
      c.strideHeight,
      c.strideWidth,
      c.dilationHeight,
      c.dilationWidth,
    ].join(','),
  };
}

const conv2d: OrtKernelDef = {
  kernelName: tf.Conv2D,
  body: (inputs, backend: OrtBackend, attrs) => {
    const { x, filter } = inputs;
    if (!nhwc(attrs)) return null;
    const feeds = backend.feeds([x!, filter!]);
    const c = convInfo(x!.shape as Shape4, filter!.shape as Shape4, attrs);
    if (!feeds || !backend.worthIt(c.outShape) || x!.shape.includes(0)) return null;
    const g = geometry(c);
    return backend.runGraph(
      `Conv2D:${g.key}`,
      (): GraphSpec => ({
        inputs: [
          { name: 'x', rank: 4 },
          { name: 'w', rank: 4 },
        ],
        outputs: [{ name: 'y', rank: 4 }],
        nodes: [
          { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: { perm: { ints: [0, 3, 1, 2] } } },
          { op: 'Transpose', inputs: ['w'], outputs: ['wt'], attrs: { perm: { ints: [3, 2, 0, 1] } } },
          {
            op: 'Conv',
            inputs: ['xt', 'wt'],
            outputs: ['yt'],
            attrs: { pads: { ints: g.pads }, strides: { ints: g.strides }, dilations: { ints: g.dilations } },
          },
          { op: 'Transpose', inputs: ['yt'], outputs: ['y'], attrs: { perm: { ints: [0, 2, 3, 1] } } },
        ],
      }),
      feeds,
      [{ shape: c.outShape }],
    )[0]!;
  },
};

const conv2dBackpropInput: OrtKernelDef = {
  kernelName: tf.Conv2DBackpropInput,
  body: (inputs, backend: OrtBackend, attrs) => {
    const { dy, filter } = inputs;
    if (!nhwc(attrs)) return null;
    const inShape = attrs.inputShape as Shape4;
    const feeds = backend.feeds([dy!, filter!]);
    const c = convInfo(inShape, filter!.shape as Shape4, attrs);
    if (!feeds || !backend.worthIt(inShape) || dy!.shape.includes(0)) return null;
    const g = geometry(c);
    // ConvTranspose's natural output size, and the rows/cols the forward conv never reached.
    const natural = (o: number, s: number, k: number, pa: number, pb: number) => (o - 1) * s + k - pa - pb;
    const outPad = [
      c.inHeight - natural(c.outHeight, c.strideHeight, c.effectiveFilterHeight, g.pads[0]!, g.pads[2]!),
      c.inWidth - natural(c.outWidth, c.strideWidth, c.effectiveFilterWidth, g.pads[1]!, g.pads[3]!),
    ];
    if (outPad.some((p, i) => p < 0 || p >= Math.max(g.strides[i]!, g.dilations[i]!))) return null;
    return backend.runGraph(
      `Conv2DBackpropInput:${g.key}:${outPad.join(',')}`,
      (): GraphSpec => ({
        inputs: [
          { name: 'dy', rank: 4 },
          { name: 'w', rank: 4 },
        ],
        outputs: [{ name: 'dx', rank: 4 }],
        nodes: [
          { op: 'Transpose', inputs: ['dy'], outputs: ['dyt'], attrs: { perm: { ints: [0, 3, 1, 2] } } },
          { op: 'Transpose', inputs: ['w'], outputs: ['wt'], attrs: { perm: { ints: [3, 2, 0, 1] } } },
          {
            op: 'ConvTranspose',
            inputs: ['dyt', 'wt'],
            outputs: ['dxt'],
            attrs: {
              pads: { ints: g.pads },
              strides: { ints: g.strides },
              dilations: { ints: g.dilations },
              output_padding: { ints: outPad },
            },
          },
          { op: 'Transpose', inputs: ['dxt'], outputs: ['dx'], attrs: { perm: { ints: [0, 2, 3, 1] } } },
        ],
      }),
      feeds,
      [{ shape: inShape }],
    )[0]!;
  },
};

const conv2dBackpropFilter: OrtKernelDef = {
  kernelName: tf.Conv2DBackpropFilter,
  body: (inputs, backend: OrtBackend, attrs) => {
    const { x, dy } = inputs;
    if (!nhwc(attrs)) return null;
    const filterShape = attrs.filterShape as Shape4;
    const feeds = backend.feeds([x!, dy!]);
    const c = convInfo(x!.shape as Shape4, filterShape, attrs);
    if (!feeds || !backend.worthIt(filterShape) || x!.shape.includes(0)) return null;
    const g = geometry(c);
    const [kh, kw] = filterShape;
    return backend.runGraph(
      `Conv2DBackpropFilter:${g.key}:${kh},${kw}`,
      (): GraphSpec => ({
        inputs: [
          { name: 'x', rank: 4 },
          { name: 'dy', rank: 4 },
        ],
        outputs: [{ name: 'dw', rank: 4 }],
        nodes: [
          // x [N, H, W, Ci] -> [Ci, N, H, W]: channels become the batch, the batch becomes channels.
          { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: { perm: { ints: [3, 0, 1, 2] } } },
          // dy [N, oH, oW, Co] -> [Co, N, oH, oW]: a filter bank over the batch "channels".
          { op: 'Transpose', inputs: ['dy'], outputs: ['dyt'], attrs: { perm: { ints: [3, 0, 1, 2] } } },
          {
            op: 'Conv',
            inputs: ['xt', 'dyt'],
            outputs: ['full'],
            attrs: { pads: { ints: g.pads }, strides: { ints: g.dilations }, dilations: { ints: g.strides } },
          },
          { op: 'Slice', inputs: ['full', 'starts', 'ends', 'axes'], outputs: ['crop'] },
          { op: 'Transpose', inputs: ['crop'], outputs: ['dw'], attrs: { perm: { ints: [2, 3, 0, 1] } } },
        ],
        consts: [
          { name: 'starts', dims: [2], dtype: 'int64', values: [0, 0] },
          { name: 'ends', dims: [2], dtype: 'int64', values: [kh, kw] },
          { name: 'axes', dims: [2], dtype: 'int64', values: [2, 3] },
        ],
      }),
      feeds,
      [{ shape: filterShape }],
    )[0]!;
  },
};

export const convKernels: OrtKernelDef[] = [conv2d, conv2dBackpropInput, conv2dBackpropFilter];

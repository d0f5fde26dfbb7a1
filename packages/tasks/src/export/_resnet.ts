// The ResNet-style CNN tower (@vlp/vision's ResNetEncoder) as an ONNX graph: NHWC pixels are transposed to
// NCHW once, every conv + eval-mode BatchNorm pair is folded into one Conv (W' = W * s, b' = beta - mean * s,
// s = gamma / sqrt(var + eps), computed in float64), Relu, residual Add, optional stem MaxPool; the final map
// goes back to NHWC, is flattened in raster order, projected and layer-normalised; `cls` is the token mean
// (or, with `pool: 'flatten'`, the head Linear over the whole raster-order map).
import { BatchNorm2d, Conv2d, type Module } from '@vlp/tensor-core';
import type { ResNetEncoder } from '@vlp/vision';
import type { _GraphBuilder } from './_graph.js';
import { _layerNorm, _linear, _meanAxis1 } from './_layers.js';

/** Conv2d (NHWC kernel [kh, kw, in, out]) followed by BatchNorm2d, as one NCHW Conv with folded weights. */
function _convBn(g: _GraphBuilder, x: string, conv: Conv2d, bn: BatchNorm2d): string {
  const [kh, kw, cin, cout] = conv.weight.shape as [number, number, number, number];
  const w = conv.weight.dataSync();
  const gamma = bn.weight.dataSync();
  const beta = bn.bias.dataSync();
  const mean = bn.runningMean.dataSync();
  const variance = bn.runningVar.dataSync();
  const convBias = conv.bias?.dataSync();
  const scale = Array.from(
    { length: cout },
    (_, o) => (gamma[o] ?? 0) / Math.sqrt((variance[o] ?? 0) + bn.eps),
  );
  const wOut = new Float32Array(cout * cin * kh * kw); // [out, in, kh, kw]
  for (let y = 0; y < kh; y++)
    for (let xx = 0; xx < kw; xx++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          const src = ((y * kw + xx) * cin + i) * cout + o;
          wOut[((o * cin + i) * kh + y) * kw + xx] = (w[src] ?? 0) * (scale[o] ?? 0);
        }
  const bOut = Float32Array.from(
    scale,
    (s, o) => (beta[o] ?? 0) + ((convBias?.[o] ?? 0) - (mean[o] ?? 0)) * s,
  ); // [out]
  const name = g.nameOf(conv.weight).replace(/\.weight$/, '');
  const wName = g.floats(`${name}.folded_weight`, [cout, cin, kh, kw], wOut);
  const bName = g.floats(`${name}.folded_bias`, [cout], bOut);
  const attrs: Parameters<_GraphBuilder['op']>[2] = {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: conv.stride },
    dilations: { ints: conv.dilation },
  };
  if (conv.padding === 'same') attrs.auto_pad = { s: 'SAME_UPPER' };
  else {
    const p = conv.padding === 'valid' ? 0 : conv.padding;
    attrs.pads = { ints: [p, p, p, p] };
  }
  return g.op('Conv', [x, wName, bName], attrs); // [B, out, H', W']
}

/** The conv/BN members of vision's (unexported) residual block classes. */
interface _BlockLike {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3?: Conv2d;
  bn3?: BatchNorm2d;
  downsample?: Module;
}

function _block(g: _GraphBuilder, x: string, block: _BlockLike): string {
  let r = g.op('Relu', [_convBn(g, x, block.conv1, block.bn1)]);
  if (block.conv3 !== undefined && block.bn3 !== undefined) {
    r = g.op('Relu', [_convBn(g, r, block.conv2, block.bn2)]);
    r = _convBn(g, r, block.conv3, block.bn3); // bottleneck
  } else r = _convBn(g, r, block.conv2, block.bn2); // basic
  let shortcut = x;
  if (block.downsample !== undefined) {
    const [conv, bn] = block.downsample.namedChildren().map(([, m]) => m);
    if (!(conv instanceof Conv2d) || !(bn instanceof BatchNorm2d)) {
      throw new Error('export: a ResNet downsample must be [Conv2d, BatchNorm2d]');
    }
    shortcut = _convBn(g, x, conv, bn);
  }
  return g.op('Relu', [g.op('Add', [r, shortcut])]); // [B, C, H', W']
}

/** Graph outputs of a ResNet tower: `tokens` [B, N, D] and `cls` [B, D] from `pixels` [B, S, S, 3]. */
export function _resnetGraph(
  g: _GraphBuilder,
  pixels: string,
  cnn: ResNetEncoder,
): { tokens: string; cls: string } {
  let x = g.op('Transpose', [pixels], { perm: { ints: [0, 3, 1, 2] } }); // [B, 3, S, S]
  x = g.op('Relu', [_convBn(g, x, cnn.conv1, cnn.bn1)]); // [B, stem, S/s, S/s]
  if (cnn.config.stemPool) {
    x = g.op('MaxPool', [x], {
      kernel_shape: { ints: [3, 3] },
      strides: { ints: [2, 2] },
      pads: { ints: [1, 1, 1, 1] },
    });
  }
  for (const stage of cnn.stages) for (const block of stage) x = _block(g, x, block as unknown as _BlockLike);
  const channels = cnn.proj.weight.shape[0] as number;
  const nhwc = g.op('Transpose', [x], { perm: { ints: [0, 2, 3, 1] } }); // [B, h, w, C]
  const flat = g.op('Reshape', [nhwc, g.ints([0, -1, channels])]); // [B, h*w, C]
  const tokens = _layerNorm(g, _linear(g, flat, cnn.proj), cnn.norm); // [B, N, D]
  if (cnn.head === undefined) return { tokens, cls: _meanAxis1(g, tokens) }; // cls [B, D]
  // pool 'flatten': one Linear over the raster-order (h, w, C) map, as ResNetEncoder.forward reshapes it
  const whole = g.op('Reshape', [nhwc, g.ints([0, -1])]); // [B, h*w*C]
  return { tokens, cls: _linear(g, whole, cnn.head) }; // cls [B, D]
}

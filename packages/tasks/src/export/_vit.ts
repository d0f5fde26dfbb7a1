// The ViT image tower (@vlp/vision's VisionTransformer) as an ONNX graph: NHWC pixels -> patchify
// (Reshape/Transpose/Reshape, the same (row, column, channel) order as vision's patchify) -> patch Linear ->
// [CLS; patches] + learned positions -> pre-LN blocks -> final LayerNorm -> tokens and cls. The input size is
// fixed at the config's imageSize (no position-table resizing in the graph).
import type { VisionTransformer } from '@vlp/vision';
import type { _GraphBuilder } from './_graph.js';
import { _encoder, _linear, _takeAxis1 } from './_layers.js';

/** Graph outputs of a ViT: `tokens` [B, N, D] and `cls` [B, D], from `pixels` [B, S, S, 3]. */
export function _vitGraph(
  g: _GraphBuilder,
  pixels: string,
  vit: VisionTransformer,
): { tokens: string; cls: string } {
  const { imageSize: s, patchSize: p, dim: d } = vit.config;
  const side = s / p;
  const n = side * side;
  const grid = g.op('Reshape', [pixels, g.ints([-1, side, p, side, p, 3])]); // [B, gh, p, gw, p, 3]
  const perm = g.op('Transpose', [grid], { perm: { ints: [0, 1, 3, 2, 4, 5] } }); // [B, gh, gw, p, p, 3]
  const patches = g.op('Reshape', [perm, g.ints([-1, n, p * p * 3])]); // [B, N, p*p*3]
  const embedded = _linear(g, patches, vit.patchEmbed); // [B, N, D]
  const batch = g.op('Slice', [g.op('Shape', [pixels]), g.ints([0]), g.ints([1])]); // [1] = B
  const clsShape = g.op('Concat', [batch, g.ints([1, d])], { axis: { i: 0 } }); // [3] = (B, 1, D)
  const cls = g.op('Expand', [g.param(vit.clsToken), clsShape]); // [B, 1, D]
  const x = g.op('Add', [g.op('Concat', [cls, embedded], { axis: { i: 1 } }), g.param(vit.posEmbed)]); // [B, 1+N, D]
  const out = _encoder(g, x, vit.encoder); // [B, 1+N, D]
  const tokens = g.op('Slice', [out, g.ints([1]), g.ints([1 + n]), g.ints([1])]); // [B, N, D]
  return { tokens, cls: _takeAxis1(g, out, 0) }; // cls [B, D]
}

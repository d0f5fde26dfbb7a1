// The tensor-core layers written as standard ONNX ops (default domain, opset >= 17): Linear as MatMul + Add,
// LayerNorm as LayerNormalization (opset 17), GELU in its tanh form spelled out with Mul/Add/Tanh (portable
// to every runtime; ORT fuses it back into one kernel), multi-head self-attention as MatMul/Softmax with an
// additive padding bias, pre-LN transformer blocks and an L2 normalisation. Each function mirrors the tfjs
// forward it exports, op for op where the order of float operations matters.
import {
  type LayerNorm,
  type Linear,
  MASK_NEGATIVE,
  type MultiHeadAttention,
  type TransformerBlock,
  type TransformerEncoder,
} from '@vlp/tensor-core';
import type { _GraphBuilder } from './_graph.js';

/** `x @ W + b` over the last axis: x [..., in] -> [..., out]. */
export function _linear(g: _GraphBuilder, x: string, layer: Linear): string {
  const y = g.op('MatMul', [x, g.param(layer.weight)]); // [..., out]
  return layer.bias === undefined ? y : g.op('Add', [y, g.param(layer.bias)]);
}

/** LayerNormalization over the last axis with the module's eps. */
export function _layerNorm(g: _GraphBuilder, x: string, norm: LayerNorm): string {
  return g.op('LayerNormalization', [x, g.param(norm.weight), g.param(norm.bias)], {
    axis: { i: -1 },
    epsilon: { f: norm.eps },
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, in the same order as tensor-core's geluTanh. */
export function _geluTanh(g: _GraphBuilder, x: string): string {
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]); // x^3
  const inner = g.op('Mul', [
    g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]),
    g.scalar(SQRT_2_OVER_PI),
  ]);
  const half = g.op('Mul', [x, g.scalar(0.5)]);
  return g.op('Mul', [half, g.op('Add', [g.op('Tanh', [inner]), g.scalar(1)])]);
}

/**
 * A [B, T] keep-mask (1 = token, 0 = padding; any numeric type) as the additive attention bias
 * [B, 1, 1, T]: 0 where allowed, MASK_NEGATIVE (-1e9) where blocked, as tensor-core's attention does.
 */
export function _paddingBias(g: _GraphBuilder, mask: string): string {
  const keep = g.op('Cast', [g.op('Cast', [mask], { to: { i: 9 } })], { to: { i: 1 } }); // bool -> float [B, T]
  const bias = g.op('Mul', [g.op('Sub', [g.scalar(1), keep]), g.scalar(MASK_NEGATIVE)]); // [B, T]
  return g.op('Unsqueeze', [bias, g.ints([1, 2])]); // [B, 1, 1, T]
}

/** Fused-qkv self-attention: x [B, T, D] -> [B, T, D]; `bias` [B, 1, 1, T] or none. */
export function _selfAttention(g: _GraphBuilder, x: string, attn: MultiHeadAttention, bias?: string): string {
  if (attn.qkv === undefined) throw new Error('export: cross-attention layers are not exportable as towers');
  const { heads, headDim: dh, dim } = attn;
  const qkv = _linear(g, x, attn.qkv); // [B, T, 3D]
  const split = g.op('Reshape', [qkv, g.ints([0, 0, 3, heads, dh])]); // [B, T, 3, H, dh]
  const perm = g.op('Transpose', [split], { perm: { ints: [2, 0, 3, 1, 4] } }); // [3, B, H, T, dh]
  const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [perm, g.ints([i], [])], { axis: { i: 0 } })) as [
    string,
    string,
    string,
  ]; // [B, H, T, dh] each
  const kT = g.op('Transpose', [k], { perm: { ints: [0, 1, 3, 2] } }); // [B, H, dh, T]
  let logits = g.op('Mul', [g.op('MatMul', [q, kT]), g.scalar(1 / Math.sqrt(dh))]); // [B, H, T, T]
  if (bias !== undefined) logits = g.op('Add', [logits, bias]);
  const probs = g.op('Softmax', [logits], { axis: { i: -1 } }); // [B, H, T, T]
  const o = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: { ints: [0, 2, 1, 3] } }); // [B, T, H, dh]
  const merged = g.op('Reshape', [o, g.ints([0, 0, dim])]); // [B, T, D]
  return _linear(g, merged, attn.proj); // [B, T, D]
}

/** One pre-LN block: x + attn(LN(x)), then h + mlp(LN(h)). x [B, T, D] -> [B, T, D]. */
export function _block(g: _GraphBuilder, x: string, block: TransformerBlock, bias?: string): string {
  if (block.crossAttn !== undefined) throw new Error('export: blocks with cross-attention are not towers');
  const h = g.op('Add', [x, _selfAttention(g, _layerNorm(g, x, block.norm1), block.attn, bias)]); // [B, T, D]
  const hidden = _geluTanh(g, _linear(g, _layerNorm(g, h, block.norm2), block.mlp.fc1)); // [B, T, mlp]
  return g.op('Add', [h, _linear(g, hidden, block.mlp.fc2)]); // [B, T, D]
}

/** The block stack and its final norm: x [B, T, D] -> [B, T, D]. */
export function _encoder(g: _GraphBuilder, x: string, enc: TransformerEncoder, bias?: string): string {
  let h = x;
  for (const block of enc.blocks) h = _block(g, h, block, bias);
  return enc.norm === undefined ? h : _layerNorm(g, h, enc.norm);
}

/** `x / max(||x||_2, 1e-12)` over the last axis, as pretrain's l2Normalize: [B, E] -> [B, E]. */
export function _l2Normalize(g: _GraphBuilder, x: string): string {
  const sq = g.op('ReduceSum', [g.op('Mul', [x, x]), g.ints([-1])], { keepdims: { i: 1 } }); // [B, 1]
  const norm = g.op('Max', [g.op('Sqrt', [sq]), g.scalar(1e-12)]); // [B, 1]
  return g.op('Div', [x, norm]);
}

/** Row `index` of axis 1: [B, T, D] -> [B, D]. */
export function _takeAxis1(g: _GraphBuilder, x: string, index: number): string {
  return g.op('Gather', [x, g.ints([index], [])], { axis: { i: 1 } });
}

/** Mean over axis 1, keepdims 0, for either attribute form of ReduceMean: [B, N, D] -> [B, D]. */
export function _meanAxis1(g: _GraphBuilder, x: string): string {
  if (g.opset >= 18) return g.op('ReduceMean', [x, g.ints([1])], { keepdims: { i: 0 } });
  return g.op('ReduceMean', [x], { axes: { ints: [1] }, keepdims: { i: 0 } });
}

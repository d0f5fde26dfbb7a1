// The BERT-style text tower (@vlp/text's BertEncoder) as an ONNX graph: word embeddings gathered by int64 ids,
// plus the first T rows of the learned position table, plus token-type embeddings (an input, or type 0),
// LayerNorm, pre-LN blocks whose self-attention adds -1e9 at padding keys (attention_mask 0), final
// LayerNorm; `cls` is position 0 and `pooled` the sentence embedding the encoder's `pooling` names (`cls`, or
// the mean over the positions attention_mask keeps). Sequence length is dynamic up to the position table's size.
import type { BertEncoder } from '@vlp/text';
import type { _GraphBuilder } from './_graph.js';
import { _encoder, _layerNorm, _paddingBias, _takeAxis1 } from './_layers.js';

/** Graph input names of a text tower. */
export interface _TextInputs {
  inputIds: string;
  attentionMask: string;
  /** Omitted: every token has type 0. */
  tokenTypeIds?: string;
}

/** Graph outputs of a BERT tower: `tokens` [B, T, D], `cls` [B, D] and `pooled` [B, D]. */
export function _bertGraph(
  g: _GraphBuilder,
  inputs: _TextInputs,
  bert: BertEncoder,
): { tokens: string; cls: string; pooled: string } {
  const emb = bert.embeddings;
  const words = g.op('Gather', [g.param(emb.wordEmbeddings.weight), inputs.inputIds], { axis: { i: 0 } }); // [B, T, D]
  const t = g.op('Slice', [g.op('Shape', [inputs.inputIds]), g.ints([1]), g.ints([2])]); // [1] = T
  const pos = g.op('Slice', [g.param(emb.positionEmbeddings.weight), g.ints([0]), t, g.ints([0])]); // [T, D]
  const typeTable = g.param(emb.tokenTypeEmbeddings.weight); // [types, D]
  const types =
    inputs.tokenTypeIds === undefined
      ? g.op('Gather', [typeTable, g.ints([0], [])], { axis: { i: 0 } }) // [D]
      : g.op('Gather', [typeTable, inputs.tokenTypeIds], { axis: { i: 0 } }); // [B, T, D]
  const x = _layerNorm(g, g.op('Add', [g.op('Add', [words, pos]), types]), emb.norm); // [B, T, D]
  const tokens = _encoder(g, x, bert.encoder, _paddingBias(g, inputs.attentionMask)); // [B, T, D]
  const cls = _takeAxis1(g, tokens, 0); // [B, D]
  if (bert.config.pooling !== 'mean') return { tokens, cls, pooled: cls };
  // masked mean, as BertEncoder.forward: sum(tokens * keep) / max(sum(keep), 1)
  const keep = g.op('Unsqueeze', [g.op('Cast', [inputs.attentionMask], { to: { i: 1 } }), g.ints([2])]); // [B, T, 1]
  const total = g.op('ReduceSum', [g.op('Mul', [tokens, keep]), g.ints([1])], { keepdims: { i: 0 } }); // [B, D]
  const count = g.op('Max', [g.op('ReduceSum', [keep, g.ints([1])], { keepdims: { i: 0 } }), g.scalar(1)]); // [B, 1]
  return { tokens, cls, pooled: g.op('Div', [total, count]) }; // pooled [B, D]
}

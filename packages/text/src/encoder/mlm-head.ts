// BERT's masked-language-model head: transform (Linear D->D, GELU, LayerNorm), then a decoder whose weight is
// the word-embedding matrix itself (tied, Press & Wolf 2017; as in BERT and ALBEF) plus an output bias.
// Tying halves the parameters of small models and lets masked-token prediction shape the input embeddings.
import * as tf from '@tensorflow/tfjs-core';
import { type Embedding, GELU, init, LayerNorm, Linear, Module, type Rng } from '@vlp/tensor-core';
import type { TextEncoderConfig } from './config.js';

/**
 * MLM head: hidden [..., D] -> vocabulary logits [..., V]. The decoder weight is `wordEmbeddings.weight`
 * ([V, D], the same tf.Variable, not a copy), so it is not registered here: it belongs to (and is saved with)
 * the embeddings. Only `transform.*`, `norm.*` and `bias` [V] are this module's own parameters.
 *
 * @example
 * const head = new MlmHead(enc.embeddings.wordEmbeddings, enc.config, rng);
 * head.decoderWeight === enc.embeddings.wordEmbeddings.weight; // true
 * const logits = head.forward(tokens); // [B, T, V]
 */
export class MlmHead extends Module {
  readonly transform: Linear;
  readonly act: GELU;
  readonly norm: LayerNorm;
  readonly bias: tf.Variable;
  private readonly tied: Embedding;

  constructor(wordEmbeddings: Embedding, config: TextEncoderConfig, rng: Rng) {
    super();
    const { dim } = config;
    if (wordEmbeddings.dim !== dim) {
      throw new Error(`MlmHead: embedding width ${wordEmbeddings.dim} differs from config.dim ${dim}`);
    }
    this.tied = wordEmbeddings;
    this.transform = this.registerModule('transform', new Linear(dim, dim, { rng, initStd: config.initStd }));
    this.act = this.registerModule('act', new GELU());
    this.norm = this.registerModule('norm', new LayerNorm(dim, { eps: config.layerNormEps }));
    this.bias = this.registerParameter('bias', init.zeros([wordEmbeddings.numEmbeddings]));
  }

  /** The tied decoder weight [V, D]: the word-embedding variable. */
  get decoderWeight(): tf.Variable {
    return this.tied.weight;
  }

  /**
   * Logits over the vocabulary for every row of `hidden` [..., D] -> [..., V]. Gather the masked positions
   * first (see {@link gatherMaskedPositions}) to avoid computing V logits for every token.
   *
   * @example
   * const logits = head.forward(hidden); // [N, V]
   */
  forward(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = hidden.shape[hidden.rank - 1] as number;
      const h = this.norm.forward(this.act.forward(this.transform.forward(hidden))); // [..., D]
      const flat = tf.reshape(h, [-1, d]); // [N, D]
      const logits = tf.add(tf.matMul(flat, this.tied.weight, false, true), this.bias); // [N, V]
      return tf.reshape(logits, [...hidden.shape.slice(0, -1), this.tied.numEmbeddings]); // [..., V]
    });
  }
}

/**
 * Picks the rows of `tokens` [B, T, D] whose label is not -100 (the positions MLM predicts), returning them
 * [N, D] with their labels [N] int32. The caller disposes both.
 *
 * @example
 * const { hidden, labels } = gatherMaskedPositions(features.tokens, masked.labels);
 * const loss = softmaxCrossEntropy(head.forward(hidden), labels);
 */
export function gatherMaskedPositions(
  tokens: tf.Tensor,
  labels: ArrayLike<number>,
  ignoreIndex = -100,
): { hidden: tf.Tensor2D; labels: tf.Tensor1D } {
  const [b, t, d] = tokens.shape as [number, number, number];
  if (labels.length !== b * t)
    throw new Error(`gatherMaskedPositions: ${labels.length} labels for [${b}, ${t}]`);
  const rows: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as number;
    if (l === ignoreIndex) continue;
    rows.push(i);
    kept.push(l);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(tokens, [b * t, d]); // [B*T, D]
    const hidden = tf.gather(flat, tf.tensor1d(rows, 'int32')) as tf.Tensor2D; // [N, D]
    return { hidden, labels: tf.tensor1d(kept, 'int32') };
  });
}

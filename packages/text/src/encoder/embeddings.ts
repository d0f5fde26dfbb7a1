// BERT's input embeddings (Devlin et al. 2019): word + learned absolute position + token type (segment),
// summed, then LayerNorm and dropout. A module of its own so fusion models (ALBEF, SOHO, Pixel-BERT) can embed
// text with the same table the MLM head's decoder is tied to.
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, LayerNorm, Module, type Rng } from '@vlp/tensor-core';
import type { TextEncoderConfig } from './config.js';

/**
 * Token + position + type embeddings with LayerNorm and dropout: ids [B, T] -> [B, T, D].
 * Parameter names follow Hugging Face's `BertEmbeddings` (camel-cased): `wordEmbeddings.weight`,
 * `positionEmbeddings.weight`, `tokenTypeEmbeddings.weight`, `norm.{weight,bias}`.
 *
 * @example
 * const emb = new TextEmbeddings(config, new Rng(0));
 * const x = emb.forward(inputIds); // [B, T, D]
 */
export class TextEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly norm: LayerNorm;
  readonly dropout: Dropout;
  readonly maxPositions: number;

  constructor(config: TextEncoderConfig, rng: Rng) {
    super();
    const { vocabSize, dim, maxPositions, typeVocabSize, initStd } = config;
    this.maxPositions = maxPositions;
    this.wordEmbeddings = this.registerModule(
      'wordEmbeddings',
      new Embedding(vocabSize, dim, { rng, initStd }),
    );
    this.positionEmbeddings = this.registerModule(
      'positionEmbeddings',
      new Embedding(maxPositions, dim, { rng, initStd }),
    );
    this.tokenTypeEmbeddings = this.registerModule(
      'tokenTypeEmbeddings',
      new Embedding(typeVocabSize, dim, { rng, initStd }),
    );
    this.norm = this.registerModule('norm', new LayerNorm(dim, { eps: config.layerNormEps }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout, rng));
  }

  /**
   * Embeds int32 ids [B, T]; `tokenTypeIds` [B, T] default to 0, positions are `positionOffset .. + T - 1`.
   *
   * @example
   * const x = emb.forward(ids, tokenTypeIds); // [B, T, D]
   */
  forward(inputIds: tf.Tensor, tokenTypeIds?: tf.Tensor, positionOffset = 0): tf.Tensor {
    if (inputIds.rank !== 2)
      throw new Error(`TextEmbeddings: inputIds must be [B, T], got [${inputIds.shape}]`);
    const [b, t] = inputIds.shape as [number, number];
    if (positionOffset + t > this.maxPositions) {
      throw new Error(`TextEmbeddings: ${positionOffset + t} positions > maxPositions ${this.maxPositions}`);
    }
    if (tokenTypeIds !== undefined && (tokenTypeIds.shape[0] !== b || tokenTypeIds.shape[1] !== t)) {
      throw new Error(`TextEmbeddings: tokenTypeIds [${tokenTypeIds.shape}] must match inputIds [${b},${t}]`);
    }
    return tf.tidy(() => {
      const words = this.wordEmbeddings.forward(inputIds); // [B, T, D]
      const pos = this.positionEmbeddings.forward(tf.range(positionOffset, positionOffset + t, 1, 'int32')); // [T, D]
      const types = this.tokenTypeEmbeddings.forward(tokenTypeIds ?? tf.zeros([b, t], 'int32')); // [B, T, D]
      const x = tf.add(tf.add(words, pos), types); // [B, T, D]
      return this.dropout.forward(this.norm.forward(x)); // [B, T, D]
    });
  }
}

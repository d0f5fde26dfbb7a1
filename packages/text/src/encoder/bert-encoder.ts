// The BERT-style text tower: TextEmbeddings, then a stack of pre-LN transformer blocks (tensor-core's
// TransformerEncoder, Xiong et al. 2020) with a final LayerNorm; returns named features `{tokens, cls}`.
// Pre-LN rather than BERT's post-LN trains stably without warm-up tricks at the small scales we run here.
// ALBEF splits one BERT into text layers and fusion layers: build this with `depth` = the text layers and
// stack cross-attention blocks on `tokens`; `embeddings` and `blocks` are public for exactly that reuse.
import * as tf from '@tensorflow/tfjs-core';
import {
  type LayerNorm,
  Module,
  type ModuleList,
  paddingMask,
  type Rng,
  type TransformerBlock,
  TransformerEncoder,
} from '@vlp/tensor-core';
import type { TextEncoderConfig } from './config.js';
import { TextEmbeddings } from './embeddings.js';

/** Inputs of {@link BertEncoder.forward}: what `encodingToTensors(tokenizer.encodeBatch(...))` returns. */
export interface TextEncoderInputs {
  /** int32 [B, T]. */
  inputIds: tf.Tensor;
  /** [B, T], 1 = token, 0 = padding. Default: all tokens. */
  attentionMask?: tf.Tensor;
  /** int32 [B, T] segment ids. Default: all 0. */
  tokenTypeIds?: tf.Tensor;
}

/** Named features of a text encoder. The caller owns (and disposes) the tensors. */
export interface TextFeatures {
  /** Every position's output [B, T, D]. */
  tokens: tf.Tensor3D;
  /** The [CLS] (first) position [B, D]. */
  cls: tf.Tensor2D;
  /**
   * The sentence embedding [B, D] for contrastive heads, as `config.pooling` says: `cls` itself (the same
   * tensor) or the mean of `tokens` over the positions `attentionMask` keeps.
   */
  pooled: tf.Tensor2D;
}

/**
 * BERT-style text encoder. Parameters are named `embeddings.*`, `encoder.blocks.{i}.*`, `encoder.norm.*`.
 * (Named BertEncoder so it never shadows the global WHATWG `TextEncoder`.)
 *
 * @example
 * const enc = createTextEncoder('bert-tiny', { vocabSize: tok.vocabSize }, new Rng(0));
 * const inputs = encodingToTensors(tok.encodeBatch(['a dog runs', 'two cats'], { maxLength: 32 }));
 * const { tokens, cls } = enc.forward(inputs); // [2, T, 128], [2, 128]
 * tf.dispose([tokens, cls, ...Object.values(inputs)]);
 */
export class BertEncoder extends Module {
  readonly config: Readonly<TextEncoderConfig>;
  readonly embeddings: TextEmbeddings;
  readonly encoder: TransformerEncoder;

  constructor(config: TextEncoderConfig, rng: Rng) {
    super();
    this.config = Object.freeze({ ...config });
    this.embeddings = this.registerModule('embeddings', new TextEmbeddings(config, rng));
    this.encoder = this.registerModule(
      'encoder',
      new TransformerEncoder({
        depth: config.depth,
        dim: config.dim,
        heads: config.heads,
        mlpDim: config.mlpDim,
        dropout: config.dropout,
        layerNormEps: config.layerNormEps,
        rng,
      }),
    );
  }

  /** The transformer blocks, in order (for reuse, freezing or layer-wise learning rates). */
  get blocks(): ModuleList<TransformerBlock> {
    return this.encoder.blocks;
  }

  /** The LayerNorm after the last block. */
  get norm(): LayerNorm | undefined {
    return this.encoder.norm;
  }

  /** Model width D. */
  get dim(): number {
    return this.config.dim;
  }

  /**
   * Encodes a batch: `tokens` [B, T, D] after the final LayerNorm, `cls` = `tokens[:, 0]` [B, D] and
   * `pooled` [B, D] (`cls`, or with `pooling: 'mean'` the masked mean of `tokens`). Padding positions
   * (attentionMask 0) are never attended to; their own outputs are defined but meaningless.
   * Dispose `tokens` and `cls`; `pooled` is `cls` itself unless pooling is 'mean'.
   *
   * @example
   * const { tokens, cls, pooled } = enc.forward({ inputIds, attentionMask });
   */
  forward(inputs: TextEncoderInputs): TextFeatures {
    const { inputIds, attentionMask, tokenTypeIds } = inputs;
    return tf.tidy(() => {
      const x = this.embeddings.forward(inputIds, tokenTypeIds); // [B, T, D]
      const mask = attentionMask === undefined ? undefined : paddingMask(attentionMask); // [B, 1, 1, T]
      const tokens = this.encoder.forward(x, { mask }) as tf.Tensor3D; // [B, T, D]
      const [b, , d] = tokens.shape;
      const cls = tf.reshape(tf.slice(tokens, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D; // [B, D]
      if (this.config.pooling !== 'mean') return { tokens, cls, pooled: cls };
      const keep =
        attentionMask === undefined
          ? tf.ones([b, tokens.shape[1], 1])
          : tf.expandDims(tf.cast(attentionMask, 'float32'), 2); // [B, T, 1]
      const count = tf.maximum(tf.sum(keep, 1), 1); // [B, 1]: an all-padding row stays finite
      const pooled = tf.div(tf.sum(tf.mul(tokens, keep), 1), count) as tf.Tensor2D; // [B, D]
      return { tokens, cls, pooled };
    });
  }
}

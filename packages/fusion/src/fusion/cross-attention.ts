// ALBEF's fusion encoder (Li et al., "Align before Fuse: Vision and Language Representation Learning with
// Momentum Distillation", NeurIPS 2021): the last N/2 BERT layers, each self-attending over the text and
// then cross-attending from text to the image tokens. The image tokens are keys/values only, so the
// output sequence is the text, conditioned on the image.
import * as tf from '@tensorflow/tfjs-core';
import {
  LayerNorm,
  type Linear,
  ModuleList,
  paddingMask,
  type Rng,
  TransformerBlock,
} from '@vlp/tensor-core';
import type { CrossAttentionConfig } from './config.js';
import {
  _checkTokens,
  _maybeProjection,
  _position,
  type FusionInputs,
  FusionModel,
  type FusionOutputs,
} from './fusion.js';

/**
 * Text-to-image cross-attention fusion. Parameters: `textProj` (only when textDim != dim),
 * `blocks.{i}.*` (self-attention, cross-attention with keys/values of width visualDim, MLP), `norm.*`.
 * `sequence` and `text` are the fused text [B, Nt, D]; `visual` is the image tokens as given (they are
 * not updated); `cls` is the fused [CLS] (ALBEF's ITM head input).
 *
 * @example
 * ```ts
 * const fusion = createFusion('albef-tiny', {}, new Rng(0));
 * const out = fusion.forward({ visual: img.tokens, text: txt.tokens, textMask });
 * const itmLogits = itmHead.forward(out.cls); // [B, 2]
 * tf.dispose(out);
 * ```
 */
export class CrossAttentionFusion extends FusionModel {
  readonly config: CrossAttentionConfig;
  readonly textProj: Linear | undefined;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly norm: LayerNorm;

  constructor(config: CrossAttentionConfig, rng: Rng) {
    super();
    this.config = config;
    const tp = _maybeProjection(config.textDim, config.dim, rng);
    this.textProj = tp ? this.registerModule('textProj', tp) : undefined;
    const blocks: TransformerBlock[] = [];
    for (let i = 0; i < config.depth; i++) {
      blocks.push(
        new TransformerBlock({
          dim: config.dim,
          heads: config.heads,
          mlpDim: config.mlpDim,
          dropout: config.dropout,
          layerNormEps: config.layerNormEps,
          crossAttention: true,
          contextDim: config.visualDim,
          rng,
        }),
      );
    }
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    this.norm = this.registerModule('norm', new LayerNorm(config.dim, { eps: config.layerNormEps }));
  }

  /** Needs both modalities. */
  forward(inputs: FusionInputs): FusionOutputs {
    const { visual, text } = inputs;
    if (visual === undefined || text === undefined) {
      throw new Error('CrossAttentionFusion: needs both visual and text tokens');
    }
    return tf.tidy(() => {
      const tMask = _checkTokens('CrossAttentionFusion', 'text', text, this.config.textDim, inputs.textMask); // [B, Nt]
      const vMask = _checkTokens(
        'CrossAttentionFusion',
        'visual',
        visual,
        this.config.visualDim,
        inputs.visualMask,
      ); // [B, Nv]
      const mask = paddingMask(tMask); // [B, 1, 1, Nt]
      const contextMask = paddingMask(vMask); // [B, 1, 1, Nv]
      let h = this.textProj ? this.textProj.forward(text) : text; // [B, Nt, D]
      for (const block of this.blocks) h = block.forward(h, { mask, context: visual, contextMask }); // [B, Nt, D]
      const out = this.norm.forward(h) as tf.Tensor3D; // [B, Nt, D]
      return {
        sequence: out,
        mask: tMask,
        cls: _position(out, 0),
        text: tf.clone(out) as tf.Tensor3D,
        visual: tf.clone(visual) as tf.Tensor3D,
        losses: {},
        logs: {},
      };
    });
  }
}

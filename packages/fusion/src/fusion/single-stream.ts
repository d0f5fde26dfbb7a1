// Single-stream fusion of Pixel-BERT (Huang et al., "Pixel-BERT: Aligning Image Pixels with Text by Deep
// Multi-Modal Transformers", 2020) and SOHO (Huang et al., "Seeing Out of tHe bOx", CVPR 2021): one
// transformer over [text ; visual] with a learned modality type embedding per stream. SOHO first maps
// every visual token to its visual-dictionary entry (optionally gated with the raw feature); the
// dictionary ids come back as `visualIds` for masked visual modelling.
import * as tf from '@tensorflow/tfjs-core';
import { init, type Linear, paddingMask, type Rng, TransformerEncoder } from '@vlp/tensor-core';
import { VisualDictionary } from '../dictionary/visual-dictionary.js';
import { VisualGate } from '../dictionary/visual-gate.js';
import type { SingleStreamConfig } from './config.js';
import {
  _checkTokens,
  _maybeProjection,
  _position,
  _slice3,
  type FusionInputs,
  FusionModel,
  type FusionOutputs,
} from './fusion.js';

/**
 * [text ; visual] single-stream fusion. Parameters: `textProj` / `visualProj` (only when widths differ),
 * `typeEmbed` [2, D] (0 = text, 1 = visual), `encoder.*`, and with a dictionary `visualDictionary.*`
 * (buffers) and `gate.*`. `sequence` is [B, Nt + Nv, D], text first; `cls` is the text [CLS] position.
 *
 * @example
 * ```ts
 * const fusion = createFusion('soho-tiny', {}, new Rng(0)) as SingleStreamFusion;
 * const out = fusion.forward({ visual: img.tokens, text: txt.tokens, textMask });
 * out.visualIds; // [B, Nv] dictionary ids (MVM targets)
 * tf.dispose(out);
 * ```
 */
export class SingleStreamFusion extends FusionModel {
  readonly config: SingleStreamConfig;
  readonly textProj: Linear | undefined;
  readonly visualProj: Linear | undefined;
  readonly typeEmbed: tf.Variable;
  readonly visualDictionary: VisualDictionary | undefined;
  readonly gate: VisualGate | undefined;
  readonly encoder: TransformerEncoder;

  constructor(config: SingleStreamConfig, rng: Rng) {
    super();
    this.config = config;
    const { dim } = config;
    const tp = _maybeProjection(config.textDim, dim, rng);
    this.textProj = tp ? this.registerModule('textProj', tp) : undefined;
    const vp = _maybeProjection(config.visualDim, dim, rng);
    this.visualProj = vp ? this.registerModule('visualProj', vp) : undefined;
    this.typeEmbed = this.registerParameter('typeEmbed', init.truncNormal(rng, [2, dim], 0.02));
    const vd = config.visualDictionary;
    this.visualDictionary = vd
      ? this.registerModule(
          'visualDictionary',
          new VisualDictionary({
            size: vd.size,
            dim: config.visualDim,
            decay: vd.decay,
            deadAfter: vd.deadAfter,
            rng,
          }),
        )
      : undefined;
    this.gate = vd?.gate ? this.registerModule('gate', new VisualGate(config.visualDim, rng)) : undefined;
    this.encoder = this.registerModule(
      'encoder',
      new TransformerEncoder({
        depth: config.depth,
        dim,
        heads: config.heads,
        mlpDim: config.mlpDim,
        dropout: config.dropout,
        layerNormEps: config.layerNormEps,
        rng,
      }),
    );
    if (config.initStd !== undefined && config.initStd !== 0.02) {
      // Linear draws std 0.02; redraw the weights (not biases, not LayerNorm) of the projections and the
      // encoder at the configured std, from the same seeded rng.
      for (const m of [this.textProj, this.visualProj, this.encoder]) {
        for (const [name, v] of m?.namedParameters() ?? []) {
          if (name.endsWith('weight') && v.rank === 2) {
            const w = init.truncNormal(rng, v.shape, config.initStd as number);
            v.assign(w);
            w.dispose();
          }
        }
      }
    }
  }

  /** Needs both modalities; a dictionary (if any) updates its EMA in training mode. */
  forward(inputs: FusionInputs): FusionOutputs {
    const { visual, text } = inputs;
    if (visual === undefined || text === undefined) {
      throw new Error('SingleStreamFusion: needs both visual and text tokens');
    }
    const dict = this.visualDictionary;
    return tf.tidy(() => {
      const tMask = _checkTokens('SingleStreamFusion', 'text', text, this.config.textDim, inputs.textMask); // [B, Nt]
      const vMask = _checkTokens(
        'SingleStreamFusion',
        'visual',
        visual,
        this.config.visualDim,
        inputs.visualMask,
      ); // [B, Nv]
      const nt = text.shape[1] as number;
      const nv = visual.shape[1] as number;
      const logs: Record<string, tf.Scalar> = {};
      let v = visual; // [B, Nv, Dv]
      let visualIds: tf.Tensor2D | undefined;
      if (dict !== undefined) {
        const q = dict.forward(visual, { mask: vMask }); // quantised [B, Nv, Dv]
        v = this.gate ? this.gate.forward(visual, q.quantized) : q.quantized;
        visualIds = q.ids as tf.Tensor2D;
        logs.vdPerplexity = q.stats.perplexity;
        logs.vdDeadEntries = q.stats.deadEntries;
        logs.vdUsage = q.stats.usage;
      }
      const [textType, visualType] = tf.split(this.typeEmbed, 2, 0) as [tf.Tensor, tf.Tensor]; // 2 x [1, D]
      const t = tf.add(this.textProj ? this.textProj.forward(text) : text, textType); // [B, Nt, D]
      const vv = tf.add(this.visualProj ? this.visualProj.forward(v) : v, visualType); // [B, Nv, D]
      const mask = tf.concat([tMask, vMask], 1) as tf.Tensor2D; // [B, Nt + Nv]
      const h = this.encoder.forward(tf.concat([t, vv], 1), { mask: paddingMask(mask) }) as tf.Tensor3D; // [B, T, D]
      return {
        sequence: h,
        mask,
        cls: _position(h, 0),
        text: _slice3(h, 0, nt),
        visual: _slice3(h, nt, nv),
        visualIds,
        losses: {},
        logs,
      };
    });
  }
}

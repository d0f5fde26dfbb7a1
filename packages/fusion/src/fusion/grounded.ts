// UNIMO-2's grounded transformer (Li et al., "UNIMO-2: End-to-End Unified Vision-Language Grounded
// Learning", Findings of ACL 2022): one transformer over [visual ; grounded ; text] under a block mask:
// image tokens attend to image + grounded, text tokens to grounded + text, grounded tokens to everything.
// Image-text attention is exactly zero, so cross-modal information passes only through the grounded
// tokens. Unaligned data runs [visual ; grounded] (image only) or [grounded ; text] (text only), with the
// grounded tokens selected from that modality alone.
import * as tf from '@tensorflow/tfjs-core';
import { init, type Linear, type Rng, TransformerEncoder } from '@vlp/tensor-core';
import { GroundedDictionary } from '../dictionary/grounded-dictionary.js';
import type { GroundedConfig } from './config.js';
import {
  _checkTokens,
  _maybeProjection,
  _position,
  _slice3,
  type FusionInputs,
  FusionModel,
  type FusionOutputs,
} from './fusion.js';

/** Segment of a position in the grounded sequence. */
const VISUAL = 0;
const GROUNDED = 1;
const TEXT = 2;

/** What the grounded sequence is made of before the transformer. */
type _Embedded = {
  seq: tf.Tensor; // [B, T, D]
  keep: tf.Tensor; // [B, 1, T, T]
  mask: tf.Tensor2D; // [B, T]
  vMask: tf.Tensor | undefined; // [B, Nv]
  nv: number;
  k: number;
  nt: number;
  groundedIds: tf.Tensor2D | undefined;
  losses: Record<string, tf.Scalar>;
  logs: Record<string, tf.Scalar>;
};

/**
 * UNIMO-2's attention rule as a [T, T] keep-matrix for a sequence of segment ids (0 visual, 1 grounded,
 * 2 text): query q may attend key k unless one is visual and the other text.
 * @example
 * ```ts
 * groundedBlockMask([0, 0, 1, 2]); // [[1,1,1,0],[1,1,1,0],[1,1,1,1],[0,0,1,1]]
 * ```
 */
export function groundedBlockMask(segments: readonly number[]): number[][] {
  return segments.map((q) =>
    segments.map((k) => ((q === VISUAL && k === TEXT) || (q === TEXT && k === VISUAL) ? 0 : 1)),
  );
}

/**
 * The grounded fusion. Parameters: `textProj` / `visualProj` (only when widths differ), `typeEmbed`
 * [3, D] (visual, grounded, text), `dictionary.*` (codebook, logTau), `encoder.*`.
 * Outputs: `sequence` [B, Nv + K + Nt, D] in that order (absent parts omitted), `visual`, `grounded`,
 * `text` views, `groundedIds`, `losses.grounding` (when the dictionary selected the tokens) and
 * `logs.{tau, qLatent, eLatent}`. `cls` is the text [CLS] output, or for images alone the masked mean
 * of the visual outputs.
 *
 * Pass `grounded` in the inputs to hold the grounded tokens fixed (no dictionary call, no loss).
 *
 * @example
 * ```ts
 * const fusion = createFusion('unimo2-tiny', {}, new Rng(0));
 * const pair = fusion.forward({ visual: img.tokens, text: txt.tokens, textMask });
 * const imageOnly = fusion.forward({ visual: img.tokens });
 * const textOnly = fusion.forward({ text: txt.tokens, textMask });
 * tf.dispose([pair, imageOnly, textOnly]);
 * ```
 */
export class GroundedFusion extends FusionModel {
  readonly config: GroundedConfig;
  readonly textProj: Linear | undefined;
  readonly visualProj: Linear | undefined;
  readonly typeEmbed: tf.Variable;
  readonly dictionary: GroundedDictionary;
  readonly encoder: TransformerEncoder;

  constructor(config: GroundedConfig, rng: Rng) {
    super();
    this.config = config;
    const { dim } = config;
    const tp = _maybeProjection(config.textDim, dim, rng);
    this.textProj = tp ? this.registerModule('textProj', tp) : undefined;
    const vp = _maybeProjection(config.visualDim, dim, rng);
    this.visualProj = vp ? this.registerModule('visualProj', vp) : undefined;
    this.typeEmbed = this.registerParameter('typeEmbed', init.truncNormal(rng, [3, dim], 0.02));
    this.dictionary = this.registerModule(
      'dictionary',
      new GroundedDictionary({
        size: config.groundedSize,
        dim,
        topK: config.topK,
        tauInit: config.tauInit,
        lossWeights: config.groundingWeights,
        rng,
      }),
    );
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
  }

  /** The input sequence, its keep-masks and the dictionary's outputs. Call inside tf.tidy. */
  private _embed(inputs: FusionInputs): _Embedded {
    const { visual, text } = inputs;
    if (visual === undefined && text === undefined) {
      throw new Error('GroundedFusion: needs visual tokens, text tokens, or both');
    }
    const who = 'GroundedFusion';
    const types = tf.split(this.typeEmbed, 3, 0) as [tf.Tensor, tf.Tensor, tf.Tensor]; // 3 x [1, D]
    const parts: tf.Tensor[] = []; // projected tokens [B, N*, D] in sequence order, before type embeddings
    const masks: tf.Tensor[] = [];
    const segments: number[] = [];
    let v: tf.Tensor | undefined;
    let t: tf.Tensor | undefined;
    let vMask: tf.Tensor | undefined;
    let tMask: tf.Tensor | undefined;
    if (visual !== undefined) {
      vMask = _checkTokens(who, 'visual', visual, this.config.visualDim, inputs.visualMask); // [B, Nv]
      v = this.visualProj ? this.visualProj.forward(visual) : visual; // [B, Nv, D]
    }
    if (text !== undefined) {
      tMask = _checkTokens(who, 'text', text, this.config.textDim, inputs.textMask); // [B, Nt]
      t = this.textProj ? this.textProj.forward(text) : text; // [B, Nt, D]
    }
    // Grounded tokens: from the dictionary over whatever modalities are present, or given.
    const losses: Record<string, tf.Scalar> = {};
    const logs: Record<string, tf.Scalar> = {};
    let g: tf.Tensor;
    let groundedIds: tf.Tensor2D | undefined;
    if (inputs.grounded !== undefined) {
      _checkTokens(who, 'grounded', inputs.grounded, this.dim, undefined);
      g = inputs.grounded; // [B, K, D]
    } else {
      const present = [v, t].filter((x): x is tf.Tensor => x !== undefined);
      const presentMasks = [vMask, tMask].filter((x): x is tf.Tensor => x !== undefined);
      const gd = this.dictionary.forward(tf.concat(present, 1), tf.concat(presentMasks, 1)); // over [B, Nv + Nt, D]
      g = gd.grounded; // [B, K, D]
      groundedIds = gd.ids;
      losses.grounding = gd.losses.grounding;
      logs.tau = gd.logs.tau;
      logs.qLatent = gd.logs.qLatent;
      logs.eLatent = gd.logs.eLatent;
    }
    const b = g.shape[0] as number;
    const k = g.shape[1] as number;
    if (v !== undefined && vMask !== undefined) {
      parts.push(tf.add(v, types[VISUAL]));
      masks.push(vMask);
      for (let i = 0; i < (v.shape[1] as number); i++) segments.push(VISUAL);
    }
    parts.push(tf.add(g, types[GROUNDED]));
    masks.push(tf.ones([b, k]));
    for (let i = 0; i < k; i++) segments.push(GROUNDED);
    if (t !== undefined && tMask !== undefined) {
      parts.push(tf.add(t, types[TEXT]));
      masks.push(tMask);
      for (let i = 0; i < (t.shape[1] as number); i++) segments.push(TEXT);
    }
    const seq = tf.concat(parts, 1); // [B, T, D]
    const mask = tf.concat(masks, 1) as tf.Tensor2D; // [B, T]
    const n = segments.length;
    const block = tf.tensor2d(groundedBlockMask(segments).flat(), [n, n]); // [T, T]
    const keep = tf.mul(tf.reshape(block, [1, 1, n, n]), tf.reshape(mask, [b, 1, 1, n])); // [B, 1, T, T]
    return {
      seq,
      keep,
      mask,
      vMask,
      nv: v?.shape[1] ?? 0,
      k,
      nt: t?.shape[1] ?? 0,
      groundedIds,
      losses,
      logs,
    };
  }

  /**
   * Every layer's attention probabilities [B, heads, T, T] for these inputs (for inspection and the
   * no-leak tests: image-text entries are exactly zero). The caller disposes them.
   * @example
   * ```ts
   * const maps = fusion.attentionMaps({ visual, text }); // depth x [B, H, T, T]
   * tf.dispose(maps);
   * ```
   */
  attentionMaps(inputs: FusionInputs): tf.Tensor4D[] {
    return tf.tidy(() => {
      const { seq, keep } = this._embed(inputs);
      const maps: tf.Tensor4D[] = [];
      let h = seq; // [B, T, D]
      for (const block of this.encoder.blocks) {
        maps.push(
          block.attn.attentionWeights(block.norm1.forward(h), undefined, { mask: keep }) as tf.Tensor4D,
        );
        h = block.forward(h, { mask: keep }); // [B, T, D]
      }
      return maps;
    });
  }

  /** Pairs, images alone or texts alone (at least one modality). */
  forward(inputs: FusionInputs): FusionOutputs {
    return tf.tidy(() => {
      const { seq, keep, mask, vMask, nv, k, nt, groundedIds, losses, logs } = this._embed(inputs);
      const h = this.encoder.forward(seq, { mask: keep }) as tf.Tensor3D; // [B, T, D]
      const visualOut = nv > 0 ? _slice3(h, 0, nv) : undefined;
      const textOut = nt > 0 ? _slice3(h, nv + k, nt) : undefined;
      let cls: tf.Tensor2D;
      if (textOut !== undefined) cls = _position(textOut, 0);
      else {
        const m = tf.expandDims(vMask as tf.Tensor, 2); // [B, Nv, 1]
        cls = tf.div(
          tf.sum(tf.mul(visualOut as tf.Tensor, m), 1),
          tf.maximum(tf.sum(m, 1), 1),
        ) as tf.Tensor2D; // [B, D]
      }
      return {
        sequence: h,
        mask,
        cls,
        visual: visualOut,
        grounded: _slice3(h, nv, k),
        text: textOut,
        groundedIds,
        losses,
        logs,
      };
    });
  }
}

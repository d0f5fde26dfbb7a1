// The one interface every fusion transformer implements (Pixel-BERT / SOHO single-stream, ALBEF
// cross-attention, UNIMO-2 grounded): (visual tokens, text tokens, masks) -> the fused sequence plus
// named views of it, so objectives (ITM, MLM, MVM, ITC) pick what they need without knowing the kind.
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, type Rng } from '@vlp/tensor-core';
import type { FusionConfig } from './config.js';

/**
 * Inputs of {@link FusionModel.forward}. Masks are [B, N] keep-masks (1 = real token); omitted = all valid.
 * @example
 * ```ts
 * const inputs: FusionInputs = { visual: img.tokens, text: txt.tokens, textMask: batch.attentionMask };
 * ```
 */
export type FusionInputs = {
  /** Visual tokens [B, Nv, visualDim] (image encoder `tokens`). */
  visual?: tf.Tensor;
  visualMask?: tf.Tensor;
  /** Text tokens [B, Nt, textDim] ([CLS] first; text encoder `tokens`). */
  text?: tf.Tensor;
  textMask?: tf.Tensor;
  /** Grounded kind only: use these grounded tokens [B, K, dim] instead of the dictionary's selection. */
  grounded?: tf.Tensor;
};

/**
 * What every fusion returns; fresh tensors the caller disposes (`tf.dispose(out)`).
 * @example
 * ```ts
 * const { sequence, text, visual, cls, losses } = fusion.forward(inputs);
 * ```
 */
export type FusionOutputs = {
  /** The fused sequence [B, T, dim] (layout depends on the kind: see `text` / `visual` for views). */
  sequence: tf.Tensor3D;
  /** Keep-mask of `sequence` [B, T]. */
  mask: tf.Tensor2D;
  /** One vector per sample [B, dim]: the text [CLS] position (ITM head input). */
  cls: tf.Tensor2D;
  /** Text positions of the output [B, Nt, dim] (MLM head input), when text was given. */
  text?: tf.Tensor3D;
  /** Visual positions of the output [B, Nv, dim], when images were given. */
  visual?: tf.Tensor3D;
  /** Grounded kind: grounded positions of the output [B, K, dim]. */
  grounded?: tf.Tensor3D;
  /** Grounded kind: the selected code ids [B, K]. */
  groundedIds?: tf.Tensor2D;
  /** SOHO: visual dictionary ids [B, Nv] (MVM targets). */
  visualIds?: tf.Tensor2D;
  /** Named losses the fusion itself contributes (UNIMO-2's `grounding`). */
  losses: Record<string, tf.Scalar>;
  /** Named scalars for logging (dictionary perplexity, tau, ...). */
  logs: Record<string, tf.Scalar>;
};

/**
 * Base class of every fusion kind: a {@link Module} with its config and `forward(inputs)`.
 * @example
 * ```ts
 * const fusion: FusionModel = createFusion('albef-tiny', {}, new Rng(0));
 * const out = fusion.forward({ visual, text, textMask });
 * tf.dispose(out);
 * ```
 */
export abstract class FusionModel extends Module {
  abstract readonly config: FusionConfig;

  /** Fusion width D. */
  get dim(): number {
    return this.config.dim;
  }

  abstract forward(inputs: FusionInputs): FusionOutputs;
}

/** Linear projection to the fusion width when the input width differs; identity otherwise. */
export function _maybeProjection(inDim: number, dim: number, rng: Rng): Linear | undefined {
  return inDim === dim ? undefined : new Linear(inDim, dim, { rng });
}

/** Checks x is [B, N, width] (and mask [B, N]); returns the mask as float32 (ones when absent). */
export function _checkTokens(
  who: string,
  what: string,
  x: tf.Tensor,
  width: number,
  mask: tf.Tensor | undefined,
): tf.Tensor2D {
  if (x.rank !== 3 || x.shape[2] !== width) {
    throw new Error(`${who}: ${what} tokens must be [B, N, ${width}], got [${x.shape}]`);
  }
  const [b, n] = x.shape as [number, number, number];
  if (mask === undefined) return tf.ones([b, n]);
  if (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== n) {
    throw new Error(`${who}: ${what}Mask must be [${b}, ${n}], got [${mask.shape}]`);
  }
  return tf.cast(mask, 'float32') as tf.Tensor2D;
}

/** x [B, T, D] -> x[:, start:start+len, :]. */
export function _slice3(x: tf.Tensor, start: number, len: number): tf.Tensor3D {
  return tf.slice(x, [0, start, 0], [-1, len, -1]) as tf.Tensor3D;
}

/** x [B, T, D] -> x[:, i, :] as [B, D]. */
export function _position(x: tf.Tensor, i: number): tf.Tensor2D {
  return tf.squeeze(tf.slice(x, [0, i, 0], [-1, 1, -1]), [1]) as tf.Tensor2D;
}

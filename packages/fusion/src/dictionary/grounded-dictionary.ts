// UNIMO-2's Grounded Dictionary (Li et al., "UNIMO-2: End-to-End Unified Vision-Language Grounded
// Learning", Findings of ACL 2022): C trainable code embeddings shared by images and texts. A sample's
// code k scores sum_i sigmoid(tau * x_i . e_k) over its valid tokens; the K best codes become the
// sample's grounded tokens, through which the grounded transformer lets the modalities talk. Works on
// image tokens, text tokens, or both concatenated (the caller concatenates; the mask marks padding).
import * as tf from '@tensorflow/tfjs-core';
import { defaultRng, init, Module, type Rng } from '@vlp/tensor-core';
import { _topKIndices } from '../_ops.js';
import { groundingLoss } from './grounding-loss.js';

/**
 * Options of a {@link GroundedDictionary}.
 * @example
 * ```ts
 * const opts: GroundedDictionaryOptions = { size: 2048, dim: 768, topK: 100 }; // the release
 * ```
 */
export interface GroundedDictionaryOptions {
  /** Number of codes C (release: 2048). */
  size: number;
  /** Feature width D. */
  dim: number;
  /** Codes kept per sample K (release: 100; scale with C for small models). */
  topK: number;
  /** Initial temperature. Default 100. */
  tauInit?: number;
  /** Clamp range of tau. Default [1, 1e4]. */
  tauRange?: [number, number];
  /** Std of the truncated-normal code initialisation. Default 0.02. */
  initStd?: number;
  /** Weights of q_latent and e_latent in the grounding loss. Default [1.0, 0.25]. */
  lossWeights?: [number, number];
  rng?: Rng;
}

/**
 * What {@link GroundedDictionary.forward} returns; fresh tensors the caller disposes (`tf.dispose(out)`).
 * @example
 * ```ts
 * const { grounded, ids, scores, losses, logs }: GroundedDictionaryOutput = gd.forward(tokens, mask);
 * ```
 */
export type GroundedDictionaryOutput = {
  /** The K selected code embeddings per sample [B, K, D] (gradients reach the selected codes). */
  grounded: tf.Tensor3D;
  /** Their indices, best first [B, K] int32. */
  ids: tf.Tensor2D;
  /** Every code's score [B, C]. */
  scores: tf.Tensor2D;
  /** The clamped temperature (scalar). */
  tau: tf.Scalar;
  losses: { grounding: tf.Scalar };
  logs: { qLatent: tf.Scalar; eLatent: tf.Scalar; tau: tf.Scalar };
};

/**
 * UNIMO-2's grounded dictionary. Parameters: `codebook` [C, D], `logTau` (scalar; tau = exp(logTau)
 * clamped to `tauRange` in the forward pass, so the gradient vanishes while tau sits at a bound).
 *
 * @example
 * ```ts
 * const gd = new GroundedDictionary({ size: 64, dim: 32, topK: 8, rng: new Rng(0) });
 * const tokens = tf.concat([imageTokens, textTokens], 1); // [B, Ni + Nt, 32]
 * const mask = tf.concat([imageMask, textMask], 1); // [B, Ni + Nt]
 * const out = gd.forward(tokens, mask); // out.grounded [B, 8, 32]
 * tf.dispose(out);
 * ```
 */
export class GroundedDictionary extends Module {
  readonly size: number;
  readonly dim: number;
  readonly topK: number;
  readonly tauRange: [number, number];
  readonly lossWeights: [number, number];
  readonly codebook: tf.Variable;
  readonly logTau: tf.Variable;

  constructor(opts: GroundedDictionaryOptions) {
    super();
    const { size, dim, topK } = opts;
    if (!Number.isInteger(topK) || topK < 1 || topK > size) {
      throw new Error(`GroundedDictionary: topK ${topK} must be an integer in [1, size=${size}]`);
    }
    this.size = size;
    this.dim = dim;
    this.topK = topK;
    this.tauRange = opts.tauRange ?? [1, 1e4];
    this.lossWeights = opts.lossWeights ?? [1.0, 0.25];
    const tau0 = opts.tauInit ?? 100;
    if (!(tau0 >= this.tauRange[0] && tau0 <= this.tauRange[1])) {
      throw new Error(`GroundedDictionary: tauInit ${tau0} outside [${this.tauRange}]`);
    }
    const rng = (opts.rng ?? defaultRng()).fork('grounded-dictionary');
    this.codebook = this.registerParameter(
      'codebook',
      init.truncNormal(rng, [size, dim], opts.initStd ?? 0.02),
    );
    this.logTau = this.registerParameter('logTau', tf.scalar(Math.log(tau0)));
  }

  /**
   * The clamped temperature as a scalar tensor (caller disposes).
   * @example
   * ```ts
   * const tau = gd.tau(); // 100 at initialisation
   * ```
   */
  tau(): tf.Scalar {
    return tf.tidy(() =>
      tf.exp(tf.clipByValue(this.logTau, Math.log(this.tauRange[0]), Math.log(this.tauRange[1]))),
    ) as tf.Scalar;
  }

  /**
   * Per-sample code scores sum_i sigmoid(tau x_i . e_k) over valid tokens: [B, T, D], [B, T] -> [B, C].
   * @example
   * ```ts
   * const s = gd.scores(tokens, mask); // [B, C]
   * ```
   */
  scores(tokens: tf.Tensor, mask?: tf.Tensor): tf.Tensor2D {
    this._check(tokens, mask);
    return tf.tidy(() => {
      const [b, t] = tokens.shape as [number, number, number];
      const logits = tf.mul(
        tf.matMul(tf.reshape(tokens, [b * t, this.dim]), this.codebook, false, true),
        this.tau(),
      ); // [B*T, C]
      const sig = tf.reshape(tf.sigmoid(logits), [b, t, this.size]); // [B, T, C]
      const m = mask ? tf.expandDims(tf.cast(mask, 'float32'), 2) : tf.ones([b, t, 1]); // [B, T, 1]
      return tf.sum(tf.mul(sig, m), 1) as tf.Tensor2D; // [B, C]
    });
  }

  /**
   * Code embeddings of ids [..., K] -> [..., K, D], differentiable in the codebook (one-hot matMul, so
   * the tape never asks for a gradient of the integer ids).
   * @example
   * ```ts
   * const e = gd.lookup(ids); // [B, K, D]
   * ```
   */
  lookup(ids: tf.Tensor): tf.Tensor {
    // 2-D matMul: tfjs's BatchMatMul gradient does not reduce a broadcast [C, D] operand back to its shape.
    return tf.tidy(() => {
      const flat = tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [-1]), this.size); // [N, C]
      return tf.reshape(tf.matMul(flat, this.codebook), [...ids.shape, this.dim]); // [..., D]
    });
  }

  /** Top-K grounding of tokens [B, T, D] (mask [B, T]) plus the grounding loss on them. */
  forward(tokens: tf.Tensor, mask?: tf.Tensor): GroundedDictionaryOutput {
    return tf.tidy(() => {
      const scores = this.scores(tokens, mask); // [B, C]
      const ids = _topKIndices(scores, this.topK) as tf.Tensor2D; // [B, K]
      const grounded = this.lookup(ids) as tf.Tensor3D; // [B, K, D]
      const tau = this.tau();
      const { losses, logs } = groundingLoss({
        tokens,
        mask,
        codes: grounded,
        tau,
        qWeight: this.lossWeights[0],
        eWeight: this.lossWeights[1],
      });
      return { grounded, ids, scores, tau, losses, logs: { ...logs, tau: tf.clone(tau) as tf.Scalar } };
    });
  }

  private _check(tokens: tf.Tensor, mask: tf.Tensor | undefined): void {
    if (tokens.rank !== 3 || tokens.shape[2] !== this.dim) {
      throw new Error(`GroundedDictionary: tokens must be [B, T, ${this.dim}], got [${tokens.shape}]`);
    }
    if (
      mask !== undefined &&
      (mask.rank !== 2 || mask.shape[0] !== tokens.shape[0] || mask.shape[1] !== tokens.shape[1])
    ) {
      throw new Error(`GroundedDictionary: mask must be [${tokens.shape.slice(0, 2)}], got [${mask.shape}]`);
    }
  }
}

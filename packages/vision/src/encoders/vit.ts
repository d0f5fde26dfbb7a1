// Vision Transformer (Dosovitskiy et al., 2021, "An Image is Worth 16x16 Words"), the image tower of ALBEF
// and UNIMO-2, laid out as timm's VisionTransformer: patch embedding, a learned CLS token, learned
// absolute positions, pre-LN blocks and a final LayerNorm. Patch embedding is reshape + Linear (equal to a
// stride-p conv; weight rows ordered (row, column, channel) within a patch, so a timm conv weight
// [D, 3, p, p] converts by transposing to [p, p, 3, D] and reshaping to [p*p*3, D]).
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, defaultRng, init, Linear, type Rng, TransformerEncoder } from '@vlp/tensor-core';
import type { VitConfig } from './config.js';
import { _checkPixels, ImageEncoder, type ImageFeatures } from './encoder.js';
import { _mlpDim } from './params.js';

/**
 * Cuts NHWC pixels into non-overlapping p x p patches: [B, H, W, C] -> [B, (H/p)*(W/p), p*p*C], patches
 * in raster order, each flattened (row, column, channel).
 *
 * @example
 * ```ts
 * patchify(tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, 8).shape; // [2, 16, 192]
 * ```
 */
export function patchify(pixels: tf.Tensor4D, patchSize: number): tf.Tensor3D {
  const [b, h, w, c] = pixels.shape;
  const p = patchSize;
  if (h % p !== 0 || w % p !== 0) throw new Error(`patchify: ${h}x${w} is not a multiple of patch ${p}`);
  return tf.tidy(() => {
    const x = tf.reshape(pixels, [b, h / p, p, w / p, p, c]); // [B, gh, p, gw, p, C]
    const t = tf.transpose(x, [0, 1, 3, 2, 4, 5]); // [B, gh, gw, p, p, C]
    return tf.reshape(t, [b, (h / p) * (w / p), p * p * c]) as tf.Tensor3D; // [B, N, p*p*C]
  });
}

/**
 * A ViT image encoder. Inputs at another resolution than `config.imageSize` (a multiple of the patch)
 * get their position table bilinearly resized, as when fine-tuning ViTs at higher resolution.
 *
 * @example
 * ```ts
 * const vit = new VisionTransformer(getImageEncoderConfig('vit-tiny') as VitConfig, new Rng(0));
 * const { tokens, cls } = vit.forward(tf.zeros([2, 32, 32, 3]) as tf.Tensor4D); // [2, 16, 32], [2, 32]
 * ```
 */
export class VisionTransformer extends ImageEncoder {
  readonly config: VitConfig;
  readonly patchEmbed: Linear;
  readonly clsToken: tf.Variable;
  readonly posEmbed: tf.Variable;
  readonly posDrop: Dropout;
  readonly encoder: TransformerEncoder;

  constructor(config: VitConfig, rng: Rng = defaultRng()) {
    super();
    this.config = config;
    const { dim, patchSize: p } = config;
    const side = config.imageSize / p;
    this.patchEmbed = this.registerModule('patch_embed', new Linear(p * p * 3, dim, { rng }));
    this.clsToken = this.registerParameter('cls_token', init.truncNormal(rng, [1, 1, dim], 0.02));
    this.posEmbed = this.registerParameter(
      'pos_embed',
      init.truncNormal(rng, [1, side * side + 1, dim], 0.02),
    );
    this.posDrop = this.registerModule('pos_drop', new Dropout(config.dropout, rng));
    this.encoder = this.registerModule(
      'encoder',
      new TransformerEncoder({
        depth: config.depth,
        dim,
        heads: config.heads,
        mlpDim: _mlpDim(config),
        dropout: config.dropout,
        layerNormEps: config.layerNormEps,
        finalNorm: true,
        rng,
      }),
    );
  }

  /** Position table [1, 1 + gh*gw, D] for a gh x gw grid (resized from the trained grid if different). */
  private positions(gh: number, gw: number): tf.Tensor {
    const side = this.config.imageSize / this.config.patchSize;
    if (gh === side && gw === side) return this.posEmbed;
    const d = this.config.dim;
    const clsPos = tf.slice(this.posEmbed, [0, 0, 0], [1, 1, d]); // [1, 1, D]
    const gridPos = tf.reshape(tf.slice(this.posEmbed, [0, 1, 0], [1, side * side, d]), [1, side, side, d]);
    const resized = tf.image.resizeBilinear(gridPos as tf.Tensor4D, [gh, gw], true); // [1, gh, gw, D]
    return tf.concat([clsPos, tf.reshape(resized, [1, gh * gw, d])], 1); // [1, 1 + gh*gw, D]
  }

  forward(pixels: tf.Tensor4D): ImageFeatures {
    const [b, h, w] = _checkPixels(pixels, 'VisionTransformer');
    const p = this.config.patchSize;
    if (h % p !== 0 || w % p !== 0) {
      throw new Error(`VisionTransformer: input ${h}x${w} must be a multiple of the patch size ${p}`);
    }
    const d = this.config.dim;
    const gh = h / p;
    const gw = w / p;
    const n = gh * gw;
    return tf.tidy(() => {
      const patches = this.patchEmbed.forward(patchify(pixels, p)); // [B, N, D]
      const cls = tf.tile(this.clsToken, [b, 1, 1]); // [B, 1, D]
      let x = tf.add(tf.concat([cls, patches], 1), this.positions(gh, gw)); // [B, 1 + N, D]
      x = this.posDrop.forward(x);
      const out = this.encoder.forward(x); // [B, 1 + N, D], final LayerNorm applied
      const tokens = tf.slice(out, [0, 1, 0], [b, n, d]) as tf.Tensor3D; // [B, N, D]
      return {
        tokens,
        cls: tf.reshape(tf.slice(out, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D, // [B, D]
        grid: tf.reshape(tokens, [b, gh, gw, d]) as tf.Tensor4D, // [B, gh, gw, D]
      };
    });
  }
}

// What every image encoder returns and promises. Named features (not a bare tensor) so fusion layers and
// objectives pick what they need: `tokens` for cross-attention / single-stream fusion, `cls` for
// contrastive embeddings, `grid` for anything spatial (SOHO's visual dictionary, Pixel-BERT's sampling).
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '@vlp/tensor-core';
import type { ImageEncoderConfig } from './config.js';

/**
 * Features of a batch of images. All three are fresh tensors the caller disposes (e.g. `tf.dispose(f)`).
 * - `tokens` [B, N, D]: the visual sequence (ViT: patch tokens without CLS; CNN: grid cells, raster order).
 * - `cls` [B, D]: one vector per image (ViT: the CLS token; CNN: the mean of the tokens).
 * - `grid` [B, H, W, D]: `tokens` laid out spatially (N = H * W).
 *
 * @example
 * ```ts
 * const features = encoder.forward(pixels);
 * const { tokens, cls, grid } = features;
 * tf.dispose(features);
 * ```
 */
// A type alias (not an interface) so it is a tf.TensorContainer: `tf.dispose(features)` works.
export type ImageFeatures = {
  tokens: tf.Tensor3D;
  cls: tf.Tensor2D;
  grid: tf.Tensor4D;
};

/**
 * Base class of image encoders: a {@link Module} with a config and `forward(pixels [B, H, W, 3])`.
 * `forward` runs in `tf.tidy`; only the returned features survive. `train()` / `eval()` switch dropout
 * and BatchNorm.
 *
 * @example
 * ```ts
 * const encoder: ImageEncoder = createImageEncoder('vit-tiny', {}, new Rng(0));
 * const feats = encoder.eval().forward(pixels);
 * ```
 */
export abstract class ImageEncoder extends Module {
  abstract readonly config: ImageEncoderConfig;

  /** Token width D. */
  get dim(): number {
    return this.config.dim;
  }

  /** Normalised pixels [B, H, W, 3] (NHWC float32) -> named features. */
  abstract forward(pixels: tf.Tensor4D): ImageFeatures;
}

/** Throws unless `pixels` is [B, H, W, 3]. */
export function _checkPixels(pixels: tf.Tensor, who: string): [number, number, number] {
  const [b, h, w, c] = pixels.shape;
  if (pixels.rank !== 4 || c !== 3 || b === undefined || h === undefined || w === undefined) {
    throw new Error(`${who}: expected pixels [B, H, W, 3] (NHWC), got [${pixels.shape}]`);
  }
  return [b, h, w];
}

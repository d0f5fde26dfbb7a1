// Normalisation and batching: RGB bytes -> float32 NHWC tensors, (x / 255 - mean) / std per channel.
// Presets are the statistics each family of pretrained weights was trained with (CLIP's from its
// training set, ImageNet's for torchvision/timm CNNs); pick the one matching the weights you load.
import * as tf from '@tensorflow/tfjs-core';
import type { RgbImage } from './types.js';

/**
 * Per-channel mean and std of pixel values scaled to [0, 1].
 *
 * @example
 * ```ts
 * const myStats: Normalization = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }; // maps to [-1, 1]
 * ```
 */
export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * Named normalisation presets: `clip` (OpenAI CLIP, ALBEF), `imagenet` (torchvision, timm CNNs),
 * `none` (identity: values in [0, 1]).
 *
 * @example
 * ```ts
 * const t = imagesToTensor(images, NORMALIZATIONS.imagenet);
 * ```
 */
export const NORMALIZATIONS = {
  clip: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  none: { mean: [0, 0, 0], std: [1, 1, 1] },
} as const satisfies Record<string, Normalization>;

/**
 * A preset name or explicit statistics.
 *
 * @example
 * ```ts
 * const spec: NormalizationSpec = getImageEncoderConfig('resnet-tiny').normalization; // 'imagenet'
 * ```
 */
export type NormalizationSpec = keyof typeof NORMALIZATIONS | Normalization;

function _resolve(spec: NormalizationSpec): Normalization {
  const n = typeof spec === 'string' ? NORMALIZATIONS[spec] : spec;
  if (n === undefined) {
    throw new Error(
      `Unknown normalization "${String(spec)}". Should be one of: ${Object.keys(NORMALIZATIONS)}`,
    );
  }
  if (n.std.some((s) => !(s > 0))) throw new RangeError(`std must be positive, got [${n.std}]`);
  return n;
}

/**
 * Writes one image, normalised, into `out` at element offset `offset` (HWC float32). Exposed for data
 * loaders that fill a preallocated batch buffer.
 *
 * @example
 * ```ts
 * const buf = new Float32Array(2 * 224 * 224 * 3);
 * normalizeInto(imgA, buf, 0, 'clip');
 * normalizeInto(imgB, buf, 224 * 224 * 3, 'clip');
 * ```
 */
export function normalizeInto(
  image: RgbImage,
  out: Float32Array,
  offset: number,
  spec: NormalizationSpec = 'clip',
): void {
  const { mean, std } = _resolve(spec);
  const n = image.width * image.height;
  if (image.data.length !== n * 3) {
    throw new Error(
      `image data has ${image.data.length} bytes, expected ${n * 3} for ${image.width}x${image.height}`,
    );
  }
  if (offset + n * 3 > out.length) throw new RangeError('output buffer too small');
  // Fold /255, -mean, /std into one multiply-add per channel.
  const scale = [1 / (255 * std[0]), 1 / (255 * std[1]), 1 / (255 * std[2])] as const;
  const shift = [-mean[0] / std[0], -mean[1] / std[1], -mean[2] / std[2]] as const;
  const src = image.data;
  for (let i = 0; i < n * 3; i += 3) {
    out[offset + i] = (src[i] as number) * scale[0] + shift[0];
    out[offset + i + 1] = (src[i + 1] as number) * scale[1] + shift[1];
    out[offset + i + 2] = (src[i + 2] as number) * scale[2] + shift[2];
  }
}

/**
 * Stacks same-sized images into a normalised float32 `[B, H, W, 3]` tensor (NHWC). The caller owns and
 * disposes the returned tensor; no other tensors are created.
 *
 * @example
 * ```ts
 * const x = imagesToTensor([imgA, imgB], 'clip'); // [2, 224, 224, 3]
 * const feats = encoder.forward(x);
 * x.dispose();
 * ```
 */
export function imagesToTensor(images: readonly RgbImage[], spec: NormalizationSpec = 'clip'): tf.Tensor4D {
  const first = images[0];
  if (first === undefined) throw new Error('imagesToTensor needs at least one image');
  const { width: w, height: h } = first;
  const per = w * h * 3;
  const buf = new Float32Array(images.length * per);
  images.forEach((img, i) => {
    if (img.width !== w || img.height !== h) {
      throw new Error(`image ${i} is ${img.width}x${img.height}, expected ${w}x${h}: resize before batching`);
    }
    normalizeInto(img, buf, i * per, spec);
  });
  return tf.tensor4d(buf, [images.length, h, w, 3], 'float32');
}

/**
 * Inverse of normalisation for inspection: a `[H, W, 3]` or `[1, H, W, 3]` tensor back to RGB bytes.
 *
 * @example
 * ```ts
 * const img = tensorToImage(x.slice([0], [1]), 'clip');
 * await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).toFile('view.png');
 * ```
 */
export function tensorToImage(t: tf.Tensor, spec: NormalizationSpec = 'clip'): RgbImage {
  const shape = t.shape.length === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  const [h, w, c] = shape;
  if (shape.length !== 3 || c !== 3 || h === undefined || w === undefined) {
    throw new Error(`expected [H, W, 3] or [1, H, W, 3], got [${t.shape}]`);
  }
  const { mean, std } = _resolve(spec);
  const values = t.dataSync();
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) {
    const ch = i % 3;
    const v = ((values[i] as number) * (std[ch] as number) + (mean[ch] as number)) * 255;
    data[i] = Math.max(0, Math.min(255, Math.round(v)));
  }
  return { data, width: w, height: h };
}

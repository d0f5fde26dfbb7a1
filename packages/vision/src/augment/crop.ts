// Random resized crop (Szegedy et al. 2015, "Going deeper with convolutions"; torchvision's
// RandomResizedCrop): pick a box covering a random fraction of the area with a random log-uniform aspect
// ratio, then resize it to a square. Sampling is pure and synchronous (so a shared rng is consumed in a
// fixed order even when many images are processed concurrently); the crop+resize runs in libvips.
import sharp from 'sharp';
import type { ResizeKernel } from '../io/load.js';
import type { RgbImage } from '../io/types.js';
import { _between, type AugmentRng } from './rng.js';

/**
 * A pixel box inside an image.
 *
 * @example
 * ```ts
 * const box: CropBox = { left: 10, top: 0, width: 100, height: 80 };
 * ```
 */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Area fraction and aspect-ratio ranges of {@link sampleResizedCrop} (torchvision's names).
 *
 * @example
 * ```ts
 * const ranges: ResizedCropRanges = { scale: [0.5, 1], ratio: [3 / 4, 4 / 3] };
 * ```
 */
export interface ResizedCropRanges {
  /** Fraction of the image area the box covers, `[min, max]` (torchvision default `[0.08, 1]`). */
  scale?: readonly [number, number];
  /** Box width / height, sampled log-uniformly, `[min, max]` (default `[3/4, 4/3]`). */
  ratio?: readonly [number, number];
}

/**
 * Samples a crop box exactly as torchvision's `RandomResizedCrop.get_params`: up to 10 tries of a random
 * area and log-uniform aspect ratio that fit; otherwise the largest centred box whose ratio is clamped
 * to the range.
 *
 * @example
 * ```ts
 * const box = sampleResizedCrop(640, 480, rng, { scale: [0.5, 1] });
 * box.width * box.height >= 0.5 * 640 * 480 * 0.99; // up to rounding, unless the fallback ran
 * ```
 */
export function sampleResizedCrop(
  width: number,
  height: number,
  rng: AugmentRng,
  ranges: ResizedCropRanges = {},
): CropBox {
  const [sMin, sMax] = ranges.scale ?? [0.08, 1];
  const [rMin, rMax] = ranges.ratio ?? [3 / 4, 4 / 3];
  if (!(sMin > 0 && sMin <= sMax && sMax <= 1))
    throw new RangeError(`scale must satisfy 0 < min <= max <= 1`);
  if (!(rMin > 0 && rMin <= rMax)) throw new RangeError(`ratio must satisfy 0 < min <= max`);
  const area = width * height;
  const logLo = Math.log(rMin);
  const logHi = Math.log(rMax);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * _between(rng, sMin, sMax);
    const aspect = Math.exp(_between(rng, logLo, logHi));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { left, top, width: w, height: h };
    }
  }
  // Fallback: whole image, with the aspect ratio clamped into range, centred.
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < rMin) h = Math.round(w / rMin);
  else if (inRatio > rMax) w = Math.round(h * rMax);
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

/**
 * Cuts `box` out of `image` and resizes it to `size` x `size` (aspect not preserved, as torchvision).
 *
 * @example
 * ```ts
 * const patch = await cropAndResize(image, { left: 0, top: 0, width: 50, height: 40 }, 32);
 * patch.width; // 32
 * ```
 */
export async function cropAndResize(
  image: RgbImage,
  box: CropBox,
  size: number,
  kernel: ResizeKernel = 'cubic',
): Promise<RgbImage> {
  if (
    box.left < 0 ||
    box.top < 0 ||
    box.left + box.width > image.width ||
    box.top + box.height > image.height
  ) {
    throw new RangeError(`crop box ${JSON.stringify(box)} is outside ${image.width}x${image.height}`);
  }
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .extract(box)
    .resize(size, size, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/**
 * Samples a box and crops+resizes to a square `size` in one call.
 *
 * @example
 * ```ts
 * const view = await randomResizedCrop(image, rng, { size: 224, scale: [0.2, 1] });
 * ```
 */
export async function randomResizedCrop(
  image: RgbImage,
  rng: AugmentRng,
  options: ResizedCropRanges & { size: number; kernel?: ResizeKernel },
): Promise<RgbImage> {
  const box = sampleResizedCrop(image.width, image.height, rng, options);
  return cropAndResize(image, box, options.size, options.kernel);
}

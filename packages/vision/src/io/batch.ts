// Loading many images: parallel decoding with bounded concurrency (sharp is async and each decode already
// uses libvips worker threads, so a handful in flight saturates the cores without exhausting memory), and
// a batch result that keeps the good images in input order and reports every bad one instead of throwing.
import { availableParallelism } from 'node:os';
import type * as tf from '@tensorflow/tfjs-core';
import { ImageLoadError, type SkippedImage } from './errors.js';
import { type ImageSource, type LoadImageOptions, loadImage } from './load.js';
import { imagesToTensor, type NormalizationSpec } from './normalize.js';
import type { RgbImage } from './types.js';

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep input order. A rejection
 * rejects the whole map (callers that must survive bad items catch inside `fn`).
 *
 * @example
 * ```ts
 * const sizes = await mapWithConcurrency(paths, 4, async (p) => (await fs.stat(p)).size);
 * ```
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit >= 1))
    throw new RangeError(`concurrency must be >= 1, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Options for {@link loadImages}: those of {@link loadImage} plus how many decodes run at once.
 *
 * @example
 * ```ts
 * const opts: LoadImagesOptions = { maxShortSide: 256, concurrency: 2 };
 * ```
 */
export interface LoadImagesOptions extends Omit<LoadImageOptions, 'label'> {
  /** Decodes in flight at once (default: number of cores, at most 8). */
  concurrency?: number;
}

/**
 * Result of {@link loadImages}: decoded images in input order with their indices into the input, and
 * every skipped input with its reason.
 *
 * @example
 * ```ts
 * const r: LoadedImages = await loadImages(paths, { imageSize: 224 });
 * const captionsKept = r.indices.map((i) => captions[i]);
 * ```
 */
export interface LoadedImages {
  images: RgbImage[];
  /** `indices[k]` is the position in the input of `images[k]`: use it to keep captions aligned. */
  indices: number[];
  /** Labels of the kept inputs (paths, or `<buffer #i>`), aligned with `images`. */
  paths: string[];
  skipped: SkippedImage[];
}

function _label(source: ImageSource, i: number): string {
  return typeof source === 'string' ? source : `<buffer #${i}>`;
}

/** Default concurrency: one decode per core, a few more do not help on 2-8 core machines. */
export function _defaultConcurrency(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Decodes many images in parallel; a bad file never fails the batch, it lands in `skipped` with a reason.
 * Errors that are not about the data (an invalid option) still throw.
 *
 * @example
 * ```ts
 * const { images, skipped } = await loadImages(['a.jpg', 'b.png', 'broken.jpg'], { imageSize: 224 });
 * // images.length === 2, skipped[0] = { path: 'broken.jpg', reason: 'truncated', message: '...' }
 * ```
 */
export async function loadImages(
  sources: readonly ImageSource[],
  options: LoadImagesOptions = {},
): Promise<LoadedImages> {
  const { concurrency, ...loadOptions } = options;
  const outcomes = await mapWithConcurrency(sources, concurrency ?? _defaultConcurrency(), async (src, i) => {
    try {
      return await loadImage(src, { ...loadOptions, label: _label(src, i) });
    } catch (e) {
      if (e instanceof ImageLoadError) return e;
      throw e;
    }
  });
  const result: LoadedImages = { images: [], indices: [], paths: [], skipped: [] };
  outcomes.forEach((o, i) => {
    if (o instanceof ImageLoadError) {
      result.skipped.push(o.toSkipped());
    } else {
      result.images.push(o);
      result.indices.push(i);
      result.paths.push(_label(sources[i] as ImageSource, i));
    }
  });
  return result;
}

/**
 * Options for {@link loadImageBatch}: a square size is required so images stack.
 *
 * @example
 * ```ts
 * const opts: LoadImageBatchOptions = { imageSize: 224, resize: 'pad', normalization: 'imagenet' };
 * ```
 */
export interface LoadImageBatchOptions extends LoadImagesOptions {
  imageSize: number;
  /** Preset name or `{mean, std}` (default `'clip'`). */
  normalization?: NormalizationSpec;
}

/**
 * A batch ready for an encoder: normalised float32 `[B, imageSize, imageSize, 3]` of the good images
 * (`null` when none decoded), their input indices and paths, and the skipped list. The caller disposes
 * `pixels`.
 *
 * @example
 * ```ts
 * const batch = await loadImageBatch(paths, { imageSize: 224, normalization: 'clip' });
 * if (batch.pixels) {
 *   const { cls } = encoder.forward(batch.pixels);
 *   batch.pixels.dispose();
 * }
 * ```
 */
export interface ImageBatch {
  pixels: tf.Tensor4D | null;
  indices: number[];
  paths: string[];
  skipped: SkippedImage[];
}

/**
 * Loads, resizes to a square and normalises many images into one NHWC tensor, skipping bad files.
 *
 * @example
 * ```ts
 * const { pixels, skipped } = await loadImageBatch(['a.jpg', 'b.webp'], { imageSize: 64, resize: 'pad' });
 * pixels?.shape; // [2, 64, 64, 3]
 * pixels?.dispose();
 * ```
 */
export async function loadImageBatch(
  sources: readonly ImageSource[],
  options: LoadImageBatchOptions,
): Promise<ImageBatch> {
  const { normalization, ...rest } = options;
  const loaded = await loadImages(sources, rest);
  const pixels = loaded.images.length > 0 ? imagesToTensor(loaded.images, normalization ?? 'clip') : null;
  return { pixels, indices: loaded.indices, paths: loaded.paths, skipped: loaded.skipped };
}

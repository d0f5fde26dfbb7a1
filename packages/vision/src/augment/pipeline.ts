// Augmentation recipes: random resized crop -> colour jitter (with probability) -> random grayscale ->
// optional horizontal flip. All random draws happen up front in `sampleAugment` (synchronous), so a shared
// rng gives the same views whatever order concurrent crops finish in. `twoViews` draws two independent
// views of one image: the positives of visual contrastive learning (SimCLR, MoCo; UNIMO-2 on image-only
// data). Flip is off by default everywhere: captions say "left" and "right".
import type { ResizeKernel } from '../io/load.js';
import type { RgbImage } from '../io/types.js';
import {
  applyColorJitter,
  type ColorJitterOptions,
  type ColorJitterParams,
  horizontalFlip,
  sampleColorJitter,
  toGrayscale,
} from './color.js';
import { type CropBox, cropAndResize, type ResizedCropRanges, sampleResizedCrop } from './crop.js';
import type { AugmentRng } from './rng.js';

/**
 * An augmentation recipe. Only `size` is required; the rest default to {@link TRAIN_AUGMENT}.
 *
 * @example
 * ```ts
 * const recipe: AugmentOptions = { size: 64, scale: [0.5, 1], colorJitter: { brightness: 0.2 }, jitterP: 0.8 };
 * ```
 */
export interface AugmentOptions extends ResizedCropRanges {
  /** Output side in pixels. */
  size: number;
  /** Colour jitter strengths; `{}` disables jitter. */
  colorJitter?: ColorJitterOptions;
  /** Probability of applying colour jitter at all (torchvision's RandomApply). */
  jitterP?: number;
  /** Probability of converting to grayscale. */
  grayscaleP?: number;
  /** Probability of a horizontal flip. Default 0: captions mention sides. */
  flipP?: number;
  kernel?: ResizeKernel;
}

/**
 * For image-caption training (ours, after ALBEF's crop range): mild crops and jitter, since the caption
 * must still describe the view. No grayscale (captions name colours), no flip (captions name sides).
 *
 * @example
 * ```ts
 * const view = await augment(image, rng, { ...TRAIN_AUGMENT, size: 224 });
 * ```
 */
export const TRAIN_AUGMENT = {
  scale: [0.5, 1],
  ratio: [3 / 4, 4 / 3],
  colorJitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 0 },
  jitterP: 0.5,
  grayscaleP: 0,
  flipP: 0,
} as const satisfies Omit<AugmentOptions, 'size'>;

/**
 * For image-only contrastive views (MoCo v2 / SimCLR strengths, flip off): strong crops and colour
 * distortion, so the two views share content but not low-level statistics.
 *
 * @example
 * ```ts
 * const [a, b] = await twoViews(image, rng, { ...CONTRASTIVE_AUGMENT, size: 64 });
 * ```
 */
export const CONTRASTIVE_AUGMENT = {
  scale: [0.2, 1],
  ratio: [3 / 4, 4 / 3],
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  jitterP: 0.8,
  grayscaleP: 0.2,
  flipP: 0,
} as const satisfies Omit<AugmentOptions, 'size'>;

/**
 * Everything random about one view, drawn ahead of the pixel work. Replaying params reproduces a view.
 *
 * @example
 * ```ts
 * const p: AugmentParams = sampleAugment(image.width, image.height, rng, { size: 64 });
 * const v = await applyAugment(image, p, { size: 64 });
 * ```
 */
export interface AugmentParams {
  crop: CropBox;
  jitter: ColorJitterParams | null;
  grayscale: boolean;
  flip: boolean;
}

function _probability(p: number | undefined, name: string, fallback: number): number {
  const v = p ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${v}`);
  return v;
}

/**
 * Draws the parameters of one view (crop, jitter or not and its factors, grayscale, flip), in that
 * order, always consuming the same number of draws per decision so streams stay aligned.
 *
 * @example
 * ```ts
 * const params = sampleAugment(640, 480, rng, { size: 224 });
 * ```
 */
export function sampleAugment(
  width: number,
  height: number,
  rng: AugmentRng,
  options: AugmentOptions,
): AugmentParams {
  const crop = sampleResizedCrop(width, height, rng, {
    scale: options.scale ?? TRAIN_AUGMENT.scale,
    ratio: options.ratio ?? TRAIN_AUGMENT.ratio,
  });
  const jitterOptions = options.colorJitter ?? TRAIN_AUGMENT.colorJitter;
  const applyJitter = rng.uniform() < _probability(options.jitterP, 'jitterP', TRAIN_AUGMENT.jitterP);
  const factors = sampleColorJitter(jitterOptions, rng);
  const grayscale = rng.uniform() < _probability(options.grayscaleP, 'grayscaleP', TRAIN_AUGMENT.grayscaleP);
  const flip = rng.uniform() < _probability(options.flipP, 'flipP', TRAIN_AUGMENT.flipP);
  return { crop, jitter: applyJitter ? factors : null, grayscale, flip };
}

/**
 * Renders one view from drawn parameters (no randomness here).
 *
 * @example
 * ```ts
 * const view = await applyAugment(image, sampleAugment(image.width, image.height, rng, opts), opts);
 * ```
 */
export async function applyAugment(
  image: RgbImage,
  params: AugmentParams,
  options: AugmentOptions,
): Promise<RgbImage> {
  let out = await cropAndResize(image, params.crop, options.size, options.kernel);
  if (params.jitter) out = applyColorJitter(out, params.jitter);
  if (params.grayscale) out = toGrayscale(out);
  if (params.flip) out = horizontalFlip(out);
  return out;
}

/**
 * One augmented view: {@link sampleAugment} then {@link applyAugment}. Feed it images decoded with room
 * to crop (`loadImage(path, { maxShortSide: 2 * size })`), not ones already resized to `size`.
 *
 * @example
 * ```ts
 * const image = await loadImage('cat.jpg', { maxShortSide: 128 });
 * const view = await augment(image, new Rng(0), { size: 64 });
 * ```
 */
export async function augment(image: RgbImage, rng: AugmentRng, options: AugmentOptions): Promise<RgbImage> {
  return applyAugment(image, sampleAugment(image.width, image.height, rng, options), options);
}

/**
 * Two independent views of one image for visual contrastive learning; defaults to
 * {@link CONTRASTIVE_AUGMENT}. Both views' parameters are drawn before either is rendered.
 *
 * @example
 * ```ts
 * const [a, b] = await twoViews(image, rng, { size: 64 });
 * const x = imagesToTensor([a, b]); // [2, 64, 64, 3]: a positive pair
 * ```
 */
export async function twoViews(
  image: RgbImage,
  rng: AugmentRng,
  options: Partial<AugmentOptions> & { size: number },
): Promise<[RgbImage, RgbImage]> {
  const opts: AugmentOptions = { ...CONTRASTIVE_AUGMENT, ...options };
  const p1 = sampleAugment(image.width, image.height, rng, opts);
  const p2 = sampleAugment(image.width, image.height, rng, opts);
  return Promise.all([applyAugment(image, p1, opts), applyAugment(image, p2, opts)]);
}

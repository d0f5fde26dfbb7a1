// Barrel for src/io: decoding (sharp), offline SVG, typed load errors, normalisation and batching.
export {
  type ImageBatch,
  type LoadedImages,
  type LoadImageBatchOptions,
  type LoadImagesOptions,
  loadImageBatch,
  loadImages,
  mapWithConcurrency,
} from './batch.js';
export { ImageLoadError, type ImageLoadReason, type SkippedImage } from './errors.js';
export { IMAGE_FORMATS, type ImageFormat } from './formats.js';
export { type ImageSource, type LoadImageOptions, loadImage, type ResizeKernel } from './load.js';
export {
  imagesToTensor,
  NORMALIZATIONS,
  type Normalization,
  type NormalizationSpec,
  normalizeInto,
  tensorToImage,
} from './normalize.js';
export { type SvgSanitizeResult, sanitizeSvg } from './svg.js';
export {
  DEFAULT_BACKGROUND,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  type ResizeMode,
  type Rgb,
  type RgbImage,
} from './types.js';

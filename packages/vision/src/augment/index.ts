// Barrel for src/augment: seeded crops, colour jitter, grayscale, flip, and the two-view helper.
export {
  applyColorJitter,
  type ColorJitterOptions,
  type ColorJitterParams,
  horizontalFlip,
  sampleColorJitter,
  toGrayscale,
} from './color.js';
export {
  type CropBox,
  cropAndResize,
  type ResizedCropRanges,
  randomResizedCrop,
  sampleResizedCrop,
} from './crop.js';
export {
  type AugmentOptions,
  type AugmentParams,
  applyAugment,
  augment,
  CONTRASTIVE_AUGMENT,
  sampleAugment,
  TRAIN_AUGMENT,
  twoViews,
} from './pipeline.js';
export type { AugmentRng } from './rng.js';

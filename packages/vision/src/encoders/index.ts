// Barrel for src/encoders: configs and registry, the ViT and ResNet towers, and Pixel-BERT's sampling.
export {
  type CnnConfig,
  CnnConfigSchema,
  type ImageEncoderConfig,
  type ImageEncoderConfigInput,
  type ImageEncoderOverrides,
  parseImageEncoderConfig,
  type VitConfig,
  VitConfigSchema,
} from './config.js';
export { ImageEncoder, type ImageFeatures } from './encoder.js';
export { countImageEncoderParameters, imageEncoderGrid } from './params.js';
export { RandomPixelSampler, type SampledPixels, samplePixelIndices } from './pixel-sampling.js';
export {
  createImageEncoder,
  getImageEncoderConfig,
  listImageEncoders,
  registerImageEncoderConfig,
} from './registry.js';
export { ResNetEncoder } from './resnet.js';
export { patchify, VisionTransformer } from './vit.js';

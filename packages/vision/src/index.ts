// @vlp/vision: image loading (sharp), preprocessing, seeded augmentation and image encoders (ViT and a
// ResNet-style CNN for SOHO / Pixel-BERT) returning named features.
export * from './augment/index.js';
export * from './encoders/index.js';
export * from './io/index.js';

export const VERSION = '0.1.0';

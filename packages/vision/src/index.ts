// @vlp/vision: Image loading (sharp), preprocessing, augmentation and image encoders (ViT, ResNet-style CNN).
export const VERSION = '0.1.0';

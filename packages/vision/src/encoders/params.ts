// Parameter counts and token-grid sizes computed from a config alone, without allocating a weight: how big
// is vit-base before we spend 350 MB on it, and how many tokens will the fusion layer see. Tests check
// these against published counts (timm's ViT-B/16, torchvision's ResNet-18/50) and against the modules.
import type { CnnConfig, ImageEncoderConfig, VitConfig } from './config.js';

/** MLP hidden width of a ViT block. */
export function _mlpDim(c: VitConfig): number {
  return Math.round(c.mlpRatio * c.dim);
}

/** Mid width of a bottleneck block of output width `out`. */
export function _bottleneckMid(out: number): number {
  return out / 4;
}

function _vitParams(c: VitConfig): number {
  const d = c.dim;
  const m = _mlpDim(c);
  const n = (c.imageSize / c.patchSize) ** 2;
  const patch = c.patchSize * c.patchSize * 3 * d + d;
  const tokens = d + (n + 1) * d; // cls + positions
  const block = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * m + m) + (m * d + d);
  return patch + tokens + c.depth * block + 2 * d;
}

function _cnnParams(c: CnnConfig): number {
  const bn = (ch: number): number => 2 * ch; // gamma, beta (running stats are buffers)
  let total = c.stemKernel * c.stemKernel * 3 * c.stemWidth + bn(c.stemWidth);
  let inC = c.stemWidth;
  c.widths.forEach((out, s) => {
    for (let b = 0; b < (c.depths[s] as number); b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      if (c.block === 'basic') {
        total += 9 * inC * out + bn(out) + 9 * out * out + bn(out);
      } else {
        const mid = _bottleneckMid(out);
        total += inC * mid + bn(mid) + 9 * mid * mid + bn(mid) + mid * out + bn(out);
      }
      if (stride !== 1 || inC !== out) total += inC * out + bn(out);
      inC = out;
    }
  });
  return total + (inC * c.dim + c.dim) + 2 * c.dim; // projection + LayerNorm
}

/**
 * Trainable parameters of the encoder a config describes (buffers such as BatchNorm running statistics
 * excluded), computed arithmetically.
 *
 * @example
 * ```ts
 * countImageEncoderParameters(getImageEncoderConfig('vit-base')); // 85_798_656, as timm's ViT-B/16
 * ```
 */
export function countImageEncoderParameters(config: ImageEncoderConfig): number {
  return config.kind === 'vit' ? _vitParams(config) : _cnnParams(config);
}

/** Output side of a conv/pool with symmetric padding `pad` (floor mode, as PyTorch). */
export function _convOut(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * The token grid an encoder produces for a square input (default: the config's imageSize).
 *
 * @example
 * ```ts
 * imageEncoderGrid(getImageEncoderConfig('resnet-base')); // { height: 7, width: 7, tokens: 49 }
 * imageEncoderGrid(getImageEncoderConfig('vit-base'), 384); // { height: 24, width: 24, tokens: 576 }
 * ```
 */
export function imageEncoderGrid(
  config: ImageEncoderConfig,
  imageSize = config.imageSize,
): { height: number; width: number; tokens: number } {
  let side: number;
  if (config.kind === 'vit') {
    side = Math.floor(imageSize / config.patchSize);
  } else {
    side = _convOut(imageSize, config.stemKernel, config.stemStride, Math.floor(config.stemKernel / 2));
    if (config.stemPool) side = _convOut(side, 3, 2, 1);
    for (let s = 1; s < config.widths.length; s++) side = _convOut(side, 3, 2, 1);
  }
  return { height: side, width: side, tokens: side * side };
}

// ResNet-style CNN image tower (He et al., 2016, "Deep Residual Learning"), the visual backbone of Pixel-BERT
// and SOHO: a stem conv (+ max pool), stages of residual basic or bottleneck blocks where each stage after
// the first halves the resolution with a stride-2 conv, BatchNorm after every conv (batch statistics in
// train(), running statistics in eval()). The final feature map is the grid; each cell is projected to
// the token width D and layer-normalised, so `tokens` is the flattened grid and `cls` their mean, or, with
// `pool: 'flatten'`, one Linear over the whole final map (`head`): global pooling throws away where parts
// are, which is most of what tells small pictures apart (measured on the emoji demo: docs/demo/unimo2-2100/report.md).
// Parameter names follow torchvision (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, ...); kernels are
// NHWC [kh, kw, in, out] (torchvision's [out, in, kh, kw] transposed by (2, 3, 1, 0)).
import * as tf from '@tensorflow/tfjs-core';
import {
  BatchNorm2d,
  Conv2d,
  defaultRng,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  type Rng,
  Sequential,
} from '@vlp/tensor-core';
import type { CnnConfig } from './config.js';
import { _checkPixels, ImageEncoder, type ImageFeatures } from './encoder.js';
import { _bottleneckMid } from './params.js';

interface BlockOptions {
  stride: number;
  bn: { momentum: number; eps: number };
  rng: Rng;
}

/** A residual block: a stack of conv-BN(-ReLU) plus an identity or 1x1-conv shortcut. */
abstract class ResidualBlock extends Module {
  /** 1x1 conv + BN when the shape changes (torchvision's `downsample`); identity otherwise. */
  downsample: Sequential | undefined;

  /** Subclasses call this after registering their convs, so parameters list in torchvision's order. */
  protected registerShortcut(inC: number, outC: number, opts: BlockOptions): void {
    if (opts.stride === 1 && inC === outC) return;
    this.downsample = this.registerModule(
      'downsample',
      new Sequential([
        new Conv2d(inC, outC, 1, { stride: opts.stride, bias: false, rng: opts.rng }),
        new BatchNorm2d(outC, opts.bn),
      ]),
    );
  }

  /** The residual branch up to its last conv (before the last BatchNorm). */
  protected abstract residual(x: tf.Tensor): tf.Tensor;
  /** The residual branch's last BatchNorm. */
  protected abstract get lastNorm(): BatchNorm2d;

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const shortcut = this.downsample ? this.downsample.forward(x) : x; // [B, H', W', out]
      // relu(bn(residual) + shortcut), one fused kernel each way where the backend has it
      return this.lastNorm.forwardRelu(this.residual(x), shortcut); // [B, H', W', out]
    });
  }
}

/** Two 3x3 convs (ResNet-18/34); the first carries the stride. */
class BasicBlock extends ResidualBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;

  constructor(inC: number, outC: number, opts: BlockOptions) {
    super();
    const { rng, bn } = opts;
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(inC, outC, 3, { stride: opts.stride, padding: 1, bias: false, rng }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outC, bn));
    this.conv2 = this.registerModule('conv2', new Conv2d(outC, outC, 3, { padding: 1, bias: false, rng }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outC, bn));
    this.registerShortcut(inC, outC, opts);
  }

  protected get lastNorm(): BatchNorm2d {
    return this.bn2;
  }

  protected residual(x: tf.Tensor): tf.Tensor {
    const h = this.bn1.forwardRelu(this.conv1.forward(x)); // [B, H', W', out]
    return this.conv2.forward(h); // [B, H', W', out], before bn2
  }
}

/** 1x1 reduce, 3x3 (with the stride, torchvision v1.5), 1x1 expand by 4 (ResNet-50/101/152). */
class Bottleneck extends ResidualBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;

  constructor(inC: number, outC: number, opts: BlockOptions) {
    super();
    const { rng, bn } = opts;
    const mid = _bottleneckMid(outC);
    this.conv1 = this.registerModule('conv1', new Conv2d(inC, mid, 1, { bias: false, rng }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(mid, bn));
    this.conv2 = this.registerModule(
      'conv2',
      new Conv2d(mid, mid, 3, { stride: opts.stride, padding: 1, bias: false, rng }),
    );
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(mid, bn));
    this.conv3 = this.registerModule('conv3', new Conv2d(mid, outC, 1, { bias: false, rng }));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(outC, bn));
    this.registerShortcut(inC, outC, opts);
  }

  protected get lastNorm(): BatchNorm2d {
    return this.bn3;
  }

  protected residual(x: tf.Tensor): tf.Tensor {
    const a = this.bn1.forwardRelu(this.conv1.forward(x)); // [B, H, W, mid]
    const b = this.bn2.forwardRelu(this.conv2.forward(a)); // [B, H', W', mid]
    return this.conv3.forward(b); // [B, H', W', out], before bn3
  }
}

/**
 * A ResNet-style CNN image encoder returning the projected final feature map as tokens and grid.
 *
 * @example
 * ```ts
 * const cnn = new ResNetEncoder(getImageEncoderConfig('resnet-tiny') as CnnConfig, new Rng(0));
 * const { grid, tokens, cls } = cnn.forward(pixels); // [B, 8, 8, 32], [B, 64, 32], [B, 32] at 32 px
 * ```
 */
export class ResNetEncoder extends ImageEncoder {
  readonly config: CnnConfig;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: ModuleList<ResidualBlock>[];
  readonly proj: Linear;
  readonly norm: LayerNorm;
  /** `pool: 'flatten'` only: Linear(h * w * C_last -> D) over the final map in raster (h, w, C) order. */
  readonly head: Linear | undefined;
  /** Side of the final feature map at `imageSize` input. */
  readonly gridSize: number;

  constructor(config: CnnConfig, rng: Rng = defaultRng()) {
    super();
    this.config = config;
    const bn = { momentum: config.bnMomentum, eps: config.bnEps };
    const k = config.stemKernel;
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(3, config.stemWidth, k, {
        stride: config.stemStride,
        padding: Math.floor(k / 2),
        bias: false,
        rng,
      }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(config.stemWidth, bn));
    const Block = config.block === 'basic' ? BasicBlock : Bottleneck;
    let inC = config.stemWidth;
    this.stages = config.widths.map((outC, s) => {
      const blocks: ResidualBlock[] = [];
      for (let b = 0; b < (config.depths[s] as number); b++) {
        blocks.push(new Block(inC, outC, { stride: s > 0 && b === 0 ? 2 : 1, bn, rng }));
        inC = outC;
      }
      return this.registerModule(`layer${s + 1}`, new ModuleList(blocks));
    });
    this.proj = this.registerModule('proj', new Linear(inC, config.dim, { rng }));
    this.norm = this.registerModule('norm', new LayerNorm(config.dim));
    this.gridSize = _gridSize(config);
    if (config.pool === 'flatten') {
      if (this.gridSize < 1)
        throw new Error(
          `ResNetEncoder '${config.name}': imageSize ${config.imageSize} leaves no feature map`,
        );
      this.head = this.registerModule(
        'head',
        new Linear(this.gridSize * this.gridSize * inC, config.dim, { rng }),
      );
    }
  }

  /** The backbone's final feature map [B, h, w, C_last] before projection. */
  featureMap(pixels: tf.Tensor4D): tf.Tensor4D {
    _checkPixels(pixels, 'ResNetEncoder');
    return tf.tidy(() => {
      let x = this.bn1.forwardRelu(this.conv1.forward(pixels)); // [B, H/s, W/s, stem]
      if (this.config.stemPool) x = tf.maxPool(x as tf.Tensor4D, 3, 2, 1); // [B, H/2s, W/2s, stem]
      for (const stage of this.stages) for (const block of stage) x = block.forward(x); // [B, h, w, C]
      return x as tf.Tensor4D;
    });
  }

  forward(pixels: tf.Tensor4D): ImageFeatures {
    const [b] = _checkPixels(pixels, 'ResNetEncoder');
    const d = this.config.dim;
    return tf.tidy(() => {
      const fmap = this.featureMap(pixels); // [B, h, w, C]
      const [, h, w] = fmap.shape;
      const grid = this.norm.forward(this.proj.forward(fmap)) as tf.Tensor4D; // [B, h, w, D]
      const tokens = tf.reshape(grid, [b, h * w, d]) as tf.Tensor3D; // [B, h*w, D]
      if (this.head === undefined) return { tokens, cls: tf.mean(tokens, 1) as tf.Tensor2D, grid }; // cls [B, D]
      const c = fmap.shape[3];
      if (h !== this.gridSize || w !== this.gridSize)
        throw new Error(
          `ResNetEncoder '${this.config.name}': pool 'flatten' needs ${this.config.imageSize} px input ` +
            `(a ${this.gridSize}x${this.gridSize} map), got a ${h}x${w} map`,
        );
      const cls = this.head.forward(tf.reshape(fmap, [b, h * w * c])) as tf.Tensor2D; // [B, D]
      return { tokens, cls, grid };
    });
  }
}

/** Side of the final feature map at `imageSize` input: the stem conv, its pool, one halving per later stage. */
function _gridSize(c: CnnConfig): number {
  const k = c.stemKernel;
  let s = Math.floor((c.imageSize + 2 * Math.floor(k / 2) - k) / c.stemStride) + 1; // stem conv, padding k/2
  if (c.stemPool) s = Math.ceil(s / 2); // 3x3 max pool, stride 2, padding 1
  for (let i = 1; i < c.widths.length; i++) s = Math.ceil(s / 2); // 3x3 stride-2 conv, padding 1
  return s;
}

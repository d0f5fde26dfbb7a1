// 2-D convolution in NHWC (the layout every tfjs backend is fastest in) for CNN image towers (SOHO,
// Pixel-BERT). Kernel [kh, kw, in, out], Kaiming-normal (fan-out, ReLU gain) init as torchvision ResNets.
import * as tf from '@tensorflow/tfjs-core';
import { conv2d } from '../ops/conv.js';
import { init } from '../random/index.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * Options for {@link Conv2d}.
 * @example
 * ```ts
 * const opts: Conv2dOptions = { stride: 2, padding: 'same', bias: false, rng: new Rng(0) };
 * ```
 */
export interface Conv2dOptions {
  stride?: number | [number, number];
  /** 'same' (TF-style, asymmetric when needed), 'valid', or symmetric zero padding in pixels. Default 'valid'. */
  padding?: 'same' | 'valid' | number;
  dilation?: number | [number, number];
  /** Default true (initialised to zero). */
  bias?: boolean;
  rng?: Rng;
}

/**
 * x [B, H, W, inC] (or [H, W, inC]) -> [B, H', W', outC].
 * @example
 * ```ts
 * const stem = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, rng: new Rng(0) });
 * const f = stem.forward(images); // [B, 224, 224, 3] -> [B, 112, 112, 64]
 * ```
 */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly padding: 'same' | 'valid' | number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: number | [number, number],
    opts: Conv2dOptions = {},
  ) {
    super();
    const rng = opts.rng ?? defaultRng();
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    const pair = (v: number | [number, number] | undefined): [number, number] =>
      v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v;
    this.stride = pair(opts.stride);
    this.dilation = pair(opts.dilation);
    this.padding = opts.padding ?? 'valid';
    this.weight = this.registerParameter(
      'weight',
      init.kaimingNormal(rng, [kh, kw, inChannels, outChannels], { mode: 'fanOut' }),
    );
    this.bias = (opts.bias ?? true) ? this.registerParameter('bias', init.zeros([outChannels])) : undefined;
  }

  /** x [B, H, W, inC] or [H, W, inC] -> [B, H', W', outC] (or [H', W', outC]). */
  forward(x: tf.Tensor): tf.Tensor {
    if ((x.rank !== 4 && x.rank !== 3) || x.shape[x.rank - 1] !== this.inChannels) {
      throw new Error(`Conv2d: expected [B, H, W, ${this.inChannels}] (NHWC), got [${x.shape}]`);
    }
    const geometry = { stride: this.stride, padding: this.padding, dilation: this.dilation };
    if (x.rank === 4) return conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.bias, geometry);
    return tf.tidy(() => {
      const y = conv2d(tf.expandDims(x, 0) as tf.Tensor4D, this.weight as tf.Tensor4D, this.bias, geometry);
      return tf.squeeze(y, [0]); // [H', W', outC]
    });
  }
}

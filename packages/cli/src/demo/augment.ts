// Picture augmentation of the aligned pairs for `vlp demo`: a random zoom-and-shift crop (scale in
// [minScale, 1], resized back), a random whole-pixel shift (edges mirrored), and a per-picture brightness /
// contrast jitter, all drawn from a seeded Rng. The demo trains on three emoji styles and is evaluated on a
// fourth, and augmentation is the usual remedy for fitting the training pictures too closely (SimCLR, Chen
// et al. 2020). The demo's default is shifts of up to 2 px with no zoom and jitter 0.1 (docs/demo).
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@vlp/tensor-core';

/**
 * Options of {@link augmentPixels}.
 *
 * @example
 * ```ts
 * const opts: AugmentOptions = { minScale: 0.8, jitter: 0.2 };
 * ```
 */
export interface AugmentOptions {
  /** Smallest crop side as a share of the picture (default 0.8). */
  minScale?: number;
  /** Contrast factor in [1 - jitter, 1 + jitter] and brightness shift in [-jitter, jitter] (default 0.2). */
  jitter?: number;
  /**
   * Largest whole-pixel translation in each direction, applied after the crop (default 0: none). The
   * picture's edge pixels are mirrored into the uncovered border.
   */
  shift?: number;
}

/** What {@link augmentPixels} uses for an option left out. */
export const AUGMENT_DEFAULTS = { minScale: 0.8, jitter: 0.2, shift: 0 } as const;

/**
 * Augmented copy of a batch of normalised pictures `[B, H, W, 3]` (the input is not disposed).
 *
 * @example
 * ```ts
 * const aug = augmentPixels(batch.pixels, rng.fork('augment')); // [B, H, W, 3]
 * ```
 */
export function augmentPixels(pixels: tf.Tensor4D, rng: Rng, opts: AugmentOptions = {}): tf.Tensor4D {
  const minScale = opts.minScale ?? AUGMENT_DEFAULTS.minScale;
  const jitter = opts.jitter ?? AUGMENT_DEFAULTS.jitter;
  const shift = Math.max(0, Math.floor(opts.shift ?? AUGMENT_DEFAULTS.shift));
  const [b, h, w] = pixels.shape;
  if (shift > 0 && (shift >= h || shift >= w))
    throw new Error(`augmentPixels: a shift of ${shift} px needs pictures larger than ${h}x${w}`);
  const boxes: number[][] = [];
  const gain: number[] = [];
  const offset: number[] = [];
  const moves: [number, number][] = [];
  for (let i = 0; i < b; i++) {
    const s = rng.uniform(minScale, 1);
    const y = rng.uniform(0, 1 - s);
    const x = rng.uniform(0, 1 - s);
    boxes.push([y, x, y + s, x + s]);
    gain.push(rng.uniform(1 - jitter, 1 + jitter));
    offset.push(rng.uniform(-jitter, jitter));
    if (shift > 0) moves.push([rng.int(2 * shift + 1), rng.int(2 * shift + 1)]);
  }
  return tf.tidy(() => {
    const idx = Array.from({ length: b }, (_, i) => i);
    const cropped = tf.image.cropAndResize(pixels, tf.tensor2d(boxes, [b, 4]), tf.tensor1d(idx, 'int32'), [
      h,
      w,
    ]); // [B, H, W, 3]
    const moved = shift > 0 ? _translate(cropped, moves, shift) : cropped;
    const g = tf.tensor4d(gain, [b, 1, 1, 1]);
    const s = tf.tensor4d(offset, [b, 1, 1, 1]);
    return tf.add(tf.mul(moved, g), s) as tf.Tensor4D; // [B, H, W, 3]
  });
}

/**
 * Each picture moved by whole pixels: `moves[i] = [dy, dx]` picks the window at (dy, dx) of the picture
 * mirror-padded by `pad` on every side (so `pad, pad` is the picture itself). Sampling the padded picture at
 * exact pixel centres makes cropAndResize a pure copy.
 */
function _translate(pixels: tf.Tensor4D, moves: readonly [number, number][], pad: number): tf.Tensor4D {
  const [b, h, w] = pixels.shape;
  const padded = tf.mirrorPad(
    pixels,
    [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ],
    'reflect',
  ); // [B, H+2p, W+2p, 3]
  const ph = h + 2 * pad - 1;
  const pw = w + 2 * pad - 1;
  const boxes = moves.map(([dy, dx]) => [dy / ph, dx / pw, (dy + h - 1) / ph, (dx + w - 1) / pw]);
  const idx = Array.from({ length: b }, (_, i) => i);
  return tf.image.cropAndResize(padded, tf.tensor2d(boxes, [b, 4]), tf.tensor1d(idx, 'int32'), [h, w]);
}

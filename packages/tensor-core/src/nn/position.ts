// Position information for token sequences and image grids: a learned table (BERT, ViT) and fixed sine
// encodings (Vaswani et al., 2017), 1-D and 2-D. The sine encodings follow MAE's layout (sines in the first
// half of each block, cosines in the second, frequencies 1 / 10000^(i / (d/2))); in 2-D the first half of
// the channels encodes the row and the second half the column, in DETR's order (MAE's code does the column
// first). They are computed in float64 on the JS side, so they are identical on every backend.
import * as tf from '@tensorflow/tfjs-core';
import { init } from '../random/index.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * A learned [maxLen, dim] table added to x [..., T, dim] (positions offset .. offset + T - 1).
 * @example
 * ```ts
 * const pos = new LearnedPositionEmbedding(40, 256, { rng: new Rng(0) });
 * const h = pos.forward(tokenEmbeddings); // [B, T, 256] with T <= 40
 * const table = pos.embeddings(10); // [10, 256]
 * ```
 */
export class LearnedPositionEmbedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly maxLen: number,
    readonly dim: number,
    opts: { rng?: Rng; initStd?: number } = {},
  ) {
    super();
    const rng = opts.rng ?? defaultRng();
    this.weight = this.registerParameter(
      'weight',
      init.truncNormal(rng, [maxLen, dim], opts.initStd ?? 0.02),
    );
  }

  /** Rows offset .. offset + length - 1 of the table: [length, dim]. */
  embeddings(length: number, offset = 0): tf.Tensor {
    if (!Number.isInteger(length) || length < 0 || offset < 0 || offset + length > this.maxLen) {
      throw new Error(
        `LearnedPositionEmbedding: positions ${offset}..${offset + length - 1} exceed maxLen ${this.maxLen}`,
      );
    }
    return tf.slice(this.weight, [offset, 0], [length, this.dim]);
  }

  /** x [..., T, dim] -> x + table[offset .. offset + T - 1]. */
  forward(x: tf.Tensor, opts: { offset?: number } = {}): tf.Tensor {
    if (x.rank < 2 || x.shape[x.rank - 1] !== this.dim) {
      throw new Error(`LearnedPositionEmbedding: expected [..., T, ${this.dim}], got [${x.shape}]`);
    }
    return tf.tidy(() => tf.add(x, this.embeddings(x.shape[x.rank - 2] as number, opts.offset ?? 0)));
  }
}

function _sineInto(
  out: Float32Array,
  row: number,
  stride: number,
  start: number,
  pos: number,
  dim: number,
  temperature: number,
): void {
  const half = dim / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos / temperature ** (i / half);
    out[row * stride + start + i] = Math.sin(angle);
    out[row * stride + start + half + i] = Math.cos(angle);
  }
}

/**
 * Fixed sine encoding of positions 0 .. length - 1: [length, dim], `[sin(p w_i) | cos(p w_i)]`,
 * w_i = 1 / temperature^(i / (dim/2)). dim must be even.
 * @example
 * ```ts
 * const pe = sinePositionEncoding1d(32, 64); // [32, 64]; caller disposes
 * ```
 */
export function sinePositionEncoding1d(
  length: number,
  dim: number,
  opts: { temperature?: number } = {},
): tf.Tensor2D {
  if (dim % 2 !== 0) throw new Error(`sinePositionEncoding1d: dim must be even, got ${dim}`);
  const temperature = opts.temperature ?? 10000;
  const out = new Float32Array(length * dim);
  for (let p = 0; p < length; p++) _sineInto(out, p, dim, 0, p, dim, temperature);
  return tf.tensor2d(out, [length, dim]);
}

/**
 * Fixed 2-D sine encoding of an h x w grid in row-major order: [h * w, dim], the first dim/2 channels
 * encode the row, the last dim/2 the column (each as in {@link sinePositionEncoding1d}). dim % 4 === 0.
 * @example
 * ```ts
 * const pe = sinePositionEncoding2d(14, 14, 192); // [196, 192] for a 14 x 14 patch grid
 * ```
 */
export function sinePositionEncoding2d(
  h: number,
  w: number,
  dim: number,
  opts: { temperature?: number } = {},
): tf.Tensor2D {
  if (dim % 4 !== 0) throw new Error(`sinePositionEncoding2d: dim must be divisible by 4, got ${dim}`);
  const temperature = opts.temperature ?? 10000;
  const half = dim / 2;
  const out = new Float32Array(h * w * dim);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const row = r * w + c;
      _sineInto(out, row, dim, 0, r, half, temperature);
      _sineInto(out, row, dim, half, c, half, temperature);
    }
  }
  return tf.tensor2d(out, [h * w, dim]);
}

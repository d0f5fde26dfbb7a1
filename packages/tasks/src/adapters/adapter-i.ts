// CAVL's Adapter I (Xu et al., 2023): a small "shortcut" block beside the frozen model, reading the
// model's input directly, whose output an "output block" merges with the frozen model's output feature.
// Ours: shortcut s = gelu(W_s x) on a cheap view of the input (pooled pixels for an image tower, mean word
// embeddings for a text tower); output block y = f + up(gelu(down(f) + s)), a bottleneck fed by both the
// frozen feature f and the shortcut, with a residual on f. `up` starts at zero, so the adapter begins as
// the identity on the frozen output (the same convention as Adapter II).
import * as tf from '@tensorflow/tfjs-core';
import { GELU, init, Linear, Module, Rng } from '@vlp/tensor-core';

/**
 * Options of {@link AdapterI}.
 * @example
 * ```ts
 * const opts: AdapterIOptions = { featureDim: 32, inputDim: 48, hidden: 16 };
 * ```
 */
export interface AdapterIOptions {
  /** Width of the frozen model's output feature f. */
  featureDim: number;
  /** Width of the shortcut's input x (e.g. 3 * grid^2 for {@link pooledPixels}). */
  inputDim: number;
  /** Width of the shortcut and of the output block's bottleneck. Default 16. */
  hidden?: number;
  /** Std of the output block's up-projection init. Default 0 (identity at start). */
  initStd?: number;
  rng?: Rng;
}

/**
 * `forward(f [B, featureDim], x [B, inputDim]) -> [B, featureDim]`: the frozen feature merged with a
 * shortcut over the input.
 * @example
 * ```ts
 * const a = new AdapterI({ featureDim: 32, inputDim: 48, hidden: 16, rng: new Rng(0) });
 * const feats = encoder.forward(pixels).cls; // [B, 32] from the frozen tower
 * const y = a.forward(feats, pooledPixels(pixels, 4)); // [B, 32]
 * ```
 */
export class AdapterI extends Module {
  /** Shortcut block: input -> hidden. */
  readonly shortcut: Linear;
  /** Output block: frozen feature -> hidden (merged with the shortcut) -> feature. */
  readonly down: Linear;
  readonly up: Linear;
  readonly act: GELU;

  constructor(readonly opts: AdapterIOptions) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const hidden = opts.hidden ?? 16;
    const std = opts.initStd ?? 0;
    this.shortcut = this.registerModule(
      'shortcut',
      new Linear(opts.inputDim, hidden, { rng: rng.fork('shortcut') }),
    );
    this.down = this.registerModule('down', new Linear(opts.featureDim, hidden, { rng: rng.fork('down') }));
    this.up = this.registerModule(
      'up',
      new Linear(hidden, opts.featureDim, {
        rng: rng.fork('up'),
        weightInit: (r, shape) => (std === 0 ? init.zeros(shape) : init.truncNormal(r, shape, std)),
      }),
    );
    this.act = this.registerModule('act', new GELU());
  }

  /** features [B, featureDim], input [B, inputDim] -> [B, featureDim]. */
  forward(features: tf.Tensor, input: tf.Tensor): tf.Tensor {
    const want = this.opts.inputDim;
    if (input.shape[input.rank - 1] !== want) {
      throw new Error(`AdapterI: shortcut input has width ${input.shape[input.rank - 1]}, expected ${want}`);
    }
    return tf.tidy(() => {
      const s = this.act.forward(this.shortcut.forward(input)); // [B, hidden]
      const h = this.act.forward(tf.add(this.down.forward(features), s)); // [B, hidden]
      return tf.add(features, this.up.forward(h)); // [B, featureDim]
    });
  }
}

/**
 * The shortcut input for an image tower: pixels average-pooled to a `grid` x `grid` RGB thumbnail and
 * flattened, [B, H, W, 3] -> [B, 3 * grid^2]. H and W must be multiples of `grid`.
 * @example
 * ```ts
 * const x = pooledPixels(pixels, 4); // [B, 48]
 * ```
 */
export function pooledPixels(pixels: tf.Tensor4D, grid = 4): tf.Tensor2D {
  const [b, h, w, c] = pixels.shape;
  if (h % grid !== 0 || w % grid !== 0) {
    throw new Error(`pooledPixels: image ${h}x${w} is not a multiple of the ${grid}x${grid} grid`);
  }
  return tf.tidy(() => {
    const pooled = tf.avgPool(pixels, [h / grid, w / grid], [h / grid, w / grid], 'valid'); // [B, g, g, 3]
    return tf.reshape(pooled, [b, grid * grid * c]) as tf.Tensor2D; // [B, 3 g^2]
  });
}

// The registry as a test matrix: every registered encoder (shrunk in width, same structure) gets shape,
// parameter-count, save/load and leak tests; the tiny configs run as they are.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageEncoderConfig, ImageEncoderOverrides } from './config.js';
import type { ImageEncoder } from './encoder.js';
import { countImageEncoderParameters, imageEncoderGrid } from './params.js';
import { createImageEncoder, getImageEncoderConfig, listImageEncoders } from './registry.js';

beforeAll(() => useBackend('cpu'));

/** Keeps the structure (depth, block type, strides) and shrinks widths and resolution so CPU tests are cheap. */
function shrink(cfg: ImageEncoderConfig): ImageEncoderOverrides {
  if (cfg.name.endsWith('-tiny')) return {};
  if (cfg.kind === 'vit') return { imageSize: 2 * cfg.patchSize, dim: 4 * cfg.heads, mlpRatio: 2 };
  const f = cfg.widths[0] as number;
  return {
    imageSize: 64,
    stemWidth: 8,
    widths: cfg.widths.map((w) => Math.max(4, Math.round((w / f) * (cfg.block === 'bottleneck' ? 16 : 4)))),
    dim: 16,
  };
}

function pixels(b: number, size: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: b * size * size * 3 }, () => rng.normal()),
    [b, size, size, 3],
  );
}

describe.each(listImageEncoders().filter((n) => !n.includes('micro')))('%s', (name) => {
  const overrides = shrink(getImageEncoderConfig(name));
  let enc: ImageEncoder;
  let size: number;
  beforeAll(() => {
    enc = createImageEncoder(name, overrides, new Rng(1));
    size = enc.config.imageSize;
    return () => enc.dispose();
  });

  it('returns tokens [B, N, D], cls [B, D] and grid [B, h, w, D] matching the analytic grid', () => {
    const x = pixels(2, size, 0);
    const { tokens, cls, grid } = enc.forward(x);
    const g = imageEncoderGrid(enc.config);
    const d = enc.dim;
    expect(tokens.shape).toEqual([2, g.tokens, d]);
    expect(cls.shape).toEqual([2, d]);
    expect(grid.shape).toEqual([2, g.height, g.width, d]);
    const values = tokens.dataSync();
    expect(values.every(Number.isFinite)).toBe(true);
    // grid is tokens laid out spatially.
    expect(Array.from(tf.reshape(grid, [2, g.tokens, d]).dataSync())).toEqual(Array.from(values));
    tf.dispose([x, tokens, cls, grid]);
  });

  it('has exactly the analytic number of parameters', () => {
    expect(enc.numParameters()).toBe(countImageEncoderParameters(enc.config));
  });

  it('round-trips through its state dict', () => {
    const x = pixels(1, size, 2);
    enc.eval();
    const copy = createImageEncoder(name, overrides, new Rng(99)).eval();
    copy.loadStateDict(enc.stateDict());
    const a = enc.forward(x);
    const b = copy.forward(x);
    expect(Array.from(b.cls.dataSync())).toEqual(Array.from(a.cls.dataSync()));
    tf.dispose([x, a, b]);
    copy.dispose();
    enc.train();
  });

  it('leaks no tensors in forward', () => {
    const x = pixels(1, size, 3);
    const before = tf.memory().numTensors;
    tf.dispose(enc.forward(x));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

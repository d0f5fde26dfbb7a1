// Normalisation: hand-computed values, presets, round trip, shape checks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { imagesToTensor, NORMALIZATIONS, normalizeInto, tensorToImage } from './normalize.js';
import type { RgbImage } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const img = (w: number, h: number, fill: (i: number) => number): RgbImage => ({
  data: Uint8Array.from({ length: w * h * 3 }, (_, i) => fill(i)),
  width: w,
  height: h,
});

describe('normalisation', () => {
  it('computes (x / 255 - mean) / std per channel', () => {
    const out = new Float32Array(3);
    normalizeInto(
      img(1, 1, (i) => [0, 128, 255][i] as number),
      out,
      0,
      'clip',
    );
    const { mean, std } = NORMALIZATIONS.clip;
    expect(out[0]).toBeCloseTo((0 - mean[0]) / std[0], 5);
    expect(out[1]).toBeCloseTo((128 / 255 - mean[1]) / std[1], 5);
    expect(out[2]).toBeCloseTo((1 - mean[2]) / std[2], 5);
    normalizeInto(
      img(1, 1, () => 51),
      out,
      0,
      { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    );
    expect(Array.from(out)).toEqual([
      expect.closeTo(-0.6, 6),
      expect.closeTo(-0.6, 6),
      expect.closeTo(-0.6, 6),
    ]);
  });

  it('stacks [B, H, W, 3] float32 and round-trips through tensorToImage', () => {
    const a = img(3, 2, (i) => (i * 37) % 256);
    const b = img(3, 2, (i) => 255 - ((i * 11) % 256));
    const t = imagesToTensor([a, b], 'imagenet');
    expect(t.shape).toEqual([2, 2, 3, 3]);
    const first = tf.slice(t, [1], [1]);
    expect(Array.from(tensorToImage(first, 'imagenet').data)).toEqual(Array.from(b.data));
    tf.dispose([t, first]);
  });

  it('rejects mixed sizes, empty batches, bad buffers and unknown presets', () => {
    expect(() => imagesToTensor([img(2, 2, () => 0), img(3, 2, () => 0)])).toThrow(/resize before batching/);
    expect(() => imagesToTensor([])).toThrow(/at least one/);
    expect(() =>
      normalizeInto({ data: new Uint8Array(5), width: 1, height: 2 }, new Float32Array(6), 0),
    ).toThrow(/expected 6/);
    expect(() =>
      normalizeInto(
        img(1, 1, () => 0),
        new Float32Array(3),
        0,
        'nope' as 'clip',
      ),
    ).toThrow(/Should be one of: clip,imagenet,none/);
  });
});

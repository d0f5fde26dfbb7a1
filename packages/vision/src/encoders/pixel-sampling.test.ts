// Pixel-BERT random pixel sampling: k of N per image in training, all in eval, seeded, gradients only to
// the kept tokens.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { RandomPixelSampler, samplePixelIndices } from './pixel-sampling.js';

beforeAll(() => useBackend('cpu'));

/** tokens[b, n, :] = [b, n, 0.5] so every row says where it came from. */
function labelled(b: number, n: number): tf.Tensor3D {
  const v: number[] = [];
  for (let i = 0; i < b; i++) for (let j = 0; j < n; j++) v.push(i, j, 0.5);
  return tf.tensor3d(v, [b, n, 3]);
}

describe('samplePixelIndices', () => {
  it('draws k distinct sorted indices per row, seeded, covering the grid uniformly', () => {
    const idx = samplePixelIndices(3, 49, 10, new Rng(0));
    expect(Array.from(idx)).toEqual(Array.from(samplePixelIndices(3, 49, 10, new Rng(0))));
    for (let b = 0; b < 3; b++) {
      const row = Array.from(idx.subarray(b * 10, b * 10 + 10));
      expect(new Set(row).size).toBe(10);
      expect(row).toEqual([...row].sort((x, y) => x - y));
      expect(row.every((i) => i >= 0 && i < 49)).toBe(true);
    }
    // 2000 rows of 5 of 20: each cell kept with p = 1/4, expected 500 times, sd ~19.4; allow 5 sd.
    const counts = new Array(20).fill(0);
    for (const i of samplePixelIndices(2000, 20, 5, new Rng(1))) counts[i]++;
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(97);
    expect(() => samplePixelIndices(1, 4, 5, new Rng(0))).toThrow(RangeError);
  });
});

describe('RandomPixelSampler', () => {
  it('keeps k of N tokens per image in training, the right rows, with their indices', () => {
    const sampler = new RandomPixelSampler(5, new Rng(3));
    const x = labelled(2, 12);
    const { tokens, indices } = sampler.forward(x);
    expect(tokens.shape).toEqual([2, 5, 3]);
    expect(indices?.shape).toEqual([2, 5]);
    const idx = (indices as tf.Tensor2D).arraySync();
    const rows = tokens.arraySync();
    rows.forEach((img, b) => {
      img.forEach((row, k) => {
        expect(row).toEqual([b, idx[b]?.[k], 0.5]);
      });
    });
    expect(idx[0]).not.toEqual(idx[1]); // each image gets its own subset
    tf.dispose([x, tokens, indices as tf.Tensor]);
  });

  it('keeps everything, in order, in eval mode or when k >= N', () => {
    const x = labelled(2, 12);
    const evalOut = new RandomPixelSampler(5, new Rng(3)).eval().forward(x);
    expect(evalOut.indices).toBeNull();
    expect(evalOut.tokens.arraySync()).toEqual(x.arraySync());
    const wide = new RandomPixelSampler(100, new Rng(3)).forward(x);
    expect(wide.tokens.shape).toEqual([2, 12, 3]);
    expect(wide.indices).toBeNull();
    tf.dispose([x, evalOut.tokens, wide.tokens]);
  });

  it('sends gradient to kept tokens only and leaks nothing', () => {
    const sampler = new RandomPixelSampler(4, new Rng(5));
    const x = labelled(2, 10);
    const before = tf.memory().numTensors;
    let kept: number[][] = [];
    const g = tf.grad((t: tf.Tensor) => {
      const out = sampler.forward(t as tf.Tensor3D);
      kept = (out.indices as tf.Tensor2D).arraySync();
      out.indices?.dispose();
      return tf.sum(out.tokens);
    })(x);
    const perRow = tf.sum(g, 2) as tf.Tensor2D;
    const rowsWithGrad = perRow.arraySync();
    tf.dispose([g, perRow]);
    expect(tf.memory().numTensors).toBe(before);
    rowsWithGrad.forEach((row, b) => {
      row.forEach((v, n) => {
        expect(v).toBe(kept[b]?.includes(n) ? 3 : 0);
      });
    });
    x.dispose();
  });
});

// Augmentation recipes: determinism with a seed, output sizes and ranges, flip off by default, two views.

import { Rng } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../io/types.js';
import { augment, CONTRASTIVE_AUGMENT, sampleAugment, twoViews } from './pipeline.js';

function gradient(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([(x * 255) / (w - 1), (y * 255) / (h - 1), 128], (y * w + x) * 3);
  }
  return { data, width: w, height: h };
}

const same = (a: RgbImage, b: RgbImage): boolean => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('augment', () => {
  const image = gradient(96, 64);

  it('gives identical views for identical seeds and different views for different seeds', async () => {
    const a = await augment(image, new Rng(1), { size: 32 });
    const b = await augment(image, new Rng(1), { size: 32 });
    const c = await augment(image, new Rng(2), { size: 32 });
    expect([a.width, a.height, a.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
  });

  it('consumes the same number of draws whether or not jitter fires (streams stay aligned)', () => {
    const counts = new Set<number>();
    const fired = new Set<boolean>();
    for (let seed = 0; seed < 50; seed++) {
      let draws = 0;
      const inner = new Rng(seed);
      const counting = {
        uniform: () => {
          draws++;
          return inner.uniform();
        },
        int: (n: number) => {
          draws++;
          return inner.int(n);
        },
      };
      const p = sampleAugment(200, 200, counting, { size: 32, scale: [0.9, 1], ratio: [1, 1], jitterP: 0.5 });
      expect(p.flip).toBe(false);
      fired.add(p.jitter !== null);
      counts.add(draws);
    }
    expect(fired.size).toBe(2); // both branches happened
    // crop (2 uniforms + 2 ints) + jitter coin + permutation (3) + 3 factors (hue off) + 2 coins
    expect([...counts]).toEqual([4 + 1 + 3 + 3 + 2]);
  });

  it('never flips by default; flips at the requested rate when asked', () => {
    const rng = new Rng(9);
    let flips = 0;
    let greys = 0;
    for (let i = 0; i < 400; i++) {
      expect(sampleAugment(100, 100, rng, { size: 8 }).flip).toBe(false);
      const p = sampleAugment(100, 100, rng, { size: 8, flipP: 0.5, grayscaleP: 0.25 });
      flips += p.flip ? 1 : 0;
      greys += p.grayscale ? 1 : 0;
    }
    // Binomial(400, 0.5): sd 10; Binomial(400, 0.25): sd 8.7. Five sd bounds.
    expect(Math.abs(flips - 200)).toBeLessThan(50);
    expect(Math.abs(greys - 100)).toBeLessThan(44);
    expect(() => sampleAugment(10, 10, rng, { size: 8, flipP: 2 })).toThrow(RangeError);
  });

  it('a grayscale view has equal channels', async () => {
    const v = await augment(image, new Rng(4), { size: 16, grayscaleP: 1 });
    for (let i = 0; i < v.data.length; i += 3) {
      expect(v.data[i + 1]).toBe(v.data[i]);
      expect(v.data[i + 2]).toBe(v.data[i]);
    }
  });
});

describe('twoViews', () => {
  it('returns two different views of the requested size, reproducibly', async () => {
    const image = gradient(80, 80);
    const [a, b] = await twoViews(image, new Rng(5), { size: 24 });
    const [a2, b2] = await twoViews(image, new Rng(5), { size: 24 });
    expect([a.width, a.height, b.width, b.height]).toEqual([24, 24, 24, 24]);
    expect(same(a, b)).toBe(false);
    expect(same(a, a2) && same(b, b2)).toBe(true);
  });

  it('uses contrastive strengths with flip off', () => {
    expect(CONTRASTIVE_AUGMENT.flipP).toBe(0);
    expect(CONTRASTIVE_AUGMENT.scale).toEqual([0.2, 1]);
  });
});

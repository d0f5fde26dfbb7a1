// Random resized crop: torchvision's sampling (ranges, determinism, fallback) and the libvips crop.

import { Rng } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';
import { halves } from '../_test-fixtures.js';
import { cropAndResize, randomResizedCrop, sampleResizedCrop } from './crop.js';

describe('sampleResizedCrop', () => {
  it('is deterministic for a seed and stays inside the image with area and ratio in range', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    let meanFraction = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const box = sampleResizedCrop(320, 240, a, { scale: [0.25, 1] });
      expect(sampleResizedCrop(320, 240, b, { scale: [0.25, 1] })).toEqual(box);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left + box.width).toBeLessThanOrEqual(320);
      expect(box.top + box.height).toBeLessThanOrEqual(240);
      const frac = (box.width * box.height) / (320 * 240);
      // Rounding each side to whole pixels moves the area by at most ~1%.
      expect(frac).toBeGreaterThan(0.25 * 0.98);
      expect(frac).toBeLessThanOrEqual(1);
      const ratio = box.width / box.height;
      expect(ratio).toBeGreaterThan((3 / 4) * 0.97);
      expect(ratio).toBeLessThan((4 / 3) * 1.03);
      meanFraction += frac / n;
    }
    // Accepted draws are uniform in area on [0.25, 1] minus rejections of large, elongated boxes: the
    // mean lies below 0.625 but well above the lower bound.
    expect(meanFraction).toBeGreaterThan(0.5);
    expect(meanFraction).toBeLessThan(0.625);
  });

  it('falls back to the centred whole image with the ratio clamped when 10 tries fail', () => {
    // uniform() = 0.999 asks for ~the full area at ratio 4/3 on a very tall image: never fits.
    const stuck = { uniform: () => 0.999, int: () => 0 };
    expect(sampleResizedCrop(100, 400, stuck)).toEqual({ left: 0, top: 133, width: 100, height: 133 });
    expect(sampleResizedCrop(400, 100, stuck)).toEqual({ left: 133, top: 0, width: 133, height: 100 });
  });

  it('rejects invalid ranges', () => {
    expect(() => sampleResizedCrop(10, 10, new Rng(1), { scale: [0, 1] })).toThrow(RangeError);
    expect(() => sampleResizedCrop(10, 10, new Rng(1), { ratio: [2, 1] })).toThrow(RangeError);
  });
});

describe('cropAndResize / randomResizedCrop', () => {
  const image = {
    data: new Uint8Array(halves(40, 20, { r: 255, g: 0, b: 0 }, { r: 0, g: 0, b: 255 })),
    width: 40,
    height: 20,
  };

  it('cuts the box and resizes it to a square', async () => {
    const left = await cropAndResize(image, { left: 0, top: 0, width: 20, height: 20 }, 8);
    expect([left.width, left.height, left.data.length]).toEqual([8, 8, 192]);
    for (let i = 0; i < left.data.length; i += 3)
      expect([left.data[i], left.data[i + 1], left.data[i + 2]]).toEqual([255, 0, 0]);
    const right = await cropAndResize(image, { left: 30, top: 5, width: 10, height: 10 }, 4, 'nearest');
    expect(Array.from(right.data.subarray(0, 3))).toEqual([0, 0, 255]);
    await expect(cropAndResize(image, { left: 35, top: 0, width: 10, height: 10 }, 4)).rejects.toThrow(
      RangeError,
    );
  });

  it('gives identical views for identical seeds', async () => {
    const a = await randomResizedCrop(image, new Rng(3), { size: 16 });
    const b = await randomResizedCrop(image, new Rng(3), { size: 16 });
    expect(a.width).toBe(16);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });
});

// Photometric ops against hand-computed values (torchvision definitions) and their sampling ranges.

import { Rng } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../io/types.js';
import {
  applyColorJitter,
  type ColorJitterParams,
  horizontalFlip,
  sampleColorJitter,
  toGrayscale,
} from './color.js';

const pixels = (...rgb: number[][]): RgbImage => ({
  data: Uint8Array.from(rgb.flat()),
  width: rgb.length,
  height: 1,
});
const id: ColorJitterParams = { order: [0, 1, 2, 3], brightness: 1, contrast: 1, saturation: 1, hue: 0 };
const list = (img: RgbImage): number[] => Array.from(img.data);

describe('colour jitter', () => {
  const img = pixels([200, 100, 50], [10, 20, 30]);

  it('identity factors leave the image unchanged', () => {
    expect(list(applyColorJitter(img, id))).toEqual(list(img));
  });

  it('brightness scales and clamps', () => {
    expect(list(applyColorJitter(img, { ...id, brightness: 0.5 }))).toEqual([100, 50, 25, 5, 10, 15]);
    expect(list(applyColorJitter(img, { ...id, brightness: 2 }))).toEqual([255, 200, 100, 20, 40, 60]);
  });

  it('contrast blends with the mean luma of the image', () => {
    const y1 = 0.2989 * 200 + 0.587 * 100 + 0.114 * 50;
    const y2 = 0.2989 * 10 + 0.587 * 20 + 0.114 * 30;
    const m = (y1 + y2) / 2;
    expect(list(applyColorJitter(img, { ...id, contrast: 0 }))).toEqual(new Array(6).fill(Math.round(m)));
    const half = applyColorJitter(img, { ...id, contrast: 0.5 });
    expect(half.data[0]).toBe(Math.round(0.5 * 200 + 0.5 * m));
  });

  it('saturation 0 equals grayscale; hue rotates red to green to blue by thirds', () => {
    expect(list(applyColorJitter(img, { ...id, saturation: 0 }))).toEqual(list(toGrayscale(img)));
    const red = pixels([255, 0, 0], [128, 128, 128]);
    expect(list(applyColorJitter(red, { ...id, hue: 1 / 3 }))).toEqual([0, 255, 0, 128, 128, 128]);
    expect(list(applyColorJitter(red, { ...id, hue: -1 / 3 }))).toEqual([0, 0, 255, 128, 128, 128]);
    const back = applyColorJitter(applyColorJitter(img, { ...id, hue: 0.13 }), { ...id, hue: -0.13 });
    list(back).forEach((v, i) => {
      expect(Math.abs(v - (img.data[i] as number))).toBeLessThanOrEqual(1);
    });
  });

  it('order matters and is honoured', () => {
    const bThenC = applyColorJitter(img, { ...id, brightness: 2, contrast: 0.5, order: [0, 1, 2, 3] });
    const cThenB = applyColorJitter(img, { ...id, brightness: 2, contrast: 0.5, order: [1, 0, 2, 3] });
    expect(list(bThenC)).not.toEqual(list(cThenB));
  });

  it('samples factors in torchvision ranges, deterministically', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 200; i++) {
      const p = sampleColorJitter({ brightness: 0.4, contrast: 0.9, saturation: 2, hue: 0.1 }, rng);
      expect([...p.order].sort()).toEqual([0, 1, 2, 3]);
      expect(p.brightness).toBeGreaterThanOrEqual(0.6);
      expect(p.brightness).toBeLessThan(1.4);
      expect(p.contrast).toBeGreaterThanOrEqual(0.1);
      expect(p.saturation).toBeGreaterThanOrEqual(0);
      expect(p.saturation).toBeLessThan(3);
      expect(Math.abs(p.hue)).toBeLessThanOrEqual(0.1);
    }
    expect(sampleColorJitter({ brightness: 0.4 }, new Rng(5))).toEqual(
      sampleColorJitter({ brightness: 0.4 }, new Rng(5)),
    );
    expect(() => sampleColorJitter({ hue: 0.6 }, rng)).toThrow(RangeError);
  });
});

describe('grayscale and flip', () => {
  it('grayscale uses ITU-R 601 luma on all three channels', () => {
    const g = toGrayscale(pixels([255, 0, 0], [0, 255, 0], [0, 0, 255]));
    expect(list(g)).toEqual([76, 76, 76, 150, 150, 150, 29, 29, 29]);
  });

  it('flip mirrors columns and is its own inverse', () => {
    const img: RgbImage = { data: Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i), width: 3, height: 2 };
    const f = horizontalFlip(img);
    expect(list(f)).toEqual([6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11]);
    expect(list(horizontalFlip(f))).toEqual(list(img));
  });
});

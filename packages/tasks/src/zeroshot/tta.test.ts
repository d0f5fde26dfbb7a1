// Test-time shift averaging: the shift itself on a hand-made picture, and the averaged embedding against
// a direct computation with an embedder whose output depends on where the pixels are.
import type { RgbImage } from '@vlp/vision';
import { describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';
import { shiftAveraged, shiftImage } from './tta.js';

/** A w x h picture whose pixel (y, x) holds (y, x, y + x). */
const grid = (w: number, h: number): RgbImage => {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([y, x, y + x], (y * w + x) * 3);
  return { width: w, height: h, data };
};
const at = (im: RgbImage, y: number, x: number) =>
  Array.from(im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));

/** Position-sensitive embedder: the first pixel row's red and green values plus a constant, unit length. */
const probe: Embedder = {
  id: 'probe',
  dim: 4,
  imageLoad: { imageSize: 4 },
  embedImages: async (images) =>
    images.map((im) => {
      const v = [at(im, 0, 0)[0] as number, at(im, 0, 0)[1] as number, at(im, 0, 1)[1] as number, 1];
      const n = Math.hypot(...v);
      return Float32Array.from(v, (x) => x / n);
    }),
  embedTexts: async (texts) => texts.map(() => Float32Array.from([0, 0, 0, 1])),
};

describe('shiftImage', () => {
  it('moves the content and mirrors the edge into the border', () => {
    const im = grid(4, 3);
    const s = shiftImage(im, 1, -1); // content one row down, one column left
    expect(at(s, 1, 0)).toEqual(at(im, 0, 1));
    expect(at(s, 2, 2)).toEqual(at(im, 1, 3));
    // row 0 reflects row 1 of the source (y - dy = -1 -> 1); column 3 reflects column 2 (x - dx = 4 -> 2)
    expect(at(s, 0, 0)).toEqual(at(im, 1, 1));
    expect(at(s, 1, 3)).toEqual(at(im, 0, 2));
    expect(shiftImage(im, 0, 0).data).toEqual(im.data);
    expect(() => shiftImage(im, 3, 0)).toThrow(/4x3 picture by \(0, 3\)/);
  });
});

describe('shiftAveraged', () => {
  it('is the renormalised mean of the unit embeddings of the nine shifted views', async () => {
    const im = grid(5, 5);
    const [got] = await shiftAveraged(probe, { shift: 1 }).embedImages([im]);
    const sum = [0, 0, 0, 0];
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const [v] = await probe.embedImages([shiftImage(im, dy, dx)]);
        v?.forEach((x, j) => {
          sum[j] = (sum[j] as number) + x;
        });
      }
    const n = Math.hypot(...sum);
    expect(Array.from(got as Float32Array)).toEqual(sum.map((x) => expect.closeTo(x / n, 6)));
    // not the unshifted view: the shifts changed it
    const [plain] = await probe.embedImages([im]);
    expect(Math.abs((got?.[0] as number) - (plain?.[0] as number))).toBeGreaterThan(0.01);
  });

  it('leaves texts alone, returns the embedder itself at shift 0 and rejects a bad shift', async () => {
    const tta = shiftAveraged(probe);
    expect(await tta.embedTexts(['a'])).toEqual(await probe.embedTexts(['a']));
    expect(tta.id).toBe('probe');
    expect(shiftAveraged(probe, { shift: 0 })).toBe(probe);
    expect(() => shiftAveraged(probe, { shift: 1.5 })).toThrow(/whole number/);
  });
});

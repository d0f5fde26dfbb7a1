// Test-time augmentation for an Embedder: each picture is embedded at every whole-pixel shift within
// +-`shift` px (edge pixels mirrored into the uncovered border, as the demo's training augmentation does)
// and its embedding is the renormalised mean of the unit embeddings (multi-view TTA, as in CLIP's
// and SimCLR's linear-probe evaluations of crops; here only translations, which a small CNN with a flatten
// head is sensitive to). On the demo's Apple evaluation, shift 1 (9 views) moved image -> name R@1 from
// 30.2% to 32.2% with the model of docs/demo/unimo2-2100, and from 42.7% to 43.4% with a model trained on
// shifted pictures (docs/demo/report.md, "Class captions").
import type { RgbImage } from '@vlp/vision';
import type { Embedder } from './embedder.js';

/**
 * `image` moved by `dy` rows and `dx` columns (a positive `dx` moves the content right), the border filled
 * by mirroring the edge (reflect: the edge pixel itself is not repeated).
 *
 * @example
 * ```ts
 * const moved = shiftImage(image, 1, -1); // content one row down, one column left
 * ```
 */
export function shiftImage(image: RgbImage, dy: number, dx: number): RgbImage {
  const { width: w, height: h, data } = image;
  if (Math.abs(dy) >= h || Math.abs(dx) >= w)
    throw new Error(`shiftImage: cannot shift a ${w}x${h} picture by (${dx}, ${dy}) px`);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const sy = reflect(y - dy, h);
    for (let x = 0; x < w; x++) {
      const sx = reflect(x - dx, w);
      const o = (y * w + x) * 3;
      const s = (sy * w + sx) * 3;
      out[o] = data[s] as number;
      out[o + 1] = data[s + 1] as number;
      out[o + 2] = data[s + 2] as number;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * `embedder` with images embedded as the renormalised mean over the `(2 shift + 1)^2` shifted copies of
 * each picture (see the file header); texts, `id`, `imageLoad` and `itmScores` are unchanged. `shift: 0`
 * returns `embedder` itself.
 *
 * @example
 * ```ts
 * const tta = shiftAveraged(vlpEmbedder({ model, tokenizer }), { shift: 1 }); // 9 views per picture
 * const zs = await ZeroShotClassifier.create(tta, { labels: ['cat', 'dog'] });
 * ```
 */
export function shiftAveraged(embedder: Embedder, options: { shift?: number } = {}): Embedder {
  const shift = options.shift ?? 1;
  if (!Number.isInteger(shift) || shift < 0)
    throw new Error(`shiftAveraged: shift must be a whole number of pixels >= 0, got ${shift}`);
  if (shift === 0) return embedder;
  const moves: [number, number][] = [];
  for (let dy = -shift; dy <= shift; dy++) for (let dx = -shift; dx <= shift; dx++) moves.push([dy, dx]);
  return {
    ...embedder,
    embedImages: async (images) => {
      const sums = images.map(() => new Float64Array(embedder.dim));
      for (const [dy, dx] of moves) {
        const views = await embedder.embedImages(images.map((im) => shiftImage(im, dy, dx)));
        views.forEach((v, i) => {
          const sum = sums[i] as Float64Array;
          let n = 0;
          for (const x of v) n += x * x;
          n = Math.sqrt(n) || 1;
          for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (v[j] as number) / n;
        });
      }
      return sums.map((sum) => {
        let n = 0;
        for (const x of sum) n += x * x;
        n = Math.sqrt(n) || 1;
        return Float32Array.from(sum, (x) => x / n);
      });
    },
  };
}

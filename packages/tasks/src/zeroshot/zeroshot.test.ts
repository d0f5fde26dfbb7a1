// Zero-shot on real emoji-datasource PNGs: colour names as classes, emoji whose name says one colour as
// the ground truth (the embedder never sees the name), the cache, and the ITM re-ranking hook.
import { loadEmojiCatalog } from '@vlp/pretrain';
import { loadImages, type RgbImage } from '@vlp/vision';
import { describe, expect, it } from 'vitest';
import { ClassEmbeddingCache, classEmbeddings, ZeroShotClassifier } from './classifier.js';
import { colourEmbedder } from './colour.js';
import type { Embedder } from './embedder.js';
import { DEFAULT_TEMPLATES, fillTemplate } from './templates.js';

const LABELS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'brown', 'black', 'white'];

/** Google-style emoji whose name contains exactly one of LABELS: [path, colour]. */
function colourEmoji(): Array<[string, string]> {
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  const out: Array<[string, string]> = [];
  for (const r of records) {
    const words = r.name.toLowerCase().split(/[^a-z]+/);
    const hits = LABELS.filter((l) => words.includes(l));
    const path = r.images.google;
    if (hits.length === 1 && path !== undefined) out.push([path, hits[0] as string]);
  }
  return out;
}

describe('ZeroShotClassifier', () => {
  it('labels coloured emoji by colour well above chance (1/9)', async () => {
    const set = colourEmoji();
    expect(set.length).toBeGreaterThanOrEqual(40);
    const embedder = colourEmbedder();
    const zs = await ZeroShotClassifier.create(embedder, { labels: LABELS });
    const { images, indices, skipped } = await loadImages(
      set.map(([p]) => p),
      { ...embedder.imageLoad, concurrency: 2 },
    );
    expect(skipped).toEqual([]);
    const preds = await zs.classify(images, { topK: 3 });
    let top1 = 0;
    let top3 = 0;
    preds.forEach((p, k) => {
      const truth = set[indices[k] ?? -1]?.[1];
      if (p.labels[0]?.label === truth) top1++;
      if (p.labels.some((l) => l.label === truth)) top3++;
      // Scores are a softmax: descending, within (0, 1].
      const s = p.labels.map((l) => l.score);
      expect([...s].sort((a, b) => b - a)).toEqual(s);
      expect(s.every((x) => x > 0 && x <= 1)).toBe(true);
    });
    const acc1 = top1 / preds.length;
    const acc3 = top3 / preds.length;
    console.log(`zero-shot colour: n=${preds.length} top1=${acc1.toFixed(3)} top3=${acc3.toFixed(3)}`);
    expect(acc1).toBeGreaterThan(0.55); // chance 0.111
    expect(acc3).toBeGreaterThan(0.75); // chance 0.333
  });

  it('ensembles templates as the renormalised mean of unit prompt embeddings', async () => {
    // A text embedder that returns a fixed non-unit vector per prompt, so the ensemble is hand-computable.
    const table = new Map<string, number[]>([
      [fillTemplate('a {}', 'x'), [3, 0]],
      [fillTemplate('the {}', 'x'), [0, 2]],
    ]);
    const fake: Embedder = {
      id: 'fake',
      dim: 2,
      imageLoad: {},
      embedImages: async () => [],
      embedTexts: async (texts) => texts.map((t) => Float32Array.from(table.get(t) ?? [0, 0])),
    };
    const [x] = await classEmbeddings(fake, ['x'], ['a {}', 'the {}']);
    // unit([1,0]) + unit([0,1]) = [1,1] -> [0.7071, 0.7071]
    expect(Array.from(x ?? [])).toEqual([Math.SQRT1_2, Math.SQRT1_2].map((v) => Math.fround(v)));
  });

  it('computes class embeddings once per (model, labels, templates)', async () => {
    let calls = 0;
    const base = colourEmbedder();
    const counting: Embedder = {
      ...base,
      embedTexts: (t) => {
        calls++;
        return base.embedTexts(t);
      },
    };
    const cache = new ClassEmbeddingCache(2);
    await ZeroShotClassifier.create(counting, { labels: ['red', 'blue'], cache });
    await ZeroShotClassifier.create(counting, { labels: ['red', 'blue'], cache });
    expect([calls, cache.hits, cache.misses]).toEqual([1, 1, 1]);
    await ZeroShotClassifier.create(counting, { labels: ['red', 'blue'], templates: ['{}'], cache });
    await ZeroShotClassifier.create(counting, { labels: ['blue', 'red'], cache });
    expect([calls, cache.size]).toEqual([3, 2]); // LRU capacity 2
    expect(DEFAULT_TEMPLATES.length).toBeGreaterThanOrEqual(5);
  });

  it('re-ranks the top k with an ITM hook and keeps their probability mass', async () => {
    const base = colourEmbedder();
    // ITM that prefers 'blue' whatever the picture, so re-ranking visibly overrides the contrastive order.
    const itm: Embedder = {
      ...base,
      itmScores: async (images: readonly RgbImage[], texts: readonly string[]) =>
        images.map(() => Float32Array.from(texts.map((t) => (t.includes('blue') ? 5 : 0)))),
    };
    const red: RgbImage = {
      data: new Uint8Array(4 * 4 * 3).fill(0).map((_, i) => (i % 3 === 0 ? 220 : 10)),
      width: 4,
      height: 4,
    };
    const plain = await ZeroShotClassifier.create(base, { labels: ['red', 'blue', 'green'] });
    const [p0] = await plain.classify([red], { topK: 3 });
    expect(p0?.labels.map((l) => l.label)).toEqual(['red', 'blue', 'green']);
    const reranked = await ZeroShotClassifier.create(itm, {
      labels: ['red', 'blue', 'green'],
      rerankTopK: 2,
    });
    const [p1] = await reranked.classify([red], { topK: 3 });
    expect(p1?.labels.map((l) => l.label)).toEqual(['blue', 'red', 'green']);
    const mass0 = (p0?.labels[0]?.score ?? 0) + (p0?.labels[1]?.score ?? 0);
    const mass1 = (p1?.labels[0]?.score ?? 0) + (p1?.labels[1]?.score ?? 0);
    expect(mass1).toBeCloseTo(mass0, 6);
    expect(p1?.labels[0]?.score).toBeCloseTo(mass0 * (Math.exp(5) / (Math.exp(5) + 1)), 6);
  });
});

// Retrieval: ranks and Recall@K against values worked out by hand on a 3-image / 4-caption fixture, ITM
// re-ranking of the top k, and Karpathy-split evaluation on real emoji PNGs with a corrupt file among them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmojiCatalog } from '@vlp/pretrain';
import { afterAll, describe, expect, it } from 'vitest';
import { colourEmbedder } from '../zeroshot/colour.js';
import { evaluateKarpathy, parseKarpathy } from './karpathy.js';
import { EmbeddingIndex, type ItmScorer, recallAtK, retrievalRanks } from './rank.js';

const v = (x: number, y: number) => Float32Array.from([x, y]);
// Images I0 = [1,0], I1 = [0,1], I2 = [.6,.8]; captions T0 -> I0, T1 -> I2, T2 -> I1, T3 -> I0.
const imageEmbeds = [v(1, 0), v(0, 1), v(0.6, 0.8)];
const textEmbeds = [v(1, 0), v(0.8, -0.6), v(0, 1), v(-1, 0)];
const textImage = [0, 2, 1, 0];

describe('retrieval ranks', () => {
  it('match the hand-computed ranks and recalls', async () => {
    // T1 . (I0, I1, I2) = (.8, -.6, 0): its image I2 is 2nd -> rank 1. T3 . I = (-1, 0, -.6): I0 last -> 2.
    // I2 . (T0..T3) = (.6, 0, .8, -.6): its only caption T1 is 3rd -> rank 2.
    const { t2i, i2t } = await retrievalRanks({ imageEmbeds, textEmbeds, textImage });
    expect(t2i).toEqual([0, 1, 0, 2]);
    expect(i2t).toEqual([0, 0, 2]);
    expect(recallAtK(t2i, [1, 2, 3])).toEqual({ r1: 50, r2: 75, r3: 100 });
    const i2tRecall = recallAtK(i2t, [1, 2, 3]);
    expect(i2tRecall.r1).toBeCloseTo(200 / 3, 10);
    expect(i2tRecall.r2).toBeCloseTo(200 / 3, 10);
    expect(i2tRecall.r3).toBe(100);
  });

  it('re-ranks only the top k with the ITM scorer', async () => {
    const calls: Array<[number[], number[]]> = [];
    const oracle: ItmScorer = async (ii, tt) => {
      calls.push([[...ii], [...tt]]);
      return ii.map((i) => Float32Array.from(tt.map((t) => (textImage[t] === i ? 10 : 0))));
    };
    const k2 = await retrievalRanks({ imageEmbeds, textEmbeds, textImage, rerank: { topK: 2, itm: oracle } });
    // Within the top 2 the oracle lifts the truth to first; T3's image and I2's caption sit 3rd and stay.
    expect(k2.t2i).toEqual([0, 0, 0, 2]);
    expect(k2.i2t).toEqual([0, 0, 2]);
    expect(calls.every(([ii, tt]) => ii.length * tt.length === 2)).toBe(true);
    const k3 = await retrievalRanks({ imageEmbeds, textEmbeds, textImage, rerank: { topK: 3, itm: oracle } });
    expect([k3.t2i, k3.i2t]).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('searches an index best first with ties in index order', () => {
    const index = new EmbeddingIndex([v(0, 1), v(1, 0), v(0, 1)]);
    expect(index.search(v(0, 1), 2)).toEqual([
      { index: 0, score: 1 },
      { index: 2, score: 1 },
    ]);
  });
});

describe('Karpathy-split evaluation', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('parses splits and evaluates emoji retrieval, skipping a corrupt image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlp-karpathy-'));
    dirs.push(dir);
    const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
    const pick = (name: string) => {
      const p = records.find((r) => r.name === name)?.images.google;
      if (p === undefined) throw new Error(`no emoji "${name}"`);
      return p;
    };
    // A real PNG cut in half: the header reads, the pixel data ends early.
    const png = await readFile(pick('purple heart'));
    await writeFile(join(dir, 'broken.png'), png.subarray(0, png.length >> 1));
    const json = {
      images: [
        {
          filename: pick('red heart'),
          split: 'test',
          sentences: [{ raw: 'a red heart' }, { raw: 'red love' }],
        },
        { filename: pick('blue heart'), split: 'test', sentences: [{ raw: 'a blue heart' }] },
        { filename: pick('green heart'), split: 'test', sentences: [{ raw: 'a green heart' }] },
        { filename: pick('yellow heart'), split: 'restval', sentences: [{ raw: 'a yellow heart' }] },
        { filename: 'broken.png', split: 'test', sentences: [{ raw: 'a purple heart' }] },
      ],
    };
    const file = join(dir, 'dataset.json');
    await writeFile(file, JSON.stringify(json));
    expect(parseKarpathy(json, { split: 'train', root: dir }).map((i) => i.captions)).toEqual([
      ['a yellow heart'],
    ]);
    const m = await evaluateKarpathy({ embedder: colourEmbedder(), file, root: dir, concurrency: 2 });
    expect(m.skipped.map((s) => [s.path, s.reason])).toEqual([[join(dir, 'broken.png'), 'truncated']]);
    expect([m.images, m.texts]).toEqual([3, 4]);
    // Colour histograms separate three single-colour hearts: every query finds its match first.
    expect(m.t2i).toEqual({ r1: 100, r5: 100, r10: 100 });
    expect(m.i2t).toEqual({ r1: 100, r5: 100, r10: 100 });
    expect(m.mean).toBe(100);
  });
});

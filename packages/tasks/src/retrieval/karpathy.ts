// Retrieval evaluation on COCO / Flickr30K in Karpathy's split JSON (Karpathy & Fei-Fei, CVPR 2015):
// `{images: [{filename, filepath?, split, sentences: [{raw}]}]}`. Images of one split are decoded in
// parallel (unreadable ones are reported and dropped with their captions), embedded, and scored by
// R@1/5/10 both ways, optionally re-ranking the top k by the embedder's ITM head.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadImages, type RgbImage, type SkippedImage } from '@vlp/vision';
import { z } from 'zod';
import type { Embedder } from '../zeroshot/embedder.js';
import { type ItmScorer, recallAtK, retrievalRanks } from './rank.js';

const KarpathySchema = z.object({
  images: z.array(
    z.object({
      filename: z.string().min(1),
      filepath: z.string().optional(),
      split: z.string().default('test'),
      sentences: z.array(z.object({ raw: z.string() })),
    }),
  ),
});

/**
 * One image of a Karpathy split with its captions; `path` is resolved against the image root.
 *
 * @example
 * ```ts
 * const item: KarpathyImage = { path: '/data/coco/val2014/x.jpg', split: 'test', captions: ['a dog.'] };
 * ```
 */
export interface KarpathyImage {
  path: string;
  split: string;
  captions: string[];
}

/**
 * Parses Karpathy-split JSON (text or already parsed), keeping `split` (default `'test'`; `'restval'`
 * counts as train as is customary); paths are `root/filepath/filename` (resolved, so absolute filenames stay as they are). Throws a `ZodError` on bad shape.
 *
 * @example
 * ```ts
 * const items = parseKarpathy(await readFile('dataset_flickr30k.json', 'utf8'), { root: 'flickr30k-images' });
 * ```
 */
export function parseKarpathy(
  json: string | unknown,
  options: { split?: string; root?: string } = {},
): KarpathyImage[] {
  const data = KarpathySchema.parse(typeof json === 'string' ? JSON.parse(json) : json);
  const split = options.split ?? 'test';
  const root = options.root ?? '.';
  return data.images
    .map((im) => ({ ...im, split: im.split === 'restval' ? 'train' : im.split }))
    .filter((im) => im.split === split)
    .map((im) => ({
      path: resolve(root, im.filepath ?? '', im.filename),
      split: im.split,
      captions: im.sentences.map((s) => s.raw.trim()).filter((c) => c.length > 0),
    }));
}

/**
 * R@1/5/10 (percent) both ways, their mean (`rsum / 6`, as ALBEF reports), and what was left out.
 *
 * @example
 * ```ts
 * const m: RetrievalMetrics = await evaluateKarpathy({ embedder, file: 'dataset_coco.json', root: 'coco' });
 * console.log(`TR@1 ${m.i2t.r1}  IR@1 ${m.t2i.r1}`);
 * ```
 */
export interface RetrievalMetrics {
  i2t: Record<string, number>;
  t2i: Record<string, number>;
  mean: number;
  images: number;
  texts: number;
  skipped: SkippedImage[];
}

/**
 * Embeds decoded images and their captions and computes {@link RetrievalMetrics}.
 *
 * @example
 * ```ts
 * const m = await evaluateRetrieval({ embedder, images, captions: [['a red heart'], ['a blue square']] });
 * ```
 */
export async function evaluateRetrieval(options: {
  embedder: Embedder;
  images: readonly RgbImage[];
  /** Captions per image, aligned with `images`. */
  captions: readonly (readonly string[])[];
  /** Re-rank each query's top k with `embedder.itmScores` (ignored without one). */
  rerankTopK?: number;
}): Promise<Omit<RetrievalMetrics, 'skipped'>> {
  const { embedder, images, captions } = options;
  const texts = captions.flat();
  const textImage = captions.flatMap((cs, i) => cs.map(() => i));
  const imageEmbeds = await embedder.embedImages(images);
  const textEmbeds = await embedder.embedTexts(texts);
  const score = embedder.itmScores?.bind(embedder);
  const itm: ItmScorer | undefined = score
    ? (ii, tt) =>
        score(
          ii.map((i) => images[i] as RgbImage),
          tt.map((t) => texts[t] as string),
        )
    : undefined;
  const k = options.rerankTopK ?? 0;
  const ranks = await retrievalRanks({
    imageEmbeds,
    textEmbeds,
    textImage,
    ...(itm && k > 1 ? { rerank: { topK: k, itm } } : {}),
  });
  const i2t = recallAtK(ranks.i2t);
  const t2i = recallAtK(ranks.t2i);
  const sum = [...Object.values(i2t), ...Object.values(t2i)].reduce((a, b) => a + b, 0);
  return { i2t, t2i, mean: sum / 6, images: images.length, texts: texts.length };
}

/**
 * Reads a Karpathy-split file, decodes one split's images with the embedder's preprocessing and evaluates
 * retrieval. Unreadable images are skipped (with their captions) and listed in `skipped`.
 *
 * @example
 * ```ts
 * const m = await evaluateKarpathy({ embedder, file: 'dataset_flickr30k.json', root: 'flickr30k-images' });
 * ```
 */
export async function evaluateKarpathy(options: {
  embedder: Embedder;
  file: string;
  /** Image root (default: the JSON file's folder). */
  root?: string;
  split?: string;
  concurrency?: number;
  rerankTopK?: number;
}): Promise<RetrievalMetrics> {
  const items = parseKarpathy(await readFile(options.file, 'utf8'), {
    split: options.split ?? 'test',
    root: options.root ?? dirname(options.file),
  });
  const loaded = await loadImages(
    items.map((it) => it.path),
    { ...options.embedder.imageLoad, ...(options.concurrency ? { concurrency: options.concurrency } : {}) },
  );
  const captions = loaded.indices.map((i) => items[i]?.captions ?? []);
  const metrics = await evaluateRetrieval({
    embedder: options.embedder,
    images: loaded.images,
    captions,
    ...(options.rerankTopK !== undefined ? { rerankTopK: options.rerankTopK } : {}),
  });
  return { ...metrics, skipped: loaded.skipped };
}

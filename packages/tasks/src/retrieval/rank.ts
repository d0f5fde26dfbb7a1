// Contrastive retrieval over unit embeddings (CLIP / ALBEF): a flat index searched by dot product, the
// rank of the ground truth for text->image and image->text (image->text counts the best of an image's
// captions, as the COCO / Flickr30K Karpathy protocol does), optional re-ranking of each query's top k by an
// ITM scorer (ALBEF, Li et al. 2021, section 4), and Recall@K.

/**
 * One search result: position in the index and its cosine score (or ITM logit after re-ranking).
 *
 * @example
 * ```ts
 * const [best]: SearchHit[] = index.search(query, 1);
 * ```
 */
export interface SearchHit {
  index: number;
  score: number;
}

function _dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Indices of `scores` sorted best first; ties keep index order so ranks are reproducible. */
function _order(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b,
  );
}

/**
 * A flat (exact) index of unit embeddings, searched by dot product. Memory: the rows given.
 *
 * @example
 * ```ts
 * const index = new EmbeddingIndex(await embedder.embedImages(images));
 * const hits = index.search((await embedder.embedTexts(['a red heart']))[0], 5);
 * ```
 */
export class EmbeddingIndex {
  constructor(readonly rows: readonly Float32Array[]) {}

  get size(): number {
    return this.rows.length;
  }

  /** Cosine score of `query` against every row. */
  scores(query: Float32Array): Float32Array {
    return Float32Array.from(this.rows, (r) => _dot(query, r));
  }

  /** The best `k` rows for `query`, best first. */
  search(query: Float32Array, k: number): SearchHit[] {
    const s = this.scores(query);
    return _order(s)
      .slice(0, k)
      .map((index) => ({ index, score: s[index] ?? 0 }));
  }
}

/**
 * Scores `[queries.length]` candidates for one query with a cross-modal matcher (an ITM head); the
 * argument order is always (image indices, text indices), whichever side the query is.
 *
 * @example
 * ```ts
 * const itm: ItmScorer = async (imgs, txts) => (await embedder.itmScores!(imgs.map((i) => images[i]), txts.map((t) => texts[t])));
 * ```
 */
export type ItmScorer = (imageIdx: readonly number[], textIdx: readonly number[]) => Promise<Float32Array[]>;

/**
 * Inputs of {@link retrievalRanks}.
 *
 * @example
 * ```ts
 * const input: RetrievalInput = { imageEmbeds, textEmbeds, textImage: [0, 0, 1] };
 * ```
 */
export interface RetrievalInput {
  imageEmbeds: readonly Float32Array[];
  textEmbeds: readonly Float32Array[];
  /** `textImage[t]` = index of the image caption `t` describes. */
  textImage: readonly number[];
  /** Re-rank each query's top `topK` candidates by `itm` (default: no re-ranking). */
  rerank?: { topK: number; itm: ItmScorer };
}

/**
 * 0-based ranks of the ground truth per query: `t2i[t]` of caption t's image among all images, `i2t[i]`
 * of image i's best-placed caption among all captions.
 *
 * @example
 * ```ts
 * const { t2i, i2t } = await retrievalRanks({ imageEmbeds, textEmbeds, textImage });
 * recallAtK(t2i); // { r1, r5, r10 } in percent
 * ```
 */
export async function retrievalRanks(input: RetrievalInput): Promise<{ t2i: number[]; i2t: number[] }> {
  const { imageEmbeds, textEmbeds, textImage, rerank } = input;
  if (textImage.length !== textEmbeds.length)
    throw new RangeError(`textImage has ${textImage.length} entries for ${textEmbeds.length} texts`);
  const images = new EmbeddingIndex(imageEmbeds);
  const texts = new EmbeddingIndex(textEmbeds);
  const reorder = async (
    order: number[],
    score: (itm: ItmScorer, head: number[]) => Promise<Float32Array>,
  ) => {
    if (!rerank || rerank.topK < 2) return order;
    const head = order.slice(0, rerank.topK);
    const s = await score(rerank.itm, head);
    const byItm = _order(s).map((j) => head[j] as number);
    return [...byItm, ...order.slice(head.length)];
  };
  const t2i: number[] = [];
  for (let t = 0; t < textEmbeds.length; t++) {
    let order = _order(images.scores(textEmbeds[t] as Float32Array));
    order = await reorder(order, async (itm, head) =>
      Float32Array.from(await itm(head, [t]), (row) => row[0] ?? 0),
    );
    t2i.push(order.indexOf(textImage[t] as number));
  }
  const i2t: number[] = [];
  for (let i = 0; i < imageEmbeds.length; i++) {
    let order = _order(texts.scores(imageEmbeds[i] as Float32Array));
    order = await reorder(order, async (itm, head) => (await itm([i], head))[0] ?? new Float32Array());
    const pos = order.findIndex((t) => textImage[t] === i);
    i2t.push(pos < 0 ? Number.POSITIVE_INFINITY : pos);
  }
  return { t2i, i2t };
}

/**
 * Recall@K in percent: the share of queries whose ground truth ranks within the first K.
 *
 * @example
 * ```ts
 * recallAtK([0, 3, 12]); // { r1: 33.33, r5: 66.67, r10: 66.67 }
 * ```
 */
export function recallAtK(
  ranks: readonly number[],
  ks: readonly number[] = [1, 5, 10],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ks)
    out[`r${k}`] = ranks.length === 0 ? 0 : (100 * ranks.filter((r) => r < k).length) / ranks.length;
  return out;
}

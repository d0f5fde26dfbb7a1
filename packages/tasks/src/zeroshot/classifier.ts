// Zero-shot image classification as in CLIP (Radford et al. 2021): each class is the mean of the unit text
// embeddings of its prompt templates, renormalised (the prompt ensemble); an image's scores are a softmax
// over cosine similarities divided by a temperature. Class embeddings are computed once per (model,
// labels, templates) and cached. Fusion models may re-rank the top k with their ITM head (ALBEF, Li et al.
// 2021, re-ranks retrieval candidates the same way).
import type { RgbImage } from '@vlp/vision';
import type { Embedder } from './embedder.js';
import { DEFAULT_TEMPLATES, fillTemplate } from './templates.js';

/**
 * One label of a prediction: softmax `score`, raw cosine `similarity`, and the ITM logit when re-ranked.
 *
 * @example
 * ```ts
 * const top: LabelScore = predictions[0].labels[0]; // { label: 'cat', score: 0.91, similarity: 0.31 }
 * ```
 */
export interface LabelScore {
  label: string;
  score: number;
  similarity: number;
  itm?: number;
}

/**
 * Top-k labels of one image, best first.
 *
 * @example
 * ```ts
 * const [p] = await zs.classify([image], { topK: 3 });
 * p.labels.map((l) => l.label); // ['cat', 'tiger', 'dog']
 * ```
 */
export interface ZeroShotPrediction {
  labels: LabelScore[];
}

/**
 * Options of {@link ZeroShotClassifier.create}.
 *
 * @example
 * ```ts
 * const opts: ZeroShotOptions = { labels: ['cat', 'dog'], templates: ['a photo of a {}.'], temperature: 0.01 };
 * ```
 */
export interface ZeroShotOptions {
  labels: readonly string[];
  /** Prompt templates with `{}` for the name (default {@link DEFAULT_TEMPLATES}). */
  templates?: readonly string[];
  /** Softmax temperature over cosines (default 0.01: CLIP's learned logit scale of 100). */
  temperature?: number;
  /** Where class embeddings are cached (default: a process-wide cache). */
  cache?: ClassEmbeddingCache;
  /** Re-rank this many top labels with `embedder.itmScores` when the embedder has one (default 0: off). */
  rerankTopK?: number;
}

/**
 * A small LRU cache of class embeddings keyed by model id, labels and templates.
 *
 * @example
 * ```ts
 * const cache = new ClassEmbeddingCache(4);
 * await ZeroShotClassifier.create(embedder, { labels, cache }); // computes
 * await ZeroShotClassifier.create(embedder, { labels, cache }); // cache.hits === 1
 * ```
 */
export class ClassEmbeddingCache {
  private readonly entries = new Map<string, Promise<Float32Array[]>>();
  hits = 0;
  misses = 0;
  constructor(readonly capacity = 16) {}

  /** The cached value for `key`, or `compute()` stored under it (failures are not cached). */
  get(key: string, compute: () => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const p = compute();
    p.catch(() => this.entries.delete(key));
    this.entries.set(key, p);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return p;
  }

  get size(): number {
    return this.entries.size;
  }
}

const _sharedCache = new ClassEmbeddingCache();

function _normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n;
  return v;
}

/**
 * Class embeddings by prompt ensembling: per label, the renormalised mean of its templates' unit text
 * embeddings. Texts are embedded in one call.
 *
 * @example
 * ```ts
 * const classes = await classEmbeddings(embedder, ['cat', 'dog'], DEFAULT_TEMPLATES); // 2 unit vectors
 * ```
 */
export async function classEmbeddings(
  embedder: Embedder,
  labels: readonly string[],
  templates: readonly string[] = DEFAULT_TEMPLATES,
): Promise<Float32Array[]> {
  if (templates.length === 0) throw new RangeError('at least one template is needed');
  const texts = labels.flatMap((l) => templates.map((t) => fillTemplate(t, l)));
  const embeds = await embedder.embedTexts(texts);
  return labels.map((_, c) => {
    const mean = new Float32Array(embedder.dim);
    for (let t = 0; t < templates.length; t++) {
      const e = embeds[c * templates.length + t];
      if (e === undefined)
        throw new Error(`embedder returned ${embeds.length} rows for ${texts.length} texts`);
      const unit = _normalise(Float32Array.from(e)); // ONNX towers may return unnormalised rows
      for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] ?? 0) + (unit[i] ?? 0);
    }
    return _normalise(mean);
  });
}

function _dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Softmax of `x / temperature`, stable. */
function _softmax(x: readonly number[], temperature: number): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp((v - m) / temperature));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/**
 * CLIP-style zero-shot classifier over a fixed label set.
 *
 * @example
 * ```ts
 * const zs = await ZeroShotClassifier.create(embedder, { labels: ['red', 'green', 'blue'] });
 * const { images } = await loadImages(paths, embedder.imageLoad);
 * const preds = await zs.classify(images, { topK: 2 }); // preds[i].labels[0].label
 * ```
 */
export class ZeroShotClassifier {
  private constructor(
    readonly embedder: Embedder,
    readonly labels: readonly string[],
    readonly templates: readonly string[],
    /** One unit vector per label. */
    readonly classEmbeds: readonly Float32Array[],
    readonly temperature: number,
    readonly rerankTopK: number,
  ) {}

  /** Embeds (or takes from the cache) the class prompts and returns the classifier. */
  static async create(embedder: Embedder, options: ZeroShotOptions): Promise<ZeroShotClassifier> {
    const labels = [...options.labels];
    if (labels.length === 0) throw new RangeError('at least one label is needed');
    if (new Set(labels).size !== labels.length) throw new RangeError('labels must be distinct');
    const templates = [...(options.templates ?? DEFAULT_TEMPLATES)];
    const temperature = options.temperature ?? 0.01;
    if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
    const cache = options.cache ?? _sharedCache;
    const key = JSON.stringify([embedder.id, labels, templates]);
    const classes = await cache.get(key, () => classEmbeddings(embedder, labels, templates));
    return new ZeroShotClassifier(embedder, labels, templates, classes, temperature, options.rerankTopK ?? 0);
  }

  /** Top-k labels from precomputed unit image embeddings (no ITM re-ranking: it needs pixels). */
  classifyEmbeddings(imageEmbeds: readonly Float32Array[], topK = 1): ZeroShotPrediction[] {
    const k = Math.max(1, Math.min(topK, this.labels.length));
    return imageEmbeds.map((img) => {
      const sims = this.classEmbeds.map((c) => _dot(img, c));
      const probs = _softmax(sims, this.temperature);
      const order = sims.map((_, i) => i).sort((a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b);
      return {
        labels: order.slice(0, k).map((i) => ({
          label: this.labels[i] ?? '',
          score: probs[i] ?? 0,
          similarity: sims[i] ?? 0,
        })),
      };
    });
  }

  /**
   * Embeds and classifies decoded images (decode them with `embedder.imageLoad`). With `rerankTopK` and an
   * embedder offering `itmScores`, the top `rerankTopK` labels are re-ordered by ITM logit and their
   * probability mass is redistributed by a softmax over those logits.
   */
  async classify(
    images: readonly RgbImage[],
    options: { topK?: number } = {},
  ): Promise<ZeroShotPrediction[]> {
    const topK = options.topK ?? 1;
    const r = this.embedder.itmScores ? Math.min(this.rerankTopK, this.labels.length) : 0;
    const preds = this.classifyEmbeddings(await this.embedder.embedImages(images), Math.max(topK, r));
    if (r > 1 && this.embedder.itmScores) {
      const prompts = this.labels.map((l) => fillTemplate(this.templates[0] ?? '{}', l));
      const itm = await this.embedder.itmScores(images, prompts); // [images][labels]
      preds.forEach((p, n) => {
        const head = p.labels.slice(0, r);
        const mass = head.reduce((s, l) => s + l.score, 0);
        const logits = head.map((l) => itm[n]?.[this.labels.indexOf(l.label)] ?? 0);
        const probs = _softmax(logits, 1);
        head.forEach((l, i) => {
          l.itm = logits[i] ?? 0;
          l.score = mass * (probs[i] ?? 0);
        });
        head.sort((a, b) => (b.itm ?? 0) - (a.itm ?? 0));
        p.labels = [...head, ...p.labels.slice(r)];
      });
    }
    for (const p of preds) p.labels = p.labels.slice(0, topK);
    return preds;
  }
}

// The one interface zero-shot classification, retrieval and folder labelling run on: an `Embedder` maps
// decoded images and texts to L2-normalised vectors in a shared space (CLIP, Radford et al. 2021; ALBEF's
// contrastive towers), says how images must be decoded for it, and may offer image-text matching scores
// for re-ranking (ALBEF's ITM head). `vlpEmbedder` adapts a @vlp/pretrain `VlpModel` + tokenizer to it; an
// ONNX tower pair implements the same interface.
import * as tf from '@tensorflow/tfjs-core';
import type { VlpModel } from '@vlp/pretrain';
import type { WordPieceTokenizer } from '@vlp/text';
import { imagesToTensor, type LoadImageOptions, type NormalizationSpec, type RgbImage } from '@vlp/vision';

/**
 * Images and texts to unit vectors of length `dim` in one space; cosine similarity is a dot product.
 *
 * @example
 * ```ts
 * const { images } = await loadImages(paths, embedder.imageLoad);
 * const [img] = await embedder.embedImages(images);
 * const [txt] = await embedder.embedTexts(['a photo of a dog.']);
 * const cosine = img.reduce((s, v, i) => s + v * (txt[i] ?? 0), 0);
 * ```
 */
export interface Embedder {
  /** Identifies the weights (cache key for text embeddings): a checkpoint path, a hash, a model name. */
  readonly id: string;
  /** Embedding length. */
  readonly dim: number;
  /** How images are decoded for this embedder (`loadImages(paths, embedder.imageLoad)`). */
  readonly imageLoad: LoadImageOptions;
  /** One unit vector per image, in order. */
  embedImages(images: readonly RgbImage[]): Promise<Float32Array[]>;
  /** One unit vector per text, in order. */
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * Optional image-text matching logits `[images][texts]` (higher = better match), for fusion models whose
   * ITM head re-ranks the contrastive top k.
   */
  itmScores?(images: readonly RgbImage[], texts: readonly string[]): Promise<Float32Array[]>;
}

/**
 * Options of {@link vlpEmbedder}.
 *
 * @example
 * ```ts
 * const opts: VlpEmbedderOptions = { model, tokenizer, id: 'runs/albef-tiny/step-200' };
 * ```
 */
export interface VlpEmbedderOptions {
  model: VlpModel;
  tokenizer: WordPieceTokenizer;
  /** Cache key of these weights (default: the recipe name, fine while one model is loaded). */
  id?: string;
  /** Images or texts per forward pass (default 64). */
  batchSize?: number;
}

function _rows(t: tf.Tensor2D): Float32Array[] {
  const [n, d] = t.shape;
  const flat = t.dataSync() as Float32Array;
  return Array.from({ length: n }, (_, i) => flat.slice(i * d, (i + 1) * d));
}

async function _chunked<T>(
  items: readonly T[],
  size: number,
  fn: (chunk: readonly T[]) => Float32Array[],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...fn(items.slice(i, i + size)));
  return out;
}

/**
 * Adapts a pre-trained {@link VlpModel} (any recipe with contrastive towers) and its tokenizer to
 * {@link Embedder}: images are padded to the vision tower's size with its normalisation, texts are
 * tokenised to the recipe's `maxLength`. `itmScores` is present when the recipe has an ITM head. Every
 * tensor is created and disposed inside the calls.
 *
 * @example
 * ```ts
 * const model = createModel('albef-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 8 });
 * const embedder = vlpEmbedder({ model, tokenizer: tok });
 * const zs = await ZeroShotClassifier.create(embedder, { labels: ['cat', 'dog'] });
 * ```
 */
export function vlpEmbedder(options: VlpEmbedderOptions): Embedder {
  const { model, tokenizer } = options;
  const cfg = model.towers.vision.config;
  const normalization: NormalizationSpec = cfg.normalization;
  const maxLength = model.recipe.maxLength;
  const batchSize = options.batchSize ?? 64;
  model.eval();
  const tokens = (texts: readonly string[]) => {
    const enc = tokenizer.encodeBatch([...texts], { maxLength, padding: 'max_length' });
    return {
      ids: tf.tensor2d(enc.inputIds, enc.shape, 'int32'), // [B, T]
      mask: tf.tensor2d(enc.attentionMask, enc.shape, 'int32'), // [B, T]
    };
  };
  const embedder: Embedder = {
    id: options.id ?? `vlp:${model.recipe.name}`,
    dim: model.recipe.embedDim,
    imageLoad: { imageSize: cfg.imageSize, resize: 'pad' },
    embedImages: (images) =>
      _chunked(images, batchSize, (chunk) =>
        tf.tidy(() => _rows(model.embedImages(imagesToTensor(chunk, normalization)))),
      ),
    embedTexts: (texts) =>
      _chunked(texts, batchSize, (chunk) =>
        tf.tidy(() => {
          const { ids, mask } = tokens(chunk);
          return _rows(model.embedTexts(ids, mask));
        }),
      ),
  };
  if (model.itmHead === undefined) return embedder;
  return {
    ...embedder,
    itmScores: async (images, texts) =>
      tf.tidy(() => {
        const { ids, mask } = tokens(texts);
        return _rows(model.itmScore(imagesToTensor(images, normalization), ids, mask)); // [Bi, Bt]
      }),
  };
}

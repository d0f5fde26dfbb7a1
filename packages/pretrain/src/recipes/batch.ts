// Turns CorpusReader batches into the tensors the recipes train on: images decoded with @vlp/vision at the
// image tower's size and normalisation, captions tokenised (WordPiece trained on the corpus captions or
// passed in) and masked as BERT does (Devlin et al. 2019; 15%, 80/10/10), and UNIMO-2's unaligned samples
// (Li et al. 2022): two augmented views per image alone, masked texts alone.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@vlp/tensor-core';
import { maskTokens, trainWordPiece, type WordPieceTokenizer } from '@vlp/text';
import { imagesToTensor, loadImage, type RgbImage, twoViews } from '@vlp/vision';
import type { CorpusBatch, ImageRef } from '../corpus/index.js';
import type { VlpBatch, VlpModel } from './model.js';

/**
 * Options of {@link createBatchBuilder}.
 * @example
 * ```ts
 * const opts: BatchBuilderOptions = { tokenizer, readImage: (ref) => reader.readImage(ref), rng: rng.fork('data') };
 * ```
 */
export interface BatchBuilderOptions {
  tokenizer: WordPieceTokenizer;
  /** Bytes of an image reference (`CorpusReader.readImage`). */
  readImage: (ref: ImageRef) => Promise<Uint8Array>;
  /** Seeded source of MLM masks and augmentations. */
  rng: Rng;
}

/**
 * A WordPiece tokenizer trained on the corpus captions (and texts), the recipes' default.
 * @example
 * ```ts
 * const tok = trainCaptionTokenizer(manifest.pairs.flatMap((p) => p.captions), 1000);
 * ```
 */
export function trainCaptionTokenizer(texts: Iterable<string>, vocabSize: number): WordPieceTokenizer {
  return trainWordPiece(texts, { vocabSize, minFrequency: 1 }).tokenizer;
}

/**
 * Returns `build(corpusBatch) -> VlpBatch` for a model's recipe: decoded images are cached by content hash
 * (decoding dominates small runs), so each image is read and resized once.
 * @example
 * ```ts
 * const build = createBatchBuilder(model, { tokenizer, readImage: (r) => reader.readImage(r), rng });
 * const data = mapData(reader, build); // ResumableData<VlpBatch> for the Trainer
 * ```
 */
export function createBatchBuilder(
  model: VlpModel,
  opts: BatchBuilderOptions,
): (batch: CorpusBatch) => Promise<VlpBatch> {
  const cfg = model.towers.vision.config;
  const size = cfg.imageSize;
  const norm = cfg.normalization;
  const maxLength = model.recipe.maxLength;
  const tok = opts.tokenizer;
  const cache = new Map<string, Promise<RgbImage>>();
  const rawCache = new Map<string, Promise<RgbImage>>();
  const image = (ref: ImageRef, sha: string, raw: boolean): Promise<RgbImage> => {
    const c = raw ? rawCache : cache;
    let p = c.get(sha);
    if (p === undefined) {
      p = opts
        .readImage(ref)
        .then((bytes) =>
          loadImage(bytes, raw ? { maxShortSide: 2 * size } : { imageSize: size, resize: 'pad' }),
        );
      c.set(sha, p);
    }
    return p;
  };
  const encode = (texts: string[]) => {
    const enc = tok.encodeBatch(texts, { maxLength, padding: 'max_length' });
    const masked = maskTokens(enc.inputIds, {
      vocabSize: tok.vocabSize,
      specialIds: tok.allSpecialIds,
      maskId: tok.specialIds.mask,
      attentionMask: enc.attentionMask,
      probability: model.recipe.mlmProb,
      rng: opts.rng,
    });
    const shape = enc.shape;
    return {
      inputIds: tf.tensor2d(enc.inputIds, shape, 'int32'),
      attentionMask: tf.tensor2d(enc.attentionMask, shape, 'int32'),
      mlmInputIds: tf.tensor2d(masked.inputIds, shape, 'int32'),
      mlmLabels: tf.tensor2d(masked.labels, shape, 'int32'),
    };
  };
  return async (batch) => {
    if (batch.pairs.length === 0) throw new Error('createBatchBuilder: every batch needs aligned pairs');
    const imgs = await Promise.all(batch.pairs.map((p) => image(p.image, p.sha256, false)));
    const pixels = imagesToTensor(imgs, norm); // [B, H, W, 3]
    const out: VlpBatch = { pixels, ...encode(batch.pairs.map((p) => p.caption)) } as VlpBatch;
    if (batch.images.length > 1 && (model.recipe.objectives.vcl ?? 0) > 0) {
      const views: RgbImage[][] = [];
      for (const im of batch.images)
        views.push(await twoViews(await image(im.image, im.sha256, true), opts.rng, { size }));
      out.viewA = imagesToTensor(
        views.map((v) => v[0] as RgbImage),
        norm,
      ); // [Bi, H, W, 3]
      out.viewB = imagesToTensor(
        views.map((v) => v[1] as RgbImage),
        norm,
      ); // [Bi, H, W, 3]
    }
    if (batch.texts.length > 0 && (model.recipe.objectives.mlm_text ?? 0) > 0) {
      const t = encode(batch.texts.map((x) => x.text));
      out.textMlmInputIds = t.mlmInputIds;
      out.textMlmLabels = t.mlmLabels;
      out.textAttentionMask = t.attentionMask;
      tf.dispose([t.inputIds]);
    }
    return out;
  };
}

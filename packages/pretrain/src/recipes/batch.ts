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
  /**
   * Called once per image that can no longer be read or decoded (moved, truncated or replaced since
   * ingest). The batch keeps its size: the bad pair is replaced by the first good pair of the same batch
   * (image and caption together), an unaligned image is dropped. Default: `console.warn` naming the file.
   */
  onBadImage?: (bad: { ref: ImageRef; sha256: string; error: unknown }) => void;
}

function _where(ref: ImageRef): string {
  return 'path' in ref ? ref.path : `${ref.shard}:${ref.member}`;
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
  const reported = new Set<string>();
  const onBad =
    opts.onBadImage ??
    ((b: { ref: ImageRef; error: unknown }) =>
      console.warn(
        `skipping image ${_where(b.ref)}: ${b.error instanceof Error ? b.error.message : String(b.error)}`,
      ));
  /** Settles every image; reports each failing one once (its rejected promise stays cached: no re-read). */
  const settle = async <T extends { image: ImageRef; sha256: string }>(items: readonly T[], raw: boolean) => {
    const out = await Promise.allSettled(items.map((it) => image(it.image, it.sha256, raw)));
    return out.map((r, i) => {
      if (r.status === 'fulfilled') return r.value;
      const it = items[i] as T;
      if (!reported.has(it.sha256)) {
        reported.add(it.sha256);
        onBad({ ref: it.image, sha256: it.sha256, error: r.reason });
      }
      return undefined;
    });
  };
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
    const got = await settle(batch.pairs, false);
    const good = got.findIndex((g) => g !== undefined);
    if (good < 0) {
      const where = batch.pairs.map((p) => _where(p.image)).join(', ');
      throw new Error(
        `createBatchBuilder: no image of this batch can be read (${where}); is the corpus still there?`,
      );
    }
    // A bad pair becomes a copy of the first good one, image and caption together, so B holds.
    const pairs = batch.pairs.map((p, i) => (got[i] === undefined ? (batch.pairs[good] as typeof p) : p));
    const imgs = got.map((g) => g ?? (got[good] as RgbImage));
    const pixels = imagesToTensor(imgs, norm); // [B, H, W, 3]
    const out: VlpBatch = { pixels, ...encode(pairs.map((p) => p.caption)) } as VlpBatch;
    const vcl = batch.images.length > 1 && (model.recipe.objectives.vcl ?? 0) > 0;
    const rawImages = vcl
      ? (await settle(batch.images, true)).filter((g): g is RgbImage => g !== undefined)
      : [];
    if (rawImages.length > 1) {
      const views: RgbImage[][] = [];
      for (const im of rawImages) views.push(await twoViews(im, opts.rng, { size }));
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

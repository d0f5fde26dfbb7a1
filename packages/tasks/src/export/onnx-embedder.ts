// An `Embedder` on a pair of ONNX towers (CLIP-style two-tower inference, Radford et al. 2021): images are
// decoded at the image sidecar's size and resize mode, normalised with its statistics and fed in batches;
// texts are tokenised to the text sidecar's length. Works for our exported towers and for a user's image /
// text encoder pair described by hand-written sidecars plus its tokenizer file: WordPiece (tokenizer.json or
// vocab.txt), CLIP's BPE (tokenizer.json or vocab.json + merges.txt), or any object with `encodeBatch`.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tokenizerFromJson, WordPieceTokenizer } from '@vlp/text';
import { normalizeInto, type RgbImage } from '@vlp/vision';
import type { Embedder } from '../zeroshot/embedder.js';
import { ClipTokenizer } from './clip-tokenizer.js';
import { OnnxTower, type OnnxTowerOptions, type TokenBatch } from './onnx-tower.js';

/**
 * What the text side needs from a tokenizer (a `WordPieceTokenizer` has it; wrap any other, e.g. a BPE).
 *
 * @example
 * ```ts
 * const tok: TextTokenizer = WordPieceTokenizer.fromVocabTxt(vocab);
 * ```
 */
export interface TextTokenizer {
  encodeBatch(texts: string[], options: { maxLength: number; padding: 'max_length' | 'longest' }): TokenBatch;
}

/**
 * An {@link Embedder} backed by ONNX towers; `dispose()` frees both sessions.
 *
 * @example
 * ```ts
 * const e: OnnxEmbedder = await loadOnnxEmbedder('out/albef-onnx');
 * await e.dispose();
 * ```
 */
export interface OnnxEmbedder extends Embedder {
  readonly image: OnnxTower;
  readonly text: OnnxTower;
  dispose(): Promise<void>;
}

/**
 * Options of {@link onnxEmbedder}.
 *
 * @example
 * ```ts
 * const opts: OnnxEmbedderOptions = { image, text, tokenizer: tok, batchSize: 64 };
 * ```
 */
export interface OnnxEmbedderOptions {
  image: OnnxTower;
  text: OnnxTower;
  tokenizer: TextTokenizer;
  /** Cache key of these weights (default: a hash of both models' bytes and sidecars). */
  id?: string;
  /** Images or texts per run (default 64). */
  batchSize?: number;
}

/**
 * Reads a tokenizer file: a BERT `vocab.txt`, CLIP's `vocab.json` (+ `merges.txt` beside it), or a Hugging
 * Face `tokenizer.json` (a WordPiece model, or CLIP's BPE); errors name the file.
 *
 * @example
 * ```ts
 * const tok = await loadTokenizerFile('out/albef-onnx/tokenizer.json');
 * ```
 */
export async function loadTokenizerFile(path: string): Promise<TextTokenizer> {
  if (path.endsWith('vocab.json')) return ClipTokenizer.fromFile(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read tokenizer '${path}': ${(err as Error).message}`);
  }
  if (!path.endsWith('.txt') && /"type"\s*:\s*"BPE"/.test(text)) return ClipTokenizer.fromFile(path);
  try {
    return path.endsWith('.txt') ? WordPieceTokenizer.fromVocabTxt(text) : tokenizerFromJson(text);
  } catch (err) {
    throw new Error(`invalid tokenizer '${path}': ${(err as Error).message}`);
  }
}

/**
 * Wraps an image tower and a text tower (same embedding size) and a tokenizer as an {@link Embedder}.
 *
 * @example
 * ```ts
 * const embedder = onnxEmbedder({
 *   image: await OnnxTower.load('clip/image.onnx'),
 *   text: await OnnxTower.load('clip/text.onnx'),
 *   tokenizer: await loadTokenizerFile('clip/vocab.txt'),
 * });
 * const zs = await ZeroShotClassifier.create(embedder, { labels: ['cat', 'dog'] });
 * ```
 */
export function onnxEmbedder(options: OnnxEmbedderOptions): OnnxEmbedder {
  const { image, text, tokenizer } = options;
  const img = image.sidecar.image;
  const txt = text.sidecar.text;
  if (image.sidecar.kind !== 'image' || img === undefined)
    throw new Error(`'${image.path}' is not an image tower`);
  if (text.sidecar.kind !== 'text' || txt === undefined)
    throw new Error(`'${text.path}' is not a text tower`);
  if (image.dim !== text.dim) {
    throw new Error(
      `ONNX towers disagree: '${image.path}' embeds to ${image.dim}, '${text.path}' to ${text.dim}`,
    );
  }
  const vocab = (tokenizer as { vocabSize?: unknown }).vocabSize;
  if (typeof vocab === 'number' && vocab > txt.vocabSize) {
    throw new Error(`tokenizer has ${vocab} tokens, more than the ${txt.vocabSize} of '${text.path}'`);
  }
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const norm = { mean: img.normalization.mean, std: img.normalization.std };
  const per = img.size * img.size * 3;
  const id =
    options.id ??
    `onnx:${createHash('sha256')
      .update(JSON.stringify([image.digest, text.digest, image.sidecar, text.sidecar]))
      .digest('hex')
      .slice(0, 16)}`;
  const embedImages = async (images: readonly RgbImage[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < images.length; i += batchSize) {
      const chunk = images.slice(i, i + batchSize);
      const buf = new Float32Array(chunk.length * per);
      chunk.forEach((im, k) => {
        if (im.width !== img.size || im.height !== img.size) {
          throw new Error(
            `image ${i + k} is ${im.width}x${im.height}; '${image.path}' takes ${img.size}x${img.size}`,
          );
        }
        normalizeInto(im, buf, k * per, norm);
      });
      out.push(...(await image.embedPixels(buf, chunk.length)));
    }
    return out;
  };
  const embedTexts = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const enc = tokenizer.encodeBatch(texts.slice(i, i + batchSize), {
        maxLength: txt.maxLength,
        padding: txt.padding,
      });
      out.push(...(await text.embedTokens(enc)));
    }
    return out;
  };
  return {
    id,
    dim: image.dim,
    imageLoad: { imageSize: img.size, resize: img.resize },
    image,
    text,
    embedImages,
    embedTexts,
    dispose: async () => {
      await image.dispose();
      await text.dispose();
    },
  };
}

/**
 * Where {@link loadOnnxEmbedder} finds the towers: a directory holding `image.onnx` and `text.onnx` (as
 * `exportTowers` writes it), or explicit paths.
 *
 * @example
 * ```ts
 * const src: OnnxEmbedderSource = { image: 'clip/visual.onnx', text: 'clip/textual.onnx', tokenizer: 'clip/vocab.txt' };
 * ```
 */
export type OnnxEmbedderSource = string | { image: string; text: string; tokenizer?: string };

/**
 * Loads an ONNX tower pair and its tokenizer (the text sidecar's `text.tokenizer` unless `tokenizer` is
 * given as a path in `source` or as an object in `options`).
 *
 * @example
 * ```ts
 * const embedder = await loadOnnxEmbedder('out/albef-onnx');
 * const summary = await labelFolder({ dir: 'photos', embedder, labels: ['cat', 'dog'], output: 'labels.csv' });
 * await embedder.dispose();
 * ```
 */
export async function loadOnnxEmbedder(
  source: OnnxEmbedderSource,
  options: OnnxTowerOptions & { batchSize?: number; tokenizer?: TextTokenizer; id?: string } = {},
): Promise<OnnxEmbedder> {
  const paths =
    typeof source === 'string'
      ? { image: join(source, 'image.onnx'), text: join(source, 'text.onnx') }
      : source;
  const image = await OnnxTower.load(paths.image, options);
  let text: OnnxTower;
  try {
    text = await OnnxTower.load(paths.text, options);
  } catch (err) {
    await image.dispose();
    throw err;
  }
  try {
    let tokenizer = options.tokenizer;
    if (tokenizer === undefined) {
      const rel = typeof source === 'string' ? undefined : source.tokenizer;
      const file =
        rel ??
        (text.sidecar.text?.tokenizer ? join(dirname(paths.text), text.sidecar.text.tokenizer) : undefined);
      if (file === undefined) {
        throw new Error(`no tokenizer for '${paths.text}': set text.tokenizer in its sidecar or pass one`);
      }
      tokenizer = await loadTokenizerFile(file);
    }
    const opts: OnnxEmbedderOptions = { image, text, tokenizer };
    if (options.batchSize !== undefined) opts.batchSize = options.batchSize;
    if (options.id !== undefined) opts.id = options.id;
    return onnxEmbedder(opts);
  } catch (err) {
    await image.dispose();
    await text.dispose();
    throw err;
  }
}

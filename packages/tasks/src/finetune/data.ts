// Task data as stacked tensors: decoded, normalised images and tokenised texts for a small fine-tuning
// set held in memory (the sets here are thousands of images at most), with targets: int32 class labels
// [N] for single-label tasks, float32 scores [N, C] for VQA's soft targets.
import * as tf from '@tensorflow/tfjs-core';
import type { VlpModel } from '@vlp/pretrain';
import type { WordPieceTokenizer } from '@vlp/text';
import type { ImageEncoder } from '@vlp/vision';
import { type _ImageSpec, _loadPixels } from './_images.js';
import type { LabelledImage } from './folder.js';
import type { TaskInputs } from './models.js';
import type { Nlvr2Example } from './nlvr2.js';
import { type AnswerVocab, type VqaQuestion, vqaTargets } from './vqa.js';

/**
 * A task's examples as tensors; `targets` are int32 labels [N] or float32 soft scores [N, C]. The owner
 * disposes them with {@link disposeTaskData}.
 * @example
 * ```ts
 * const data: TaskData = { inputs: { pixels }, targets: tf.tensor1d([0, 2, 1], 'int32') };
 * ```
 */
export interface TaskData {
  inputs: TaskInputs;
  targets: tf.Tensor;
}

/**
 * Frees every tensor of a {@link TaskData}.
 * @example
 * ```ts
 * disposeTaskData(train);
 * ```
 */
export function disposeTaskData(data: TaskData): void {
  tf.dispose([...Object.values(data.inputs), data.targets]);
}

/** How images are decoded for a VlpModel's or an encoder's vision tower. */
function _spec(tower: VlpModel | ImageEncoder): _ImageSpec {
  const cfg = 'towers' in tower ? tower.towers.vision.config : tower.config;
  return { imageSize: cfg.imageSize, normalization: cfg.normalization };
}

function _tokens(tokenizer: WordPieceTokenizer, texts: readonly string[], maxLength: number): TaskInputs {
  const enc = tokenizer.encodeBatch([...texts], { maxLength, padding: 'max_length' });
  return {
    inputIds: tf.tensor2d(enc.inputIds, enc.shape, 'int32'), // [N, T]
    attentionMask: tf.tensor2d(enc.attentionMask, enc.shape, 'int32'), // [N, T]
  };
}

/**
 * Folder-per-class images as `{ pixels }` [N, S, S, 3] and int32 labels, decoded for `tower`. Throws
 * naming the files that could not be decoded.
 * @example
 * ```ts
 * const train = await imageClassificationData(split.train, model.towers.vision);
 * ```
 */
export async function imageClassificationData(
  items: readonly LabelledImage[],
  tower: VlpModel | ImageEncoder,
): Promise<TaskData> {
  const pixels = await _loadPixels(
    items.map((i) => i.path),
    _spec(tower),
  );
  return { inputs: { pixels }, targets: tf.tensor1d(Int32Array.from(items.map((i) => i.label)), 'int32') };
}

/**
 * VQA questions as `{ pixels, inputIds, attentionMask }` and targets [N, answers] ({@link vqaTargets}).
 * @example
 * ```ts
 * const train = await vqaData(questions, vocab, model, tokenizer);
 * ```
 */
export async function vqaData(
  questions: readonly VqaQuestion[],
  vocab: AnswerVocab,
  model: VlpModel,
  tokenizer: WordPieceTokenizer,
  opts: { targets?: 'soft' | 'top' } = {},
): Promise<TaskData> {
  const pixels = await _loadPixels(
    questions.map((q) => q.imagePath),
    _spec(model),
  );
  const a = vocab.answers.length;
  const scores = new Float32Array(questions.length * a);
  questions.forEach((q, i) => {
    scores.set(vqaTargets(q, vocab, opts.targets ?? 'soft'), i * a);
  });
  return {
    inputs: {
      pixels,
      ..._tokens(
        tokenizer,
        questions.map((q) => q.question),
        model.recipe.maxLength,
      ),
    },
    targets: tf.tensor2d(scores, [questions.length, a]), // [N, A]
  };
}

/**
 * NLVR2 examples as `{ pixelsLeft, pixelsRight, inputIds, attentionMask }` and int32 labels (1 = true).
 * @example
 * ```ts
 * const dev = await nlvr2Data(loadNlvr2({ file, imageRoot }), model, tokenizer);
 * ```
 */
export async function nlvr2Data(
  examples: readonly Nlvr2Example[],
  model: VlpModel,
  tokenizer: WordPieceTokenizer,
): Promise<TaskData> {
  const spec = _spec(model);
  const pixelsLeft = await _loadPixels(
    examples.map((e) => e.images[0]),
    spec,
  );
  const pixelsRight = await _loadPixels(
    examples.map((e) => e.images[1]),
    spec,
  ).catch((err: unknown) => {
    pixelsLeft.dispose();
    throw err;
  });
  return {
    inputs: {
      pixelsLeft,
      pixelsRight,
      ..._tokens(
        tokenizer,
        examples.map((e) => e.sentence),
        model.recipe.maxLength,
      ),
    },
    targets: tf.tensor1d(Int32Array.from(examples.map((e) => (e.label ? 1 : 0))), 'int32'),
  };
}

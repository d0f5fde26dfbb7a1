// Task models for fine-tuning: a frozen (or not) pre-trained backbone plus a task head, each mapping named
// input tensors to logits. ImageClassifier: an image tower's [CLS] feature (optionally through CAVL's
// Adapter I) -> Linear. VqaClassifier: VQA as classification over an answer vocabulary from the joint
// feature [e_img, e_txt, e_img * e_txt] of a VlpModel's contrastive embeddings -> MLP (the two-tower
// analogue of the ALBEF/SOHO answer classifiers over a fused [CLS]). PairClassifier: NLVR2's two images
// and a sentence -> [e_l * e_t, e_r * e_t, e_l, e_r, e_t] -> MLP -> {false, true}. The head is always the
// child `head`, so `freezeExcept` keeps it trainable.
import * as tf from '@tensorflow/tfjs-core';
import type { VlpModel } from '@vlp/pretrain';
import { GELU, Linear, Module, Rng, Sequential } from '@vlp/tensor-core';
import type { ImageEncoder } from '@vlp/vision';
import { AdapterI, pooledPixels } from '../adapters/adapter-i.js';

/**
 * Named input tensors of a task batch; the first axis of each is the batch.
 * @example
 * ```ts
 * const inputs: TaskInputs = { pixels, inputIds, attentionMask };
 * ```
 */
export type TaskInputs = Record<string, tf.Tensor>;

/**
 * A model that maps a batch of {@link TaskInputs} to logits [B, C]; what {@link fineTune} trains.
 * @example
 * ```ts
 * class Linear1 extends TaskModel {
 *   readonly head = this.registerModule('head', new Linear(4, 2));
 *   forward(inputs: TaskInputs) { return this.head.forward(inputs.x as tf.Tensor); }
 * }
 * ```
 */
export abstract class TaskModel extends Module {
  /** Logits [B, C] for a batch. */
  abstract forward(inputs: TaskInputs): tf.Tensor2D;
}

function _input(inputs: TaskInputs, name: string, model: string): tf.Tensor {
  const t = inputs[name];
  if (t === undefined)
    throw new Error(`${model}: missing input "${name}" (got ${Object.keys(inputs).join(', ')})`);
  return t;
}

function _mlp(inDim: number, hidden: number, out: number, rng: Rng): Sequential {
  return new Sequential([
    new Linear(inDim, hidden, { rng: rng.fork('fc1') }),
    new GELU(),
    new Linear(hidden, out, { rng: rng.fork('fc2') }),
  ]);
}

/**
 * Options of {@link ImageClassifier}.
 * @example
 * ```ts
 * const opts: ImageClassifierOptions = { numClasses: 9, adapterI: { hidden: 16, grid: 4 }, rng: new Rng(0) };
 * ```
 */
export interface ImageClassifierOptions {
  numClasses: number;
  /** Add CAVL's Adapter I: a shortcut over `grid` x `grid` pooled pixels merged with the [CLS] feature. */
  adapterI?: { hidden?: number; grid?: number };
  rng?: Rng;
}

/**
 * Image classification: `encoder` (any @vlp/vision tower, e.g. a VlpModel's `towers.vision`) -> [CLS]
 * [B, D] -> (Adapter I) -> `head` Linear -> logits [B, numClasses]. Input: `{ pixels }`.
 * @example
 * ```ts
 * const clf = new ImageClassifier(model.towers.vision, { numClasses: 9 });
 * attachAdapterII(clf.encoder);
 * freezeExcept(clf);
 * const logits = clf.forward({ pixels }); // [B, 9]
 * ```
 */
export class ImageClassifier extends TaskModel {
  readonly encoder: ImageEncoder;
  readonly adapterI: AdapterI | undefined;
  readonly head: Linear;
  private readonly grid: number;

  constructor(encoder: ImageEncoder, opts: ImageClassifierOptions) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.encoder = this.registerModule('encoder', encoder);
    this.grid = opts.adapterI?.grid ?? 4;
    this.adapterI = opts.adapterI
      ? this.registerModule(
          'adapterI',
          new AdapterI({
            featureDim: encoder.dim,
            inputDim: 3 * this.grid * this.grid,
            hidden: opts.adapterI.hidden,
            rng: rng.fork('adapterI'),
          }),
        )
      : undefined;
    this.head = this.registerModule(
      'head',
      new Linear(encoder.dim, opts.numClasses, { rng: rng.fork('head') }),
    );
  }

  forward(inputs: TaskInputs): tf.Tensor2D {
    const pixels = _input(inputs, 'pixels', 'ImageClassifier') as tf.Tensor4D;
    return tf.tidy(() => {
      let f = this.encoder.forward(pixels).cls; // [B, D]
      if (this.adapterI) f = this.adapterI.forward(f, pooledPixels(pixels, this.grid)) as tf.Tensor2D; // [B, D]
      return this.head.forward(f) as tf.Tensor2D; // [B, C]
    });
  }
}

/**
 * VQA as classification: inputs `{ pixels, inputIds, attentionMask }` -> answer logits [B, numAnswers]
 * from `backbone`'s contrastive embeddings. Train with soft targets ({@link vqaTargets}).
 * @example
 * ```ts
 * const vqa = new VqaClassifier(model, { numAnswers: vocab.answers.length });
 * attachAdapterII(vqa.backbone.towers);
 * freezeExcept(vqa);
 * ```
 */
export class VqaClassifier extends TaskModel {
  readonly backbone: VlpModel;
  readonly head: Sequential;

  constructor(backbone: VlpModel, opts: { numAnswers: number; hidden?: number; rng?: Rng }) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.backbone = this.registerModule('backbone', backbone);
    const e = backbone.recipe.embedDim;
    this.head = this.registerModule(
      'head',
      _mlp(3 * e, opts.hidden ?? 2 * e, opts.numAnswers, rng.fork('head')),
    );
  }

  forward(inputs: TaskInputs): tf.Tensor2D {
    const pixels = _input(inputs, 'pixels', 'VqaClassifier') as tf.Tensor4D;
    const ids = _input(inputs, 'inputIds', 'VqaClassifier');
    const mask = _input(inputs, 'attentionMask', 'VqaClassifier');
    return tf.tidy(() => {
      const ei = this.backbone.embedImages(pixels); // [B, E]
      const et = this.backbone.embedTexts(ids, mask); // [B, E]
      return this.head.forward(tf.concat([ei, et, tf.mul(ei, et)], 1)) as tf.Tensor2D; // [B, A]
    });
  }
}

/**
 * NLVR2-style pair classification: inputs `{ pixelsLeft, pixelsRight, inputIds, attentionMask }` ->
 * logits [B, 2] (index 1 = the sentence is true of the pair).
 * @example
 * ```ts
 * const nlvr = new PairClassifier(model);
 * const logits = nlvr.forward({ pixelsLeft, pixelsRight, inputIds, attentionMask }); // [B, 2]
 * ```
 */
export class PairClassifier extends TaskModel {
  readonly backbone: VlpModel;
  readonly head: Sequential;

  constructor(backbone: VlpModel, opts: { hidden?: number; rng?: Rng } = {}) {
    super();
    const rng = opts.rng ?? new Rng(0);
    this.backbone = this.registerModule('backbone', backbone);
    const e = backbone.recipe.embedDim;
    this.head = this.registerModule('head', _mlp(5 * e, opts.hidden ?? 2 * e, 2, rng.fork('head')));
  }

  forward(inputs: TaskInputs): tf.Tensor2D {
    const left = _input(inputs, 'pixelsLeft', 'PairClassifier') as tf.Tensor4D;
    const right = _input(inputs, 'pixelsRight', 'PairClassifier') as tf.Tensor4D;
    const ids = _input(inputs, 'inputIds', 'PairClassifier');
    const mask = _input(inputs, 'attentionMask', 'PairClassifier');
    return tf.tidy(() => {
      const el = this.backbone.embedImages(left); // [B, E]
      const er = this.backbone.embedImages(right); // [B, E]
      const et = this.backbone.embedTexts(ids, mask); // [B, E]
      const joint = tf.concat([tf.mul(el, et), tf.mul(er, et), el, er, et], 1); // [B, 5E]
      return this.head.forward(joint) as tf.Tensor2D; // [B, 2]
    });
  }
}

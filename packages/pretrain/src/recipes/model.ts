// One model class for the five recipes: image and text towers with contrastive projections (ALBEF, CAVL,
// UNIMO-2), a fusion transformer (cross-attention for ALBEF, single-stream for SOHO / Pixel-BERT, grounded
// for UNIMO-2), an ITM head, an MLM head tied to the word embeddings, SOHO's visual dictionary with an MVM
// head, and ALBEF's momentum towers and queues. `lossFn(batch, step)` runs the recipe's objectives for the
// Trainer. Papers: ALBEF (Li et al., NeurIPS 2021), SOHO (Huang et al., CVPR 2021), UNIMO-2 (Li et al., ACL
// Findings 2022), Pixel-BERT (Huang et al., 2020), CAVL (Xu et al., 2023).
import * as tf from '@tensorflow/tfjs-core';
import { createFusion, type FusionModel, type FusionOutputs, VisualDictionary } from '@vlp/fusion';
import { Linear, Module, Rng } from '@vlp/tensor-core';
import { type BertEncoder, createTextEncoder, MlmHead } from '@vlp/text';
import { createImageEncoder, type ImageEncoder, RandomPixelSampler } from '@vlp/vision';
import {
  alphaRamp,
  FeatureQueue,
  itcLoss,
  itmLoss,
  l2Normalize,
  MomentumModel,
  mlmLoss,
  mvmLoss,
  mvmMask,
  type ObjectiveOutput,
  pwclLoss,
  sampleRandomNegatives,
  Temperature,
  textMlmLoss,
  visualContrastiveLoss,
} from '../objectives/index.js';
import type { LossOutput, TensorState } from '../trainer/index.js';
import { _hardNegativesSync } from './_sampling.js';
import { getRecipe, parseRecipe, type Recipe, type RecipeOverrides } from './config.js';

/**
 * What the recipes train on (built by {@link createBatchBuilder}); tensors the Trainer disposes after a step.
 * `view*` are two augmented views of image-only samples (UNIMO-2), `text*` texts alone (UNIMO-2).
 * @example
 * ```ts
 * const batch: VlpBatch = await build(await reader.next());
 * const { losses } = model.lossFn(batch, 0);
 * ```
 */
export type VlpBatch = {
  /** [B, H, W, 3] normalised pixels of the pairs. */
  pixels: tf.Tensor4D;
  /** [B, T] int32 caption ids. */
  inputIds: tf.Tensor2D;
  /** [B, T] 1 = token. */
  attentionMask: tf.Tensor2D;
  /** [B, T] int32 ids after BERT masking. */
  mlmInputIds: tf.Tensor2D;
  /** [B, T] int32 original ids at masked positions, -100 elsewhere. */
  mlmLabels: tf.Tensor2D;
  /** [Bi, H, W, 3] first view of image-only samples. */
  viewA?: tf.Tensor4D;
  /** [Bi, H, W, 3] second view. */
  viewB?: tf.Tensor4D;
  /** [Bt, T] masked ids of text-only samples. */
  textMlmInputIds?: tf.Tensor2D;
  /** [Bt, T] labels of text-only samples. */
  textMlmLabels?: tf.Tensor2D;
  /** [Bt, T] mask of text-only samples. */
  textAttentionMask?: tf.Tensor2D;
};

/** The towers the momentum model copies: image and text encoders and their projections. */
class _Towers extends Module {
  readonly vision: ImageEncoder;
  readonly text: BertEncoder;
  /** Undefined when the recipe says `imageProjection: false` (the tower's `cls` is the embedding). */
  readonly visionProj: Linear | undefined;
  readonly textProj: Linear;
  constructor(recipe: Recipe, vocabSize: number, rng: Rng) {
    super();
    try {
      this.vision = this.registerModule(
        'vision',
        createImageEncoder(recipe.image.name, recipe.image.overrides, rng.fork('vision')),
      );
      this.text = this.registerModule(
        'text',
        createTextEncoder(recipe.text.name, { ...recipe.text.overrides, vocabSize }, rng.fork('text')),
      );
      if (recipe.imageProjection === false) {
        if (this.vision.dim !== recipe.embedDim)
          throw new Error(
            `recipe '${recipe.name}': imageProjection false needs the image tower's dim (${this.vision.dim}) to equal embedDim (${recipe.embedDim})`,
          );
        this.visionProj = undefined;
      } else {
        this.visionProj = this.registerModule(
          'visionProj',
          new Linear(this.vision.dim, recipe.embedDim, { rng: rng.fork('visionProj') }),
        );
      }
      this.textProj = this.registerModule(
        'textProj',
        new Linear(this.text.config.dim, recipe.embedDim, { rng: rng.fork('textProj') }),
      );
    } catch (error) {
      // A tower or projection that cannot be built (bad overrides, sizes no array holds): free what was.
      this.dispose();
      throw error;
    }
  }
  /** L2-normalised image embeddings [B, E] and the tokens [B, N, Dv] fusion reads. */
  images(pixels: tf.Tensor4D, grid: boolean): { embeds: tf.Tensor2D; tokens: tf.Tensor3D } {
    return tf.tidy(() => {
      const f = this.vision.forward(pixels);
      const embeds = l2Normalize(this.visionProj ? this.visionProj.forward(f.cls) : f.cls) as tf.Tensor2D; // [B, E]
      const [b, h, w, d] = f.grid.shape;
      const tokens = grid ? (tf.reshape(f.grid, [b, h * w, d]) as tf.Tensor3D) : f.tokens; // [B, N, Dv]
      return { embeds, tokens };
    });
  }
  /** L2-normalised text embeddings [B, E] and the token outputs [B, T, Dt]. */
  texts(ids: tf.Tensor, mask: tf.Tensor): { embeds: tf.Tensor2D; tokens: tf.Tensor3D } {
    return tf.tidy(() => {
      const f = this.text.forward({ inputIds: ids, attentionMask: mask });
      return { embeds: l2Normalize(this.textProj.forward(f.pooled)) as tf.Tensor2D, tokens: f.tokens };
    });
  }
}

function _prefixed(
  name: string,
  out: ObjectiveOutput,
  into: { losses: Record<string, tf.Scalar>; logs: Record<string, number | tf.Scalar> },
): void {
  Object.assign(into.losses, out.losses);
  for (const [k, v] of Object.entries(out.logs)) into.logs[`${name}_${k}`] = v;
}

function _gather<T extends tf.Tensor>(x: T, idx: readonly number[]): T {
  return tf.gather(x, tf.tensor1d(Int32Array.from(idx), 'int32')) as T;
}

/**
 * A vision-language model built from a recipe. Parameters: `towers.*` (encoders, projections), `temp`,
 * `fusion.*`, `itmHead`, `mlmHead` (decoder tied to `towers.text.embeddings.wordEmbeddings`), `mvmHead`,
 * `maskEmbed`; SOHO's dictionary is `vd.*` buffers (EMA, never gradients). ALBEF's momentum towers and
 * queues are held outside the module tree (`momentum`, `imageQueue`, `textQueue`): pass `trainerOptions()`
 * to the Trainer so they are updated, saved and resumed.
 * @example
 * ```ts
 * const model = createModel('albef-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 8 });
 * const trainer = new Trainer({ model, data, totalSteps: 200, lossFn: (b, s) => model.lossFn(b, s),
 *   ...model.trainerOptions() });
 * ```
 */
export class VlpModel extends Module {
  readonly recipe: Recipe;
  readonly towers: _Towers;
  readonly temp: Temperature;
  readonly fusion: FusionModel | undefined;
  readonly itmHead: Linear | undefined;
  readonly mlmHead: MlmHead | undefined;
  readonly mlmProj: Linear | undefined;
  readonly vd: VisualDictionary | undefined;
  readonly mvmHead: Linear | undefined;
  readonly maskEmbed: tf.Variable | undefined;
  readonly sampler: RandomPixelSampler | undefined;
  readonly momentum: MomentumModel<_Towers> | undefined;
  readonly imageQueue: FeatureQueue | undefined;
  readonly textQueue: FeatureQueue | undefined;
  /** Seeded draws of negatives and MVM masks (saved by the Trainer through `trainerOptions().rngs`). */
  readonly rng: Rng;
  private readonly grid: boolean;

  constructor(recipe: Recipe, opts: { vocabSize: number; batchSize: number; rng: Rng }) {
    super();
    try {
      this.recipe = recipe;
      const rng = opts.rng;
      this.rng = rng.fork('sampling');
      const w = recipe.objectives;
      this.towers = this.registerModule('towers', new _Towers(recipe, opts.vocabSize, rng.fork('towers')));
      const maxPositions = this.towers.text.config.maxPositions;
      if (recipe.maxLength > maxPositions) {
        throw new Error(
          `recipe "${recipe.name}": maxLength ${recipe.maxLength} exceeds the text encoder's maxPositions ${maxPositions}`,
        );
      }
      const t = recipe.temperature;
      this.temp = this.registerModule('temp', new Temperature(t.init, { min: t.min, max: t.max }));
      const vDim = this.towers.vision.dim;
      const tDim = this.towers.text.config.dim;
      this.grid = this.towers.vision.config.kind === 'cnn';
      if (recipe.fusion) {
        const fo: Record<string, unknown> = { ...recipe.fusion.overrides, visualDim: vDim, textDim: tDim };
        if (recipe.method === 'soho') fo.visualDictionary = undefined; // the model owns SOHO's dictionary
        this.fusion = this.registerModule(
          'fusion',
          createFusion(recipe.fusion.name, fo as Parameters<typeof createFusion>[1], rng.fork('fusion')),
        );
      }
      const fDim = this.fusion?.dim ?? tDim;
      if (this.fusion && (w.itm ?? 0) > 0) {
        // The ITM head reads the fused [CLS]: drawn at the fusion's init std when it sets one.
        const fc = this.fusion.config;
        const initStd = fc.kind === 'single-stream' ? fc.initStd : undefined;
        this.itmHead = this.registerModule(
          'itmHead',
          new Linear(fDim, 2, { rng: rng.fork('itm'), ...(initStd !== undefined ? { initStd } : {}) }),
        );
      }
      if ((w.mlm ?? 0) > 0 || (w.mlm_text ?? 0) > 0) {
        if (fDim !== tDim) {
          this.mlmProj = this.registerModule('mlmProj', new Linear(fDim, tDim, { rng: rng.fork('mlmProj') }));
        }
        const head = new MlmHead(
          this.towers.text.embeddings.wordEmbeddings,
          this.towers.text.config,
          rng.fork('mlm'),
        );
        this.mlmHead = this.registerModule('mlmHead', head);
      }
      if (recipe.method === 'soho') {
        const fusionCfg = createFusion(recipe.fusion?.name ?? 'soho-tiny', {}, rng.fork('probe'));
        const vdCfg = 'visualDictionary' in fusionCfg.config ? fusionCfg.config.visualDictionary : undefined;
        fusionCfg.dispose();
        if (!vdCfg)
          throw new Error(`createModel: SOHO recipe "${recipe.name}" needs a fusion with a visualDictionary`);
        this.vd = this.registerModule(
          'vd',
          new VisualDictionary({
            size: vdCfg.size,
            dim: vDim,
            decay: vdCfg.decay,
            deadAfter: vdCfg.deadAfter,
            rng: rng.fork('vd'),
          }),
        );
        this.mvmHead = this.registerModule('mvmHead', new Linear(fDim, vDim, { rng: rng.fork('mvm') }));
        this.maskEmbed = this.registerParameter('maskEmbed', tf.zeros([vDim]));
      }
      if (recipe.pixelSamples !== undefined) {
        this.sampler = this.registerModule(
          'sampler',
          new RandomPixelSampler(recipe.pixelSamples, rng.fork('pixels')),
        );
      }
      if (recipe.momentum) {
        const m = recipe.momentum;
        const copy = new _Towers(recipe, opts.vocabSize, rng.fork('momentum'));
        this.momentum = new MomentumModel(this.towers, copy, { m: m.m });
        const q = { size: m.queueSize, dim: recipe.embedDim, batchSize: opts.batchSize };
        this.imageQueue = new FeatureQueue({ ...q, rng: rng.fork('imageQueue') });
        this.textQueue = new FeatureQueue({ ...q, rng: rng.fork('textQueue') });
      }
    } catch (error) {
      // Free the towers and heads already built, so a recipe that fails leaks no variables.
      this.dispose();
      throw error;
    }
  }

  /**
   * Whether retrieval ranks by contrastive similarity (ITC / PwCL) rather than by the ITM head. SOHO and
   * Pixel-BERT always rank by their ITM head, their method's retrieval, even when a recipe adds ITC as an
   * auxiliary objective (soho-*.json says why).
   */
  get contrastive(): boolean {
    if (this.recipe.method === 'soho' || this.recipe.method === 'pixelbert') return false;
    return (this.recipe.objectives.itc ?? 0) > 0 || (this.recipe.objectives.pwcl ?? 0) > 0;
  }

  /**
   * The Trainer options this model needs: objective weights, momentum update, queues and sampling RNG as
   * resumable state, and the temperature clamp after each step.
   * @example
   * ```ts
   * new Trainer({ model, data, lossFn: (b, s) => model.lossFn(b, s), totalSteps: 100, ...model.trainerOptions() });
   * ```
   */
  trainerOptions(): {
    weights: Record<string, number>;
    momentum?: MomentumModel;
    state: Record<string, TensorState>;
    rngs: Record<string, Rng>;
    afterStep: () => void;
  } {
    const state: Record<string, TensorState> = {};
    if (this.imageQueue) state.imageQueue = this.imageQueue;
    if (this.textQueue) state.textQueue = this.textQueue;
    return {
      weights: { ...this.recipe.objectives },
      ...(this.momentum ? { momentum: this.momentum } : {}),
      state,
      rngs: { recipe: this.rng },
      afterStep: () => this.temp.clamp(),
    };
  }

  /**
   * L2-normalised contrastive image embeddings [B, E] (zero-shot and retrieval).
   * @example
   * ```ts
   * const e = model.eval().embedImages(pixels); // [B, E], unit rows
   * ```
   */
  embedImages(pixels: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.towers.images(pixels, this.grid).embeds);
  }

  /**
   * L2-normalised contrastive text embeddings [B, E].
   * @example
   * ```ts
   * const e = model.eval().embedTexts(ids, mask); // [B, E]
   * ```
   */
  embedTexts(ids: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.towers.texts(ids, mask).embeds);
  }

  /** Visual tokens fusion reads: ViT tokens, or the CNN grid (quantised by SOHO's dictionary, sampled by Pixel-BERT). */
  /**
   * The image tower over `pixels`, then the recipe's visual dictionary or pixel sampler on their tokens.
   * `extra` image-only batches (UNIMO-2's two views) go through the tower in the same forward: a BatchNorm
   * tower then sees one batch, so its running statistics follow the training mixture instead of being pulled
   * towards the icons by separate icon-only passes, and one pass is cheaper than three. Only their
   * embeddings come back (`extra`, in order); the dictionary and sampler see the pairs alone.
   */
  private _visual(
    pixels: tf.Tensor4D,
    extra: readonly tf.Tensor4D[] = [],
  ): { embeds: tf.Tensor2D; tokens: tf.Tensor3D; ids?: tf.Tensor2D; extra: tf.Tensor2D[] } {
    const b = pixels.shape[0];
    const all = this.towers.images(extra.length > 0 ? tf.concat([pixels, ...extra]) : pixels, this.grid);
    let v = { embeds: all.embeds, tokens: all.tokens }; // embeds [B, E], tokens [B, N, Dv]
    let extraEmbeds: tf.Tensor2D[] = [];
    if (extra.length > 0) {
      const [embeds, ...rest] = tf.split(all.embeds, [b, ...extra.map((x) => x.shape[0])]) as tf.Tensor2D[];
      const [, n, dv] = all.tokens.shape;
      v = {
        embeds: embeds as tf.Tensor2D,
        tokens: tf.slice(all.tokens, [0, 0, 0], [b, n, dv]) as tf.Tensor3D,
      };
      extraEmbeds = rest;
    }
    if (this.vd) {
      const q = this.vd.forward(v.tokens); // EMA update in training mode; straight-through gradient
      return {
        embeds: v.embeds,
        tokens: q.quantized as tf.Tensor3D,
        ids: q.ids as tf.Tensor2D,
        extra: extraEmbeds,
      };
    }
    if (this.sampler)
      return { embeds: v.embeds, tokens: this.sampler.forward(v.tokens).tokens, extra: extraEmbeds };
    return { ...v, extra: extraEmbeds };
  }

  private _fuse(visual: tf.Tensor, text: tf.Tensor, textMask: tf.Tensor): FusionOutputs {
    if (!this.fusion) throw new Error(`recipe "${this.recipe.name}" has no fusion`);
    return this.fusion.forward({ visual, text, textMask });
  }

  private _mlmLogits(fusedText: tf.Tensor): tf.Tensor {
    if (!this.mlmHead) throw new Error(`recipe "${this.recipe.name}" has no MLM head`);
    return this.mlmHead.forward(this.mlmProj ? this.mlmProj.forward(fusedText) : fusedText); // [B, T, V]
  }

  /**
   * ITM match logits [Bi * Bt] for every image with every text (rows image-major), for retrieval by the
   * ITM head (ALBEF re-ranks its top k this way; SOHO and Pixel-BERT have no other score).
   * @example
   * ```ts
   * const s = model.eval().itmScore(pixels, ids, mask); // [B, B]: logit(match) - logit(no match)
   * ```
   */
  itmScore(pixels: tf.Tensor4D, ids: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
    if (!this.itmHead) throw new Error(`recipe "${this.recipe.name}" has no ITM head`);
    const head = this.itmHead;
    return tf.tidy(() => {
      const v = this._visual(pixels).tokens; // [Bi, N, Dv]
      const t = this.towers.texts(ids, mask).tokens; // [Bt, T, Dt]
      const bi = v.shape[0];
      const bt = t.shape[0];
      const vi: number[] = [];
      const ti: number[] = [];
      for (let i = 0; i < bi; i++) {
        for (let j = 0; j < bt; j++) {
          vi.push(i);
          ti.push(j);
        }
      }
      const out = this._fuse(_gather(v, vi), _gather(t, ti), _gather(mask, ti)); // cls [Bi Bt, D]
      const logits = head.forward(out.cls); // [Bi Bt, 2]
      const [no, yes] = tf.split(logits, 2, 1) as [tf.Tensor, tf.Tensor];
      return tf.reshape(tf.sub(yes, no), [bi, bt]) as tf.Tensor2D;
    });
  }

  /**
   * Image-to-text retrieval scores [Bi, Bt]: cosine similarity for contrastive recipes, the ITM head otherwise.
   * @example
   * ```ts
   * const s = model.eval().retrievalScores(pixels, ids, mask); // argMax over axis 1 = retrieved caption
   * ```
   */
  retrievalScores(pixels: tf.Tensor4D, ids: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
    if (!this.contrastive) return this.itmScore(pixels, ids, mask);
    return tf.tidy(() => tf.matMul(this.embedImages(pixels), this.embedTexts(ids, mask), false, true)); // [Bi, Bt]
  }

  /**
   * Runs the recipe's objectives on a batch; the Trainer sums `losses` with `trainerOptions().weights`.
   * @example
   * ```ts
   * const { losses, logs, after } = model.lossFn(batch, step); // losses.itc, losses.itm, losses.mlm, ...
   * ```
   */
  lossFn(batch: VlpBatch, step: number): LossOutput {
    const r = this.recipe;
    const w = r.objectives;
    const on = (name: string) => (w[name] ?? 0) > 0;
    const out: LossOutput = { losses: {}, logs: {} };
    const temperature = this.temp.value();
    const b = batch.pixels.shape[0];
    const views = on('vcl') && batch.viewA && batch.viewB ? [batch.viewA, batch.viewB] : [];
    const vis = this._visual(batch.pixels, views); // embeds [B, E], tokens [B, N, Dv], extra: the views' [Bi, E]
    const txt = this.towers.texts(batch.inputIds, batch.attentionMask); // embeds [B, E], tokens [B, T, Dt]

    let kept: tf.Tensor[] = [];
    if (on('itc')) {
      if (this.momentum && this.imageQueue && this.textQueue && r.momentum) {
        const m = this.momentum.model;
        const imgM = tf.keep(tf.tidy(() => m.images(batch.pixels, this.grid).embeds)); // [B, E], no gradient path
        const txtM = tf.keep(tf.tidy(() => m.texts(batch.inputIds, batch.attentionMask).embeds)); // [B, E]
        kept = [imgM, txtM];
        const alpha = alphaRamp(step, r.momentum.alphaRampSteps, r.momentum.alpha);
        _prefixed(
          'itc',
          itcLoss({
            imageEmbeds: vis.embeds,
            textEmbeds: txt.embeds,
            temperature,
            imageEmbedsM: imgM,
            textEmbedsM: txtM,
            imageQueue: this.imageQueue.features,
            textQueue: this.textQueue.features,
            alpha,
          }),
          out,
        );
        out.logs.alpha = alpha;
      } else {
        _prefixed('itc', itcLoss({ imageEmbeds: vis.embeds, textEmbeds: txt.embeds, temperature }), out);
      }
    }
    if (on('pwcl')) {
      const tau = r.pwcl?.temperature ?? temperature; // cavl-*: a fixed tau (see pwcl.ts)
      _prefixed('pwcl', pwclLoss({ imageEmbeds: vis.embeds, textEmbeds: txt.embeds, temperature: tau }), out);
    }
    if (on('itm') && this.itmHead) {
      let visual: tf.Tensor;
      let text: tf.Tensor;
      let tmask: tf.Tensor;
      let labels: tf.Tensor;
      if (r.itm?.negatives === 'hard') {
        // Sampling weights from the current similarity, read to the host: no gradient through the draw.
        const sim = tf.tidy(() => tf.div(tf.matMul(vis.embeds, txt.embeds, false, true), temperature)); // [B, B]
        const neg = _hardNegativesSync(sim.dataSync() as Float32Array, b, this.rng);
        sim.dispose();
        const idx = [...Array(b).keys()];
        visual = tf.concat([vis.tokens, _gather(vis.tokens, neg.imageForText), vis.tokens]); // [3B, N, Dv]
        text = tf.concat([txt.tokens, txt.tokens, _gather(txt.tokens, neg.textForImage)]); // [3B, T, Dt]
        tmask = tf.concat([
          batch.attentionMask,
          batch.attentionMask,
          _gather(batch.attentionMask, neg.textForImage),
        ]);
        labels = tf.tensor1d(
          Int32Array.from([...idx.map(() => 1), ...idx.map(() => 0), ...idx.map(() => 0)]),
          'int32',
        );
      } else {
        const neg = sampleRandomNegatives(b, this.rng, r.itm?.swapProb ?? 0.5);
        visual = vis.tokens;
        text = _gather(txt.tokens, neg.textIndex); // [B, T, Dt]
        tmask = _gather(batch.attentionMask, neg.textIndex);
        labels = tf.tensor1d(Int32Array.from(neg.labels), 'int32');
      }
      const fused = this._fuse(visual, text, tmask);
      _prefixed('itm', itmLoss({ itmLogits: this.itmHead.forward(fused.cls), itmLabels: labels }), out);
      if (fused.losses.grounding && on('grounding')) out.losses.grounding = fused.losses.grounding;
    }
    if (on('mlm') || on('mvm')) {
      const masked = this.towers.texts(batch.mlmInputIds, batch.attentionMask).tokens; // [B, T, Dt]
      let visual = vis.tokens;
      let mMask: tf.Tensor2D | undefined;
      if (on('mvm') && vis.ids && this.maskEmbed) {
        const rows = vis.ids.arraySync() as number[][];
        mMask = mvmMask({ vdIds: rows, ratio: r.mvm?.ratio ?? 0.15, rng: this.rng }); // [B, N]
        const m3 = tf.expandDims(mMask, 2); // [B, N, 1]
        visual = tf.add(tf.mul(visual, tf.sub(1, m3)), tf.mul(m3, this.maskEmbed)) as tf.Tensor3D; // [B, N, Dv]
      }
      const fused = this._fuse(visual, masked, batch.attentionMask);
      if (on('mlm') && fused.text) {
        _prefixed(
          'mlm',
          mlmLoss({ mlmLogits: this._mlmLogits(fused.text), mlmLabels: batch.mlmLabels }),
          out,
        );
      }
      if (mMask && fused.visual && vis.ids && this.vd && this.mvmHead) {
        const feats = this.mvmHead.forward(fused.visual); // [B, N, Dv]
        _prefixed(
          'mvm',
          mvmLoss({
            visualOutputs: feats,
            dictionary: this.vd.codebook,
            vdIds: vis.ids,
            mvmMask: mMask,
            scale: r.mvm?.scale,
          }),
          out,
        );
      }
      if (fused.losses.grounding && on('grounding')) {
        const g = out.losses.grounding;
        out.losses.grounding = (
          g ? tf.div(tf.add(g, fused.losses.grounding), 2) : fused.losses.grounding
        ) as tf.Scalar;
      }
    }
    if (
      on('mlm_text') &&
      batch.textMlmInputIds &&
      batch.textMlmLabels &&
      batch.textAttentionMask &&
      this.fusion
    ) {
      const t = this.towers.texts(batch.textMlmInputIds, batch.textAttentionMask).tokens; // [Bt, T, Dt]
      const fused = this.fusion.forward({ text: t, textMask: batch.textAttentionMask }); // [grounded ; text]
      if (fused.text) {
        _prefixed(
          'mlm_text',
          textMlmLoss({ mlmLogits: this._mlmLogits(fused.text), mlmLabels: batch.textMlmLabels }),
          out,
        );
      }
    }
    if (vis.extra.length === 2) {
      const [a, c] = vis.extra as [tf.Tensor2D, tf.Tensor2D]; // [Bi, E] each
      _prefixed('vcl', visualContrastiveLoss({ viewA: a, viewB: c, temperature }), out);
    }
    for (const k of Object.keys(out.losses)) if (!on(k)) delete out.losses[k];
    out.logs.temp = temperature;
    if (kept.length > 0) {
      const [imgM, txtM] = kept as [tf.Tensor, tf.Tensor];
      out.after = (applied: boolean) => {
        if (applied) {
          this.imageQueue?.enqueue(imgM);
          this.textQueue?.enqueue(txtM);
        }
        tf.dispose(kept);
      };
    }
    return out;
  }

  /** Frees the parameters and the momentum towers and queues held outside the module tree. */
  override dispose(): void {
    super.dispose();
    this.momentum?.model.dispose();
    this.imageQueue?.dispose();
    this.textQueue?.dispose();
  }
}

/**
 * Builds a {@link VlpModel} from a recipe (or its name) with field overrides. `vocabSize` is the tokenizer's;
 * `batchSize` sizes ALBEF's queues (a multiple of it).
 * @example
 * ```ts
 * const model = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 8 });
 * const e = model.embedTexts(ids, mask); // [B, 32]
 * ```
 */
export function createModel(
  recipe: Recipe | string,
  overrides: RecipeOverrides = {},
  rng: Rng = new Rng(0),
  opts: { vocabSize: number; batchSize: number },
): VlpModel {
  const base = typeof recipe === 'string' ? getRecipe(recipe) : recipe;
  const parsed = parseRecipe({ ...base, ...overrides }, `recipe "${base.name}"`);
  return new VlpModel(parsed, { ...opts, rng });
}

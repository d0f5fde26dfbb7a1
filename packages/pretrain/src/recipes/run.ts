// One recipe's training run, put together the same way by every caller (`vlp pretrain`, `vlp demo`, the
// desktop app's training worker, the recipe tests): the model from the recipe, a corpus reader, the batch
// builder, and a Trainer on the recipes' schedule (AdamW with weight decay 0.02, 5% linear warm-up, cosine to
// lr / 10, clipping at global norm 5). Random streams are forks of one seed: 'model' (initialisation), 'data'
// (MLM masks and the like) and, when a batch transform is given, 'augment' (saved with the checkpoints).
import { Rng } from '@vlp/tensor-core';
import type { WordPieceTokenizer } from '@vlp/text';
import type { CorpusBatch } from '../corpus/index.js';
import type { CorpusManifest } from '../corpus/manifest.js';
import { CorpusReader, type CorpusReaderOptions } from '../corpus/reader.js';
import { mapData } from '../trainer/data.js';
import { Trainer, type TrainerOptions } from '../trainer/trainer.js';
import { createBatchBuilder } from './batch.js';
import type { Recipe, RecipeOverrides } from './config.js';
import { createModel, type VlpBatch, type VlpModel } from './model.js';

type PairRecord = CorpusManifest['pairs'][number];

/** What {@link createRecipeRun} needs; the schedule's fixed parts are the recipes' (see the file header). */
export interface RecipeRunOptions {
  recipe: Recipe | string;
  overrides?: RecipeOverrides;
  manifest: CorpusManifest;
  /** The manifest's folder (image paths are relative to it). */
  corpusDir: string;
  tokenizer: WordPieceTokenizer;
  seed: number;
  batchSize: number;
  steps: number;
  lr: number;
  /** Default 5% of `steps`. */
  warmupSteps?: number;
  /** Share of each stream in a batch (pairs only by default). */
  mix?: CorpusReaderOptions['mix'];
  /**
   * Applied to every built training batch (augmentation, say) with its own seeded stream, saved and
   * restored with the checkpoints. It owns `batch` and returns the batch to train on.
   */
  transform?: (batch: VlpBatch, rng: Rng) => VlpBatch | Promise<VlpBatch>;
  /** Passed to the Trainer as they are. */
  trainer?: Pick<
    TrainerOptions<VlpBatch>,
    'checkpoint' | 'metricsFile' | 'evaluate' | 'config' | 'progress' | 'maxNonFiniteSteps'
  >;
}

/** The parts of a run: train with `trainer.fit()`, then `trainer.dispose()` and `model.dispose()`. */
export interface RecipeRun {
  model: VlpModel;
  reader: CorpusReader;
  trainer: Trainer<VlpBatch>;
  /** Tensors of `pairs` with their first caption each (an evaluation batch); the caller disposes them. */
  pairsBatch: (pairs: readonly PairRecord[]) => Promise<VlpBatch>;
}

/**
 * Builds a recipe's run on a corpus.
 *
 * @example
 * ```ts
 * const tokenizer = trainCaptionTokenizer(manifest.pairs.flatMap((p) => p.captions), 400);
 * const run = createRecipeRun({ recipe: 'albef-tiny', manifest, corpusDir: 'corpus', tokenizer,
 *   seed: 0, batchSize: 16, steps: 300, lr: 1e-3 });
 * await run.trainer.fit();
 * ```
 */
export function createRecipeRun(o: RecipeRunOptions): RecipeRun {
  const rng = new Rng(o.seed);
  const model = createModel(o.recipe, o.overrides ?? {}, rng.fork('model'), {
    vocabSize: o.tokenizer.vocabSize,
    batchSize: o.batchSize,
  });
  const reader = new CorpusReader(o.manifest, {
    batchSize: o.batchSize,
    seed: o.seed,
    dir: o.corpusDir,
    ...(o.mix ? { mix: o.mix } : {}),
  });
  const build = createBatchBuilder(model, {
    tokenizer: o.tokenizer,
    readImage: (r) => reader.readImage(r),
    rng: rng.fork('data'),
  });
  const { transform } = o;
  const augRng = rng.fork('augment');
  const data =
    transform === undefined
      ? mapData(reader, build)
      : mapData(reader, async (b: CorpusBatch) => transform(await build(b), augRng));
  const recipeOpts = model.trainerOptions();
  const trainer = new Trainer<VlpBatch>({
    model,
    data,
    totalSteps: o.steps,
    lossFn: (b, s) => model.lossFn(b, s),
    lr: { lr: o.lr, warmupSteps: o.warmupSteps ?? Math.round(o.steps / 20), minLr: o.lr / 10 },
    optimizer: { weightDecay: 0.02 },
    clipNorm: 5,
    progress: false,
    ...o.trainer,
    ...recipeOpts,
    ...(transform === undefined ? {} : { rngs: { ...recipeOpts.rngs, augment: augRng } }),
  });
  const pairsBatch = (pairs: readonly PairRecord[]) =>
    build({
      pairs: pairs.map((p) => ({ id: p.id, image: p.image, caption: p.captions[0] ?? '', sha256: p.sha256 })),
      images: [],
      texts: [],
      epoch: 0,
    });
  return { model, reader, trainer, pairsBatch };
}

// `vlp demo` end to end (issue 8): build the emoji corpus from npm packages (aligned Google / Twitter /
// Facebook pairs, WordNet glosses, rendered icons), pre-train a recipe on CPU under a time budget with
// checkpoints (so an interrupted run resumes), evaluate zero-shot on the unseen Apple style, and write the
// report. Each stage reports progress; every artefact lands in `--out`.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildEmojiCorpus,
  CATEGORY_PROMPTS,
  type CorpusManifest,
  createRecipeRun,
  emojiCorpusSources,
  emojiMiniCorpus,
  getRecipe,
  ingest,
  readManifest,
  saveModel,
  subcategoryName,
  trainCaptionTokenizer,
  type VlpBatch,
} from '@vlp/pretrain';
import { vlpEmbedder } from '@vlp/tasks';
import { latestCheckpoint, type Rng, serialQueue, writeFileAtomic } from '@vlp/tensor-core';
import { z } from 'zod';
import { _duration, _Progress, _useBackend } from '../commands/_common.js';
import { type AugmentOptions, augmentPixels } from './augment.js';
import { _parseJsonlRows, type DemoMetrics, evaluateDemo, summarisePredictions } from './evaluate.js';
import { DEMO_DEFAULTS, ensureDemoRecipe } from './recipe.js';
import { writeDemoReport } from './report.js';

/**
 * Options of {@link runDemo}; every field but `out` has a default in {@link DEMO_DEFAULTS}.
 *
 * @example
 * ```ts
 * const o: DemoOptions = { out: 'vlp-demo', steps: 200, minutes: 5 };
 * ```
 */
export interface DemoOptions {
  out: string;
  recipe?: string;
  /** Whole-run budget in minutes; training stops (with a checkpoint) when it would overrun. */
  minutes?: number;
  steps?: number;
  imageSize?: 32 | 64;
  seed?: number;
  /** Continue from the newest checkpoint in `out` (and reuse the corpus already built there). */
  resume?: boolean;
  batchSize?: number;
  lr?: number;
  vocabSize?: number;
  /** A small corpus (this many emoji per category, 2 training styles) instead of the full one: for tests. */
  subset?: number;
  maxTexts?: number;
  maxIcons?: number;
  backend?: string;
  /** Where progress lines go (default stderr). */
  log?: (line: string) => void;
  /** Stop training after this many steps of this session, with a checkpoint (tests of --resume). */
  stopAfter?: number;
  /**
   * Augment the aligned pictures (see augment.ts) with `DEMO_DEFAULTS.augmentation`; options given here
   * replace those fields.
   */
  augment?: boolean | AugmentOptions;
  /**
   * Add each training picture's category and subcategory, as the corpus lists them (`pairs.jsonl`), to its
   * captions: the class names `CATEGORY_PROMPTS` and `subcategoryName` give (see {@link withClassCaptions}).
   */
  classCaptions?: boolean;
  /** Evaluation views: each picture's shifts within +-`viewShift` px (default `DEMO_DEFAULTS.viewShift`). */
  viewShift?: number;
  /** How the category is predicted (default `DEMO_DEFAULTS.categoryVia`; see `evaluateDemo`). */
  categoryVia?: 'subcategories' | 'prompts';
  /** Build (or reuse) the corpus here instead of `out/corpus` (ablation rows share one). */
  corpusDir?: string;
  /** The command line that made the run, for the report. */
  command?: string;
}

/**
 * What a demo run produced.
 *
 * @example
 * ```ts
 * const r = await runDemo({ out: 'vlp-demo' });
 * r.metrics?.imageToName.r1;
 * ```
 */
export interface DemoResult {
  out: string;
  step: number;
  totalSteps: number;
  /** 'completed', 'time budget' (evaluated at the step reached) or 'interrupted' (not evaluated). */
  stopped: 'completed' | 'time budget' | 'interrupted';
  metrics: DemoMetrics | undefined;
  seconds: { corpus: number; training: number; evaluation: number; total: number };
}

/** Saved in `out/run.json` after every checkpoint: what a resumed run needs to keep its budget and report. */
interface _RunState {
  options: Record<string, unknown>;
  trainSeconds: number;
  corpusSeconds: number;
  step: number;
  stopped?: DemoResult['stopped'];
}

async function _readState(path: string): Promise<_RunState | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as _RunState;
  } catch (e) {
    throw new Error(`${path}: unreadable run state (${(e as Error).message}); remove it to start over`);
  }
}

async function _corpus(
  o: Required<Pick<DemoOptions, 'imageSize' | 'seed' | 'maxTexts' | 'maxIcons'>> & DemoOptions,
  dir: string,
  log: (line: string) => void,
): Promise<CorpusManifest> {
  const bar = new _Progress('corpus', '{phase} {value}/{total}', 3000);
  const onProgress = (p: { phase: string; done: number; total: number }) =>
    bar.update(p.done, p.total, { phase: p.phase });
  const small = o.subset !== undefined;
  const common = {
    outDir: dir,
    imageSize: o.imageSize,
    seed: o.seed,
    maxTexts: small ? Math.min(o.maxTexts, 300) : o.maxTexts,
    maxIcons: small ? Math.min(o.maxIcons, 40) : o.maxIcons,
    onProgress,
  };
  const manifestPath = join(dir, 'manifest.json');
  try {
    if (o.subset !== undefined) await emojiMiniCorpus({ ...common, perCategory: o.subset });
    else await buildEmojiCorpus(common);
  } finally {
    bar.stop();
  }
  // ingest again only when the corpus was rebuilt after the manifest was written
  const fresh =
    existsSync(manifestPath) &&
    (await stat(manifestPath)).mtimeMs >= (await stat(join(dir, 'corpus.json'))).mtimeMs;
  if (fresh) return readManifest(manifestPath);
  log('corpus: checking every file (ingest)');
  const { manifest } = await ingest(emojiCorpusSources(dir), {
    outDir: dir,
    onSource: (name, c) => log(`corpus: ${name}: ${c.pairs} pairs, ${c.images} images, ${c.texts} texts`),
  });
  return manifest;
}

/**
 * The pairs with their picture's category and subcategory names added as two more captions (after the
 * name, so the name keeps its share of the draws). The classes come from the corpus's `pairs.jsonl`; the
 * names are the ones the evaluation's prompts use (`CATEGORY_PROMPTS`, `subcategoryName`). Pictures of
 * held-out subcategories are not in the training pairs, so their names never reach training.
 *
 * @example
 * ```ts
 * const m = await withClassCaptions(manifest, 'vlp-demo/corpus');
 * m.pairs[0]?.captions; // ['keycap: #', 'hash key', 'hash', 'keycap', 'symbol or sign', 'keycap']
 * ```
 */
export async function withClassCaptions(
  manifest: CorpusManifest,
  corpusDir: string,
): Promise<CorpusManifest> {
  const path = join(corpusDir, 'pairs.jsonl');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the pictures' classes (${(e as Error).message})`);
  }
  const classes = new Map<string, string[]>();
  for (const { row, line } of _parseJsonlRows(text, path, _PairClassSchema)) {
    const category = CATEGORY_PROMPTS[row.category];
    if (category === undefined) throw new Error(`${path}:${line}: unknown category "${row.category}"`);
    if (!classes.has(row.image)) classes.set(row.image, [category, subcategoryName(row.subcategory)]);
  }
  return {
    ...manifest,
    pairs: manifest.pairs.map((p) => {
      const image = 'path' in p.image ? p.image.path : `${p.image.shard}:${p.image.member}`;
      const names = classes.get(image);
      if (names === undefined) throw new Error(`${path}: no class for ${image}`);
      return { ...p, captions: [...p.captions, ...names] };
    }),
  };
}

const _PairClassSchema = z.object({ image: z.string(), category: z.string(), subcategory: z.string() });

/**
 * The pairs with each picture's name (its first caption, the one evaluation uses) repeated so that the
 * reader's uniform caption draw picks it with probability about `share`; the other captions stay as
 * variety. `share` <= 1 / captions leaves a pair unchanged.
 */
function _nameFirst(manifest: CorpusManifest, share: number): CorpusManifest {
  if (share <= 0 || share >= 1) return manifest;
  return {
    ...manifest,
    pairs: manifest.pairs.map((p) => {
      const rest = p.captions.slice(1);
      const k = Math.round((share * rest.length) / (1 - share));
      const name = p.captions[0] as string;
      return k <= 1 ? p : { ...p, captions: [...new Array<string>(k).fill(name), ...rest] };
    }),
  };
}

/**
 * Runs the demo: corpus, training (resumable, time-boxed), evaluation on the Apple style, report.
 *
 * @example
 * ```ts
 * const r = await runDemo({ out: 'vlp-demo', minutes: 20 });
 * console.log(r.metrics?.category.accuracy, 'vlp-demo/report.md');
 * ```
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  ensureDemoRecipe();
  const o = {
    recipe: DEMO_DEFAULTS.recipe,
    minutes: DEMO_DEFAULTS.minutes,
    steps: DEMO_DEFAULTS.steps,
    imageSize: DEMO_DEFAULTS.imageSize,
    seed: DEMO_DEFAULTS.seed,
    batchSize: DEMO_DEFAULTS.batchSize,
    lr: DEMO_DEFAULTS.lr,
    augment: DEMO_DEFAULTS.augment,
    classCaptions: DEMO_DEFAULTS.classCaptions,
    viewShift: DEMO_DEFAULTS.viewShift,
    categoryVia: DEMO_DEFAULTS.categoryVia,
    vocabSize: DEMO_DEFAULTS.vocabSize,
    maxTexts: DEMO_DEFAULTS.maxTexts,
    maxIcons: DEMO_DEFAULTS.maxIcons,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<Omit<DemoOptions, 'subset' | 'backend' | 'log' | 'stopAfter' | 'command' | 'corpusDir'>> &
    DemoOptions;
  const out = resolve(o.out);
  const recipe = getRecipe(o.recipe);
  const ckDir = join(out, 'checkpoints');
  const statePath = join(out, 'run.json');
  const existing = await latestCheckpoint(ckDir);
  if (existing !== undefined && o.resume !== true)
    throw new Error(`${out} already holds a run (${existing}): pass --resume, or choose another --out`);
  await mkdir(out, { recursive: true });
  const previous = o.resume === true ? await _readState(statePath) : undefined;
  const backend = await _useBackend(o.backend);
  log(
    `vlp demo: recipe ${recipe.name}, ${o.steps} steps, batch ${o.batchSize}, ${o.imageSize} px, backend ${backend}, budget ${o.minutes} min`,
  );

  // 1. corpus
  const tc = performance.now();
  const corpusDir = o.corpusDir !== undefined ? resolve(o.corpusDir) : join(out, 'corpus');
  const built = await _corpus(o, corpusDir, log);
  const manifest = o.classCaptions === true ? await withClassCaptions(built, corpusDir) : built;
  const corpusSeconds = (previous?.corpusSeconds ?? 0) + (performance.now() - tc) / 1000;
  log(
    `corpus: ${manifest.pairs.length} pairs, ${manifest.images.length} icons, ${manifest.texts.length} glosses in ${corpusDir}`,
  );

  // 2. training
  // Unaligned streams feed a batch only when the recipe allows them and an objective consumes them.
  const u = recipe.unaligned;
  const usesTexts = u?.texts === true && (recipe.objectives.mlm_text ?? 0) > 0 && manifest.texts.length > 0;
  const usesImages = u?.images === true && (recipe.objectives.vcl ?? 0) > 0 && manifest.images.length > 1;
  const texts = [
    ...manifest.pairs.flatMap((p) => p.captions),
    ...(usesTexts ? manifest.texts.map((t) => t.text) : []),
    ...Object.values(CATEGORY_PROMPTS),
  ];
  const tokenizer = trainCaptionTokenizer(texts, o.vocabSize); // deterministic: a resumed run gets the same
  const augment: AugmentOptions = {
    ...DEMO_DEFAULTS.augmentation,
    ...(typeof o.augment === 'object' ? o.augment : {}),
  };
  const m = DEMO_DEFAULTS.mix;
  const mix = { pairs: m.pairs, images: usesImages ? m.images : 0, texts: usesTexts ? m.texts : 0 };
  const { model, trainer } = createRecipeRun({
    recipe,
    manifest: _nameFirst(manifest, DEMO_DEFAULTS.nameShare),
    corpusDir,
    tokenizer,
    seed: o.seed,
    batchSize: o.batchSize,
    steps: o.steps,
    lr: o.lr,
    mix,
    ...(o.augment !== false
      ? {
          transform: (batch: VlpBatch, rng: Rng) => {
            const plain = batch.pixels;
            batch.pixels = augmentPixels(plain, rng, augment);
            plain.dispose();
            return batch;
          },
        }
      : {}),
    trainer: {
      checkpoint: { dir: ckDir, every: Math.max(10, Math.floor(o.steps / 10)) },
      metricsFile: join(out, 'metrics.jsonl'),
      config: { demo: { ...o, log: undefined }, vocabSize: tokenizer.vocabSize },
    },
  });
  let trainSeconds = previous?.trainSeconds ?? 0;
  let sessionStart = performance.now();
  const stateNow = (stopped?: DemoResult['stopped']): _RunState => ({
    options: { ...o, log: undefined },
    trainSeconds: trainSeconds + (performance.now() - sessionStart) / 1000,
    corpusSeconds,
    step: trainer.step,
    ...(stopped ? { stopped } : {}),
  });
  // Written after every checkpoint and at the end; one at a time and in order, so the final state is the
  // one that stays and a reader never sees two writes interleaved.
  const inOrder = serialQueue();
  const saveState = (state: _RunState) =>
    inOrder(() => writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`));
  trainer.on('checkpoint', () => {
    saveState(stateNow()).catch((e: Error) => log(`training: could not save the run state: ${e.message}`));
  });
  // Budget left for training: the whole budget minus the corpus and an allowance for the evaluation.
  const evalAllowance = 60;
  const budget = o.minutes * 60 - corpusSeconds - evalAllowance;
  let byBudget = false;
  let sessionSteps = 0;
  const bar = new _Progress(
    'training',
    '{value}/{total} | loss {loss} | lr {lr} | {speed} steps/s | ETA {eta}',
  );
  trainer.on('step', (e) => {
    sessionSteps++;
    const spent = trainSeconds + (performance.now() - sessionStart) / 1000;
    const eta = Math.min(
      e.stepsPerSecond > 0 ? (o.steps - e.step) / e.stepsPerSecond : Number.NaN,
      Math.max(0, budget - spent),
    );
    bar.update(e.step, o.steps, {
      loss: e.loss.toFixed(4),
      lr: e.lr.toExponential(2),
      speed: e.stepsPerSecond.toFixed(2),
      eta: _duration(eta),
    });
    if (spent > budget && e.step < o.steps) {
      byBudget = true;
      trainer.requestStop('time budget');
    }
    if (o.stopAfter !== undefined && sessionSteps >= o.stopAfter) trainer.requestStop('stopAfter');
  });
  let resumedFrom: string | undefined;
  let stopped: DemoResult['stopped'] = 'completed';
  try {
    if (o.resume === true) {
      resumedFrom = await trainer.resume();
      if (resumedFrom !== undefined) log(`training: resumed from ${resumedFrom} (step ${trainer.step})`);
    }
    sessionStart = performance.now();
    const alreadyStopped = previous?.stopped === 'time budget';
    if (trainer.step < o.steps && !alreadyStopped) {
      const done = await trainer.fit();
      bar.stop();
      if (done.reason === 'interrupted') stopped = byBudget ? 'time budget' : 'interrupted';
    } else if (alreadyStopped) stopped = 'time budget';
    trainSeconds = stateNow().trainSeconds;
    await saveState(stateNow(stopped));
    if (stopped === 'interrupted') {
      log(`training: stopped at step ${trainer.step}; a checkpoint was saved: rerun with --resume`);
      return {
        out,
        step: trainer.step,
        totalSteps: o.steps,
        stopped,
        metrics: undefined,
        seconds: {
          corpus: corpusSeconds,
          training: trainSeconds,
          evaluation: 0,
          total: (performance.now() - t0) / 1000,
        },
      };
    }
    if (stopped === 'time budget')
      log(`training: the ${o.minutes}-minute budget ran out at step ${trainer.step} of ${o.steps}`);
    await saveModel(join(out, 'model'), model, tokenizer);

    // 3. evaluation
    const te = performance.now();
    const evalBar = new _Progress('evaluation', 'pictures embedded {value}/{total}', 3000);
    const predictions = await evaluateDemo(
      vlpEmbedder({ model, tokenizer, id: `${out}:${trainer.step}` }),
      corpusDir,
      { viewShift: o.viewShift, categoryVia: o.categoryVia, onProgress: (d, n) => evalBar.update(d, n, {}) },
    );
    evalBar.stop();
    await writeFileAtomic(join(out, 'predictions.json'), JSON.stringify(predictions));
    const metrics = summarisePredictions(predictions);
    const evaluation = (performance.now() - te) / 1000;
    const seconds = {
      corpus: corpusSeconds,
      training: trainSeconds,
      evaluation,
      total: corpusSeconds + trainSeconds + evaluation,
    };

    // 4. report
    await writeDemoReport(out, {
      metrics,
      categoryLabels: predictions.categories,
      recipe,
      settings: {
        steps: o.steps,
        stepReached: trainer.step,
        stopped,
        batchSize: o.batchSize,
        lr: o.lr,
        imageSize: o.imageSize,
        seed: o.seed,
        vocabSize: tokenizer.vocabSize,
        minutes: o.minutes,
        mix,
        augment: o.augment !== false,
        augmentation: augment,
        classCaptions: o.classCaptions === true,
        viewShift: predictions.viewShift,
        subset: o.subset,
        resumed: resumedFrom !== undefined,
      },
      corpus: { pairs: manifest.pairs.length, icons: manifest.images.length, glosses: manifest.texts.length },
      machine: {
        backend,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: totalmem() / 2 ** 30,
        node: process.version,
      },
      seconds,
      command: o.command ?? 'vlp demo',
    });
    log(`report: ${join(out, 'report.md')} (loss.png, confusion.png, predictions.json, metrics.jsonl)`);
    return { out, step: trainer.step, totalSteps: o.steps, stopped, metrics, seconds };
  } finally {
    bar.stop();
    trainer.dispose();
    model.dispose();
  }
}

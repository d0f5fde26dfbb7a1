// `vlp pretrain`: trains a recipe (ALBEF, SOHO, UNIMO-2, Pixel-BERT, CAVL) on a corpus from `vlp ingest`,
// with a progress bar, JSONL metrics, periodic atomic checkpoints (and one on Ctrl-C) and `--resume`, and
// writes the trained-model directory (`model.json`, weights, `tokenizer.json`) that `vlp label`, `vlp eval`
// and `vlp export` read.
import { join } from 'node:path';
import {
  createRecipeRun,
  getRecipe,
  listRecipes,
  readManifest,
  saveModel,
  trainCaptionTokenizer,
} from '@vlp/pretrain';
import { latestCheckpoint, releaseBackends } from '@vlp/tensor-core';
import type { Command } from 'commander';
import { _duration, _int, _num, _Progress, _useBackend } from './_common.js';

/**
 * Options of `vlp pretrain` (as commander parses them).
 *
 * @example
 * ```ts
 * const o: PretrainOptions = { recipe: "cavl-tiny", corpus: "corpus", out: "runs/c", steps: 50, batchSize: 8, lr: 1e-3, vocabSize: 400, seed: 0 };
 * ```
 */
export interface PretrainOptions {
  recipe: string;
  corpus: string;
  out: string;
  steps: number;
  batchSize: number;
  lr: number;
  warmup?: number;
  vocabSize: number;
  checkpointEvery?: number;
  seed: number;
  resume?: boolean;
  backend?: string;
  json?: boolean;
}

/**
 * What a `vlp pretrain` run did (`--json` prints it).
 *
 * @example
 * ```ts
 * const s: PretrainSummary = await pretrain(options);
 * if (s.reason === 'interrupted') console.log(`stopped at step ${s.step}; rerun with --resume`);
 * ```
 */
export interface PretrainSummary {
  recipe: string;
  backend: string;
  /** Checkpoint resumed from, if any. */
  resumedFrom: string | undefined;
  startStep: number;
  step: number;
  reason: 'completed' | 'interrupted';
  /** Mean loss over the first and last (up to) 10 steps of this session. */
  lossStart: number | undefined;
  lossEnd: number | undefined;
  seconds: number;
  /** The trained-model directory, once training completed. */
  model: string | undefined;
}

const _mean = (xs: readonly number[]) =>
  xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Trains as `vlp pretrain` does and returns the summary.
 *
 * @example
 * ```ts
 * const s = await pretrain({ recipe: 'cavl-tiny', corpus: 'corpus', out: 'runs/cavl', steps: 100,
 *   batchSize: 8, lr: 1e-3, vocabSize: 1000, seed: 0 });
 * ```
 */
export async function pretrain(o: PretrainOptions): Promise<PretrainSummary> {
  const recipe = getRecipe(o.recipe);
  const backend = await _useBackend(o.backend);
  const manifest = await readManifest(join(o.corpus, 'manifest.json'));
  if (manifest.pairs.length === 0)
    throw new Error(`${join(o.corpus, 'manifest.json')}: no image-text pairs to train on`);
  const ckDir = join(o.out, 'checkpoints');
  const existing = await latestCheckpoint(ckDir);
  if (existing !== undefined && o.resume !== true)
    throw new Error(
      `${o.out} already holds checkpoints (${existing}): pass --resume, or choose another --out`,
    );
  const texts = [...manifest.pairs.flatMap((p) => p.captions), ...manifest.texts.map((t) => t.text)];
  const tokenizer = trainCaptionTokenizer(texts, o.vocabSize); // deterministic: a resumed run gets the same
  const mix = recipe.unaligned
    ? {
        pairs: 4,
        images: recipe.unaligned.images && manifest.images.length > 0 ? 1 : 0,
        texts: recipe.unaligned.texts && manifest.texts.length > 0 ? 1 : 0,
      }
    : undefined;
  const { model, trainer } = createRecipeRun({
    recipe,
    manifest,
    corpusDir: o.corpus,
    tokenizer,
    seed: o.seed,
    batchSize: o.batchSize,
    steps: o.steps,
    lr: o.lr,
    ...(o.warmup !== undefined ? { warmupSteps: o.warmup } : {}),
    ...(mix ? { mix } : {}),
    trainer: {
      checkpoint: { dir: ckDir, every: o.checkpointEvery ?? Math.max(1, Math.floor(o.steps / 10)) },
      metricsFile: join(o.out, 'metrics.jsonl'),
      progress: false, // ours below: a bar on a terminal, a line every few seconds in logs
      config: { ...o, vocabSize: tokenizer.vocabSize },
    },
  });
  const losses: number[] = [];
  const bar = new _Progress(
    'training',
    '{value}/{total} | loss {loss} | lr {lr} | {speed} steps/s | ETA {eta}',
  );
  trainer.on('step', (e) => {
    losses.push(e.loss);
    bar.update(e.step, o.steps, {
      loss: e.loss.toFixed(4),
      lr: e.lr.toExponential(2),
      speed: e.stepsPerSecond.toFixed(2),
      eta: _duration(e.stepsPerSecond > 0 ? (o.steps - e.step) / e.stepsPerSecond : Number.NaN),
    });
  });
  const t0 = performance.now();
  try {
    const resumedFrom = o.resume === true ? await trainer.resume() : undefined;
    const startStep = trainer.step;
    const done = await trainer.fit();
    let saved: string | undefined;
    if (done.reason === 'completed') {
      await saveModel(o.out, model, tokenizer);
      saved = o.out;
    }
    return {
      recipe: recipe.name,
      backend,
      resumedFrom,
      startStep,
      step: done.step,
      reason: done.reason,
      lossStart: _mean(losses.slice(0, 10)),
      lossEnd: _mean(losses.slice(-10)),
      seconds: (performance.now() - t0) / 1000,
      model: saved,
    };
  } finally {
    bar.stop();
    trainer.dispose();
    model.dispose();
  }
}

function _format(s: PretrainSummary): string {
  const loss =
    s.lossStart !== undefined && s.lossEnd !== undefined
      ? `, loss ${s.lossStart.toFixed(3)} -> ${s.lossEnd.toFixed(3)} (first / last 10 steps)`
      : '';
  const from = s.resumedFrom !== undefined ? ` resumed from step ${s.startStep}` : '';
  const head = `${s.recipe} on ${s.backend}:${from} trained to step ${s.step} in ${s.seconds.toFixed(1)} s${loss}`;
  return s.model !== undefined
    ? `${head}\nmodel written to ${s.model} (use it with vlp label / vlp eval / vlp export)`
    : `${head}\ninterrupted; a checkpoint was saved: rerun with --resume to continue`;
}

/**
 * Adds `pretrain` to a program.
 *
 * @example
 * ```ts
 * await registerPretrain(new Command('vlp')).parseAsync(
 *   ['node', 'vlp', 'pretrain', '--recipe', 'albef-tiny', '--corpus', 'corpus', '--out', 'runs/a', '--steps', '200'],
 * );
 * ```
 */
export function registerPretrain(program: Command): Command {
  program
    .command('pretrain')
    .description(
      'pre-train a recipe on a corpus, with checkpoints and --resume; writes a trained-model directory',
    )
    .requiredOption('--recipe <name>', `recipe: ${listRecipes().join(', ')}`)
    .requiredOption('--corpus <dir>', 'corpus directory from vlp ingest (holds manifest.json)')
    .requiredOption('--out <dir>', 'run directory: checkpoints/, metrics.jsonl, then the trained model')
    .option('--steps <n>', 'optimizer steps', _int(1), 1000)
    .option('--batch-size <n>', 'samples per step', _int(1), 16)
    .option('--lr <x>', 'peak learning rate (cosine schedule)', _num(0), 1e-4)
    .option('--warmup <n>', 'warm-up steps (default 5% of --steps)', _int(0))
    .option('--vocab-size <n>', 'WordPiece vocabulary trained on the corpus captions', _int(16), 1000)
    .option('--checkpoint-every <n>', 'steps between checkpoints (default 10% of --steps)', _int(1))
    .option('--seed <n>', 'random seed', _int(0), 0)
    .option('--resume', 'continue from the newest checkpoint under --out')
    .option('--backend <name>', 'compute backend (default auto; see vlp doctor)')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vlp pretrain --recipe albef-tiny --corpus corpus --out runs/albef --steps 300 --batch-size 8 --lr 3e-4
  vlp pretrain --recipe albef-tiny --corpus corpus --out runs/albef --steps 300 --batch-size 8 --lr 3e-4 --resume`,
    )
    .action(async (o: PretrainOptions) => {
      try {
        const s = await pretrain(o);
        console.log(o.json === true ? JSON.stringify(s) : _format(s));
        if (s.reason === 'interrupted') process.exitCode = 130;
      } finally {
        await releaseBackends();
      }
    });
  return program;
}

// The training job's worker thread: a real @vlp/pretrain Trainer on a corpus manifest the Corpus screen
// wrote, off main's thread. It posts typed messages (started, step, checkpoint, preview, paused, done) and
// obeys pause / resume / stop from main. Pause asks the Trainer to stop after the current step (it
// checkpoints first) and waits; resume calls `fit()` again on the same trainer, which continues from its
// in-memory step, optimizer and data position. Every few steps a retrieval preview ranks the held-out
// captions for each held-out image (pairs left out of training). The run folder holds the checkpoints
// (`step-*`), `run.json` (what was trained on, held-out ids) and, once the run completes or is stopped,
// `model/`: a trained-model dir written by @vlp/pretrain's `saveModel` (what `loadModel` and labelling read).
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { createRecipeRun, readManifest, saveModel, trainCaptionTokenizer } from '@vlp/pretrain';
import { selectBackend } from '@vlp/tensor-core';

/** The trained-model dir inside a run folder. */
export const MODEL_DIR = 'model';

/** What main passes in `workerData`. */
export interface TrainJobInput {
  manifestPath: string;
  recipe: string;
  steps: number;
  batchSize: number;
  lr: number;
  /** The run folder: checkpoints, tokenizer.json, model.json, metrics.jsonl. */
  outDir: string;
  /** tensor-core backend name, or 'auto'. */
  backend: string;
  /** Pairs held out of training for the retrieval preview. */
  heldOut: number;
  /** Preview every this many steps. */
  previewEvery: number;
  checkpointEvery: number;
  seed: number;
}

/** One held-out image and the caption retrieval ranked first for it. */
export interface PreviewItem {
  /** Absolute path of the image (main checks it before it shows a thumbnail). */
  image: string | null;
  truth: string;
  predicted: string;
  correct: boolean;
}

/** Messages the worker posts. */
export type TrainJobMessage =
  | { type: 'started'; backend: string; trainPairs: number; heldOut: number; vocabSize: number }
  | { type: 'step'; step: number; loss: number; lr: number; stepsPerSecond: number }
  | { type: 'checkpoint'; step: number; dir: string; reason: string }
  | { type: 'preview'; step: number; accuracy: number; chance: number; items: PreviewItem[] }
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'done'; step: number; reason: 'completed' | 'stopped'; modelDir: string | null }
  | { type: 'warn'; message: string }
  | { type: 'error'; message: string };

/** Messages main sends. */
export type TrainJobCommand = { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

/** What `run.json` in a run folder holds. */
export interface TrainRunInfo {
  format: 'vlp-desktop-run';
  version: 1;
  recipe: string;
  vocabSize: number;
  batchSize: number;
  steps: number;
  corpus: string;
  heldOut: string[];
  createdAt: string;
}

async function run(input: TrainJobInput, post: (m: TrainJobMessage) => void): Promise<void> {
  const backend = await selectBackend(input.backend === 'auto' ? 'auto' : (input.backend as 'cpu'));
  const manifest = await readManifest(input.manifestPath);
  const dir = dirname(input.manifestPath);
  const pairs = [...manifest.pairs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (pairs.length < 4)
    throw new Error(
      `${input.manifestPath}: ${pairs.length} image-caption pairs; training needs at least 4 (add captions)`,
    );
  // Every fifth pair, up to `heldOut`, stays out of training for the preview.
  const heldOutCount = Math.min(input.heldOut, Math.floor(pairs.length / 5));
  const heldOut = pairs.filter((_, i) => i % 5 === 4).slice(0, heldOutCount);
  const heldIds = new Set(heldOut.map((p) => p.id));
  const train = pairs.filter((p) => !heldIds.has(p.id));
  const texts = [...train.flatMap((p) => p.captions), ...manifest.texts.map((t) => t.text)];
  const tokenizer = trainCaptionTokenizer(texts, 400);
  const batchSize = Math.min(input.batchSize, train.length);
  const info: TrainRunInfo = {
    format: 'vlp-desktop-run',
    version: 1,
    recipe: input.recipe,
    vocabSize: tokenizer.vocabSize,
    batchSize,
    steps: input.steps,
    corpus: input.manifestPath,
    heldOut: [...heldIds],
    createdAt: new Date().toISOString(),
  };
  const { model, trainer, pairsBatch } = createRecipeRun({
    recipe: input.recipe,
    manifest: { ...manifest, pairs: train },
    corpusDir: dir,
    tokenizer,
    seed: input.seed,
    batchSize,
    steps: input.steps,
    lr: input.lr,
    trainer: {
      checkpoint: { dir: input.outDir, every: input.checkpointEvery, onSignal: false },
      metricsFile: join(input.outDir, 'metrics.jsonl'),
      evaluate: { every: input.previewEvery, fn: (step) => preview(step) },
      config: info,
    },
  });
  await writeFile(join(input.outDir, 'run.json'), `${JSON.stringify(info, null, 2)}\n`);
  post({
    type: 'started',
    backend: backend.name,
    trainPairs: train.length,
    heldOut: heldOut.length,
    vocabSize: tokenizer.vocabSize,
  });

  const evalBatch = heldOut.length >= 2 ? await pairsBatch(heldOut) : undefined;
  const preview = (step: number): Record<string, number> => {
    if (evalBatch === undefined) return {};
    model.eval();
    const best = tf.tidy(
      () =>
        tf
          .argMax(model.retrievalScores(evalBatch.pixels, evalBatch.inputIds, evalBatch.attentionMask), 1)
          .dataSync() as Int32Array,
    );
    model.train();
    const items = heldOut.map((p, i) => {
      const k = best[i] as number;
      return {
        image: 'path' in p.image ? resolve(dir, p.image.path) : null,
        truth: p.captions[0] as string,
        predicted: heldOut[k]?.captions[0] as string,
        correct: k === i,
      };
    });
    const accuracy = items.filter((x) => x.correct).length / items.length;
    post({ type: 'preview', step, accuracy, chance: 1 / items.length, items });
    return { retrieval_top1: accuracy };
  };

  trainer.on('step', (e) =>
    post({ type: 'step', step: e.step, loss: e.loss, lr: e.lr, stepsPerSecond: e.stepsPerSecond }),
  );
  trainer.on('checkpoint', (e) => post({ type: 'checkpoint', step: e.step, dir: e.dir, reason: e.reason }));
  trainer.on('nonfinite', (e) => post({ type: 'warn', message: e.message }));

  // Errors name the recipe, backend and step (a backend's kernel failing deep in tfjs says none of that).
  const context = (error: unknown) =>
    new Error(`${input.recipe} on ${backend.name}, step ${trainer.step + 1}: ${(error as Error).message}`, {
      cause: error,
    });
  let wanted = 'run' as 'run' | 'pause' | 'stop';
  let wake: (() => void) | undefined;
  parentPort?.on('message', (c: TrainJobCommand) => {
    if (c.type === 'pause' && wanted === 'run') {
      wanted = 'pause';
      trainer.requestStop('pause');
    } else if (c.type === 'stop') {
      wanted = 'stop';
      trainer.requestStop('stop');
    } else if (c.type === 'resume' && wanted === 'pause') wanted = 'run';
    wake?.();
  });

  preview(0);
  for (;;) {
    const done = await trainer.fit().catch((error: unknown) => {
      throw context(error);
    });
    if (done.reason === 'completed' || wanted === 'stop') break;
    post({ type: 'paused', step: trainer.step });
    // `wanted` changes in the message handler while this loop waits.
    const now = () => wanted;
    while (now() === 'pause') await new Promise<void>((r) => (wake = r));
    if (now() === 'stop') break;
    post({ type: 'resumed', step: trainer.step });
  }
  if (evalBatch !== undefined) tf.dispose(evalBatch as unknown as tf.TensorContainer);
  // A run stopped before its first step has nothing worth keeping as a model.
  const modelDir = trainer.step > 0 ? join(input.outDir, MODEL_DIR) : null;
  if (modelDir !== null) await saveModel(modelDir, model, tokenizer);
  trainer.dispose();
  model.dispose();
  post({
    type: 'done',
    step: trainer.step,
    reason: trainer.step >= input.steps ? 'completed' : 'stopped',
    modelDir,
  });
}

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as TrainJobInput, (m) => port.postMessage(m)).then(
    () => port.close(),
    (error: unknown) => {
      port.postMessage({ type: 'error', message: (error as Error).message ?? String(error) });
      port.close();
    },
  );
}

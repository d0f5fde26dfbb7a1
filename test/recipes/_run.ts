// Test helper: a short real pre-training run of one recipe on the emoji mini-corpus (ort backend when its
// native binding loads, otherwise whatever selectBackend picks), measuring the training loss per step and
// in-batch image->text retrieval accuracy on a fixed batch of training pairs before and after (scored by the
// recipe's retrieval, or by the ITM head when `scorer: 'itm'`).
import * as tf from '@tensorflow/tfjs-core';
import { createRecipeRun, type RecipeOverrides, trainCaptionTokenizer, type VlpModel } from '@vlp/pretrain';
import { selectBackend } from '@vlp/tensor-core';
import { emojiCorpus } from './_emoji.js';

export async function useFastBackend(): Promise<string> {
  try {
    return (await selectBackend('ort')).name;
  } catch {
    return (await selectBackend()).name;
  }
}

export interface RunOptions {
  recipe: string;
  steps: number;
  batchSize: number;
  lr: number;
  pairs: number;
  evalSize: number;
  unaligned?: number;
  mix?: { pairs: number; images?: number; texts?: number };
  overrides?: RecipeOverrides;
  seed?: number;
  /**
   * How in-batch retrieval is scored: 'recipe' (default) is `model.retrievalScores` (the contrastive
   * embeddings when the recipe trains ITC or PwCL, except for SOHO and Pixel-BERT; the ITM head otherwise); 'itm'
   * is always the ITM head, the retrieval of SOHO and Pixel-BERT, which add ITC as an auxiliary objective.
   */
  scorer?: 'recipe' | 'itm';
}

export interface RunResult {
  backend: string;
  losses: number[];
  named: Array<Record<string, number>>;
  accBefore: number;
  accAfter: number;
  chance: number;
  seconds: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

/** Mean of a window of numbers. */
export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function _accuracy(
  model: VlpModel,
  b: { pixels: tf.Tensor4D; inputIds: tf.Tensor; attentionMask: tf.Tensor },
  scorer: 'recipe' | 'itm',
): number {
  model.eval();
  const hits = tf.tidy(() => {
    const s =
      scorer === 'itm'
        ? model.itmScore(b.pixels, b.inputIds, b.attentionMask)
        : model.retrievalScores(b.pixels, b.inputIds, b.attentionMask); // [E, E]
    const n = s.shape[0];
    return tf
      .sum(tf.cast(tf.equal(tf.argMax(s, 1), tf.range(0, n, 1, 'int32')), 'float32'))
      .dataSync()[0] as number;
  });
  model.train();
  return hits / (b.pixels.shape[0] as number);
}

export async function runRecipe(o: RunOptions): Promise<RunResult> {
  const backend = await useFastBackend();
  const corpus = await emojiCorpus({ pairs: o.pairs, unaligned: o.unaligned });
  const texts = [
    ...corpus.manifest.pairs.flatMap((p) => p.captions),
    ...corpus.manifest.texts.map((t) => t.text),
  ];
  const tokenizer = trainCaptionTokenizer(texts, 400);
  const { model, trainer, pairsBatch } = createRecipeRun({
    recipe: o.recipe,
    ...(o.overrides ? { overrides: o.overrides } : {}),
    manifest: corpus.manifest,
    corpusDir: corpus.dir,
    tokenizer,
    seed: o.seed ?? 0,
    batchSize: o.batchSize,
    steps: o.steps,
    lr: o.lr,
    ...(o.mix ? { mix: o.mix } : {}),
  });
  const evalBatch = await pairsBatch(corpus.manifest.pairs.slice(0, o.evalSize));
  const accBefore = _accuracy(model, evalBatch, o.scorer ?? 'recipe');
  const losses: number[] = [];
  const named: Array<Record<string, number>> = [];
  let tensorsBefore = 0;
  let tensorsAfter = 0;
  trainer.on('step', (e) => {
    losses.push(e.loss);
    named.push(e.losses);
    if (losses.length === 3) tensorsBefore = tf.memory().numTensors;
    if (losses.length === o.steps) tensorsAfter = tf.memory().numTensors;
  });
  const t0 = performance.now();
  await trainer.fit();
  const seconds = (performance.now() - t0) / 1000;
  const accAfter = _accuracy(model, evalBatch, o.scorer ?? 'recipe');
  tf.dispose(evalBatch);
  trainer.dispose();
  model.dispose();
  return {
    backend,
    losses,
    named,
    accBefore,
    accAfter,
    chance: 1 / o.evalSize,
    seconds,
    tensorsBefore,
    tensorsAfter,
  };
}

/** Prints one line of figures per run (start/end loss over 10-step windows, accuracy vs chance, seconds). */
export function report(name: string, r: RunResult): { start: number; end: number } {
  const start = mean(r.losses.slice(0, 10));
  const end = mean(r.losses.slice(-10));
  const first = r.named[0];
  const last = r.named.at(-1);
  console.log(
    `${name} [${r.backend}] steps ${r.losses.length} loss ${start.toFixed(3)} -> ${end.toFixed(3)} ` +
      `acc ${r.accBefore.toFixed(3)} -> ${r.accAfter.toFixed(3)} (chance ${r.chance.toFixed(3)}) ` +
      `${r.seconds.toFixed(1)} s first ${JSON.stringify(first)} last ${JSON.stringify(last)}`,
  );
  return { start, end };
}

// createRecipeRun: the recipes' schedule, the batch transform on every training batch with its own stream
// that a resumed run continues where it stopped, and evaluation batches from the pairs' first captions.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlp/tensor-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CorpusManifest, ingest } from '../corpus/index.js';
import { trainCaptionTokenizer } from './batch.js';
import { createRecipeRun, type RecipeRunOptions } from './run.js';

const COLOURS: [string, [number, number, number]][] = [
  ['a red square', [230, 20, 20]],
  ['a green square', [20, 200, 20]],
  ['a blue square', [20, 20, 230]],
  ['a yellow square', [230, 230, 20]],
];
let dir = '';
let manifest: CorpusManifest;

beforeAll(async () => {
  await selectBackend('cpu', { respectEnv: false });
  dir = await mkdtemp(join(tmpdir(), 'vlp-run-'));
  await mkdir(join(dir, 'img'));
  const lines: string[] = [];
  for (const [i, [caption, [r, g, b]]] of COLOURS.entries()) {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
    await writeFile(join(dir, `img/${i}.png`), png);
    lines.push(
      JSON.stringify({ image: `img/${i}.png`, caption }),
      JSON.stringify({ image: `img/${i}.png`, caption: `square ${i}` }),
    );
  }
  await writeFile(join(dir, 'pairs.jsonl'), `${lines.join('\n')}\n`);
  ({ manifest } = await ingest([{ kind: 'jsonl', name: 'pairs', path: join(dir, 'pairs.jsonl') }], {
    outDir: join(dir, 'corpus'),
  }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function options(draws: number[], checkpoints: string): RecipeRunOptions {
  return {
    recipe: 'cavl-tiny',
    manifest,
    corpusDir: join(dir, 'corpus'),
    tokenizer: trainCaptionTokenizer(
      manifest.pairs.flatMap((p) => p.captions),
      60,
    ),
    seed: 3,
    batchSize: 4,
    steps: 6,
    lr: 1e-3,
    // Records one draw of its stream per batch and flips the pictures, so its output is what trains.
    transform: (batch, rng) => {
      draws.push(rng.uniform());
      const plain = batch.pixels;
      batch.pixels = tf.reverse(plain, 2);
      plain.dispose();
      return batch;
    },
    trainer: { checkpoint: { dir: checkpoints, every: 3, onSignal: false } },
  };
}

describe('createRecipeRun', () => {
  it('transforms every batch, and a resumed run continues the transform stream and the losses', async () => {
    const straight: number[] = [];
    const a = createRecipeRun(options(straight, join(dir, 'ck-a')));
    const lossesA: number[] = [];
    a.trainer.on('step', (e) => lossesA.push(e.loss));
    await a.trainer.fit();
    expect(straight).toHaveLength(6);
    expect(new Set(straight).size).toBe(6);

    // The same run stopped after 3 steps (checkpointed), then resumed by a fresh run from the checkpoint.
    const first: number[] = [];
    const b = createRecipeRun(options(first, join(dir, 'ck-b')));
    b.trainer.on('step', (e) => {
      if (e.step === 3) b.trainer.requestStop('test');
    });
    await b.trainer.fit();
    expect(first).toEqual(straight.slice(0, 3));
    const rest: number[] = [];
    const c = createRecipeRun(options(rest, join(dir, 'ck-b')));
    const lossesC: number[] = [];
    c.trainer.on('step', (e) => lossesC.push(e.loss));
    expect(await c.trainer.resume()).toBeDefined();
    await c.trainer.fit();
    expect(rest).toEqual(straight.slice(3));
    for (const [i, l] of lossesC.entries()) expect(l).toBeCloseTo(lossesA[3 + i] as number, 4);
    for (const r of [a, b, c]) {
      r.trainer.dispose();
      r.model.dispose();
    }
  });

  it('builds an evaluation batch from the pairs with their first captions, untransformed', async () => {
    const draws: number[] = [];
    const run = createRecipeRun(options(draws, join(dir, 'ck-eval')));
    const pairs = manifest.pairs.filter((p) => p.captions[0]?.startsWith('a '));
    const batch = await run.pairsBatch(pairs);
    expect(draws).toEqual([]);
    expect(batch.pixels.shape[0]).toBe(pairs.length);
    const tok = trainCaptionTokenizer(
      manifest.pairs.flatMap((p) => p.captions),
      60,
    );
    const ids = (await batch.inputIds.array()) as number[][];
    expect(ids.map((row) => tok.decode(row, { skipSpecialTokens: true }))).toEqual(
      pairs.map((p) => p.captions[0]),
    );
    tf.dispose(batch as unknown as tf.TensorContainer);
    run.trainer.dispose();
    run.model.dispose();
  });
});

// A long run never dies of one bad file (issue 10): a corpus passes ingest, then, mid-life, one image is
// deleted and another truncated (a flaky disk, a sync tool, a user tidying up). The real pipeline
// (CorpusReader -> createBatchBuilder -> Trainer, cavl-tiny on the cpu backend) must finish its steps,
// report each bad file once by name, keep every batch at full size with images and captions aligned, and
// stop with a clear error only when no image of a batch can be read at all.
import { mkdir, mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CorpusBatch,
  CorpusReader,
  createBatchBuilder,
  createModel,
  ingest,
  mapData,
  Trainer,
  trainCaptionTokenizer,
} from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Figures } from './_figures.js';

const figures = new Figures('long-run');
let dir: string;
const COLOURS: [string, [number, number, number]][] = [
  ['red', [220, 30, 30]],
  ['green', [30, 200, 40]],
  ['blue', [30, 60, 220]],
  ['yellow', [230, 220, 30]],
  ['purple', [140, 40, 180]],
  ['orange', [240, 140, 20]],
  ['black', [10, 10, 10]],
  ['white', [245, 245, 245]],
];

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'vlp-long-run-'));
  await mkdir(join(dir, 'pics'));
  for (const [name, [r, g, b]] of COLOURS) {
    await writeFile(
      join(dir, 'pics', `${name}.png`),
      await sharp({ create: { width: 24, height: 24, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
    await writeFile(join(dir, 'pics', `${name}.txt`), `a ${name} square`);
  }
});

afterAll(async () => {
  figures.write();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a long run with files going bad after ingest', () => {
  it('finishes every step, reports each bad file once, keeps batches full and aligned', async () => {
    const { manifest } = await ingest([{ kind: 'sidecar', name: 'pics', path: join(dir, 'pics') }], {
      outDir: join(dir, 'corpus'),
    });
    expect(manifest.pairs).toHaveLength(8);
    // After ingest: one image disappears, one is cut in half.
    await unlink(join(dir, 'pics', 'green.png'));
    await truncate(join(dir, 'pics', 'purple.png'), 40);

    const tokenizer = trainCaptionTokenizer(
      manifest.pairs.flatMap((p) => p.captions),
      60,
    );
    const B = 4;
    const model = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tokenizer.vocabSize, batchSize: B });
    const reader = new CorpusReader(manifest, { batchSize: B, seed: 1, dir: join(dir, 'corpus') });
    const bad: string[] = [];
    const build = createBatchBuilder(model, {
      tokenizer,
      readImage: (r) => reader.readImage(r),
      rng: new Rng(2),
      onBadImage: ({ ref, error }) =>
        bad.push(`${'path' in ref ? ref.path : '?'}: ${(error as Error).message}`),
    });
    const seen: CorpusBatch[] = [];
    const shapes: number[][] = [];
    const data = mapData(reader, async (b: CorpusBatch) => {
      seen.push(b);
      const out = await build(b);
      shapes.push([...out.pixels.shape, ...out.inputIds.shape]);
      return out;
    });
    const steps = 6; // three epochs of two batches: every image is met three times
    const trainer = new Trainer({
      model,
      data,
      totalSteps: steps,
      lossFn: (b, s) => model.lossFn(b, s),
      lr: { lr: 1e-3 },
      progress: false,
      ...model.trainerOptions(),
    });
    const done = await trainer.fit();
    trainer.dispose();
    expect(done).toEqual({ step: steps, reason: 'completed', skippedSteps: 0 });
    expect(shapes).toHaveLength(steps);
    for (const s of shapes) expect([s[0], s[4]]).toEqual([B, B]); // pixels [B, H, W, 3], ids [B, T]
    // Each bad file reported once, by name and problem, however often the reader meets it.
    expect(bad).toHaveLength(2);
    expect(bad.find((m) => m.includes('green.png'))).toMatch(/green\.png: .*(ENOENT|no such file)/);
    expect(bad.find((m) => m.includes('purple.png'))).toMatch(/purple\.png: .*(truncated|corrupt)/);
    const met = seen.flatMap((b) => b.pairs.map((p) => p.caption));
    const metBad = met.filter((c) => /green|purple/.test(c)).length;
    expect(metBad).toBeGreaterThanOrEqual(2);
    figures.count(
      'image deleted after ingest',
      'CorpusReader -> createBatchBuilder -> Trainer',
      'reported once; pair replaced',
    );
    figures.count(
      'image truncated after ingest',
      'CorpusReader -> createBatchBuilder -> Trainer',
      'reported once; pair replaced',
    );
    figures.notes.push(
      `cavl-tiny, ${steps} steps of batch ${B} over 8 pairs with 2 files gone bad after ingest: the run completed; ` +
        `the bad pairs were met ${metBad} times and replaced in their batch each time.`,
    );

    // Every image of a batch gone: a clear error, not a hang or a half batch.
    const allBad: CorpusBatch = {
      ...(seen[0] as CorpusBatch),
      pairs: (seen[0] as CorpusBatch).pairs.map((p) => ({
        ...p,
        image: { path: 'gone.png' },
        sha256: `x${p.sha256}`.slice(0, 64),
      })),
    };
    await expect(build(allBad)).rejects.toThrow(/no image of this batch can be read \(gone\.png/);
    figures.count('every image of a batch unreadable', 'createBatchBuilder', 'clear error');
    model.dispose();
  });
});

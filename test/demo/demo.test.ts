// `vlp demo` on a tiny budget: a small emoji corpus (4 per category, 2 styles), a run stopped after a few
// steps and resumed to the end, then a complete report whose figures agree with an independent
// recomputation from the saved predictions (accuracy by counting, R@K from the ranks). Plus the metric
// helpers on hand-computed values. About 40-60 s on 2 busy cores.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  augmentPixels,
  confusionMatrix,
  DemoPredictionsSchema,
  readLossPoints,
  runDemo,
  summarisePredictions,
  withClassCaptions,
} from '@vlp/cli';
import type { CorpusManifest } from '@vlp/pretrain';
import { Rng, releaseBackends } from '@vlp/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';

const PNG = [0x89, 0x50, 0x4e, 0x47];

describe('withClassCaptions', () => {
  const manifest = (paths: string[]) =>
    ({
      pairs: paths.map((path, i) => ({
        id: `emoji/${i}`,
        image: { path },
        captions: [`name ${i}`, `tag ${i}`],
      })),
    }) as unknown as CorpusManifest;
  const row = (image: string, category: string, subcategory: string) =>
    JSON.stringify({ image, category, subcategory, caption: ['x'], name: 'x' });

  it("appends the category prompt and subcategory name from pairs.jsonl, after the picture's own captions", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlp-cc-'));
    try {
      await writeFile(
        join(dir, 'pairs.jsonl'),
        [
          row('images/google/a.png', 'Smileys & Emotion', 'face-smiling'),
          row('images/google/b.png', 'Travel & Places', 'transport-ground'),
          row('images/google/b.png', 'Flags', 'flag'), // a merged duplicate: the first row wins, as in ingest
          '',
        ].join('\n'),
      );
      const m = await withClassCaptions(manifest(['images/google/a.png', 'images/google/b.png']), dir);
      expect(m.pairs.map((p) => p.captions)).toEqual([
        ['name 0', 'tag 0', 'smiley face', 'smiling face'],
        ['name 1', 'tag 1', 'place or vehicle', 'land vehicle'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of a bad row, and the picture without a class', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlp-cc-'));
    const path = join(dir, 'pairs.jsonl');
    try {
      await writeFile(path, `${row('a.png', 'Flags', 'flag')}\n${row('b.png', 'Component', 'skin-tone')}\n`);
      await expect(withClassCaptions(manifest(['a.png']), dir)).rejects.toThrow(
        `${path}:2: unknown category "Component"`,
      );
      await writeFile(path, `${row('a.png', 'Flags', 'flag')}\n{"image": 3\n`);
      await expect(withClassCaptions(manifest(['a.png']), dir)).rejects.toThrow(`${path}:2: not JSON`);
      await writeFile(path, `${row('a.png', 'Flags', 'flag')}\n`);
      await expect(withClassCaptions(manifest(['a.png', 'c.png']), dir)).rejects.toThrow(
        `${path}: no class for c.png`,
      );
      await rm(path);
      await expect(withClassCaptions(manifest(['a.png']), dir)).rejects.toThrow(/pairs\.jsonl: cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('demo metrics', () => {
  it('confusion matrix and figures match hand-computed values', () => {
    expect(confusionMatrix([0, 1, 1, 2], [0, 0, 1, 2], 3)).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/out of range at row 1/);
    const row = (c: number, p: number, i2t: number, t2i: number, held = -1, heldPred = -1) => ({
      image: 'x.png',
      name: 'x',
      heldOut: held >= 0,
      category: c,
      categoryPred: p,
      subcategory: c,
      subcategoryPred: c === p ? c : 0,
      heldOutTruth: held,
      heldOutPred: heldPred,
      i2tRank: i2t,
      t2iRank: t2i,
    });
    // a file written before categoryVia, viewShift and categoryPromptPred existed reads with their defaults
    const file = {
      format: 'vlp-demo-predictions',
      templates: ['{}'],
      categories: ['a', 'b'],
      categoryPrompts: ['a', 'b'],
      subcategories: ['a', 'b'],
      subcategoryPrompts: ['a', 'b'],
      heldOutLabels: ['h0', 'h1'],
      rows: [row(0, 0, 0, 2, 0, 0), row(1, 0, 3, 0, 1, 0), row(1, 1, 12, 7)],
    };
    const m = summarisePredictions(DemoPredictionsSchema.parse(file));
    expect(m.category.via).toBe('prompts');
    expect(m.category.promptAccuracy).toBeUndefined();
    // with the category prompts' own predictions recorded (2 of 3 right), their accuracy comes alongside
    const both = DemoPredictionsSchema.parse({
      ...file,
      categoryVia: 'subcategories',
      rows: file.rows.map((r, i) => ({ ...r, categoryPromptPred: [0, 1, 0][i] })),
    });
    expect(summarisePredictions(both).category.promptAccuracy).toBeCloseTo(200 / 3, 10);
    expect(summarisePredictions(both).category.via).toBe('subcategories');
    expect(m.category.accuracy).toBeCloseTo(200 / 3, 10);
    expect(m.category.confusion).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(m.heldOut).toEqual({ accuracy: 50, chance: 50, classes: 2, pictures: 2 });
    expect(m.imageToName.r1).toBeCloseTo(100 / 3, 10);
    expect(m.imageToName.r5).toBeCloseTo(200 / 3, 10);
    expect(m.nameToImage.r5).toBeCloseTo(200 / 3, 10);
    expect(m.nameToImage.r10).toBeCloseTo(100, 10);
  });
});

describe('demo augmentation', () => {
  it('is the identity at full scale without jitter, seeded otherwise, and leaks no tensor', () => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => (i % 7) / 7),
      [2, 4, 4, 3],
    );
    const before = tf.memory().numTensors;
    const same = augmentPixels(x, new Rng(1), { minScale: 1, jitter: 0 });
    expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()).map((v) => expect.closeTo(v, 5)));
    // a constant picture stays constant under crops; its value becomes gain * v + shift
    const flat = tf.fill([1, 4, 4, 3], 0.5) as tf.Tensor4D;
    const a = augmentPixels(flat, new Rng(2), { minScale: 0.5, jitter: 0.2 });
    const b = augmentPixels(flat, new Rng(2), { minScale: 0.5, jitter: 0.2 });
    const va = Array.from(a.dataSync());
    expect(va).toEqual(Array.from(b.dataSync()));
    for (const v of va) expect(v).toBeCloseTo(va[0] as number, 5);
    expect(va[0]).toBeGreaterThanOrEqual(0.5 * 0.8 - 0.2 - 1e-6);
    expect(va[0]).toBeLessThanOrEqual(0.5 * 1.2 + 0.2 + 1e-6);
    tf.dispose([same, flat, a, b]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('shifts by whole pixels, mirroring the edge into the uncovered border', () => {
    // a 5x6 picture with a distinct value per pixel and channel
    const h = 5;
    const w = 6;
    const v = (y: number, x: number, c: number) => 100 * y + 10 * x + c;
    const x = tf.tensor4d(
      Array.from({ length: 8 * h * w * 3 }, (_, i) =>
        v(Math.floor(i / (w * 3)) % h, Math.floor(i / 3) % w, i % 3),
      ),
      [8, h, w, 3],
    );
    const out = augmentPixels(x, new Rng(3), { minScale: 1, jitter: 0, shift: 2 });
    const got = out.arraySync();
    // reflect padding by 2: index -1 -> 1, -2 -> 2, n -> n - 2, n + 1 -> n - 3
    const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
    const moves = new Set<string>();
    for (const pic of got) {
      // the move is read off the top-left pixel, then every pixel must follow it
      const match = [];
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++) {
          const ok = pic.every((row, y) =>
            row.every((px, xx) =>
              px.every((val, c) => Math.abs(val - v(reflect(y + dy, h), reflect(xx + dx, w), c)) < 1e-3),
            ),
          );
          if (ok) match.push(`${dy},${dx}`);
        }
      expect(match).toHaveLength(1);
      moves.add(match[0] as string);
    }
    expect(moves.size).toBeGreaterThan(1); // pictures move independently
    expect(() => augmentPixels(x, new Rng(3), { shift: 5 })).toThrow(/larger than 5x6/);
    tf.dispose([x, out]);
  });
});

describe('vlp demo on a tiny budget', () => {
  let out = '';
  afterAll(async () => {
    await releaseBackends();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('stops, resumes, and writes a report whose figures the predictions reproduce', async () => {
    out = await mkdtemp(join(tmpdir(), 'vlp-demo-'));
    const lines: string[] = [];
    const opts = {
      out,
      subset: 4,
      augment: true,
      steps: 16,
      batchSize: 16,
      minutes: 10,
      backend: process.env.VLP_BACKEND ?? 'auto',
      log: (l: string) => lines.push(l),
    };
    const first = await runDemo({ ...opts, stopAfter: 6 });
    expect(first.stopped).toBe('interrupted');
    expect(first.step).toBe(6);
    expect(first.metrics).toBeUndefined();
    expect(existsSync(join(out, 'report.md'))).toBe(false);
    await expect(runDemo(opts)).rejects.toThrow(/--resume/);

    const r = await runDemo({ ...opts, resume: true });
    expect(lines.some((l) => /resumed from .*step-0+6/.test(l))).toBe(true);
    expect(r.stopped).toBe('completed');
    expect(r.step).toBe(16);
    const steps = new Set((await readLossPoints(join(out, 'metrics.jsonl'))).map((p) => p.step));
    expect([...steps].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));

    for (const f of ['loss.png', 'confusion.png']) {
      const bytes = await readFile(join(out, f));
      expect([...bytes.subarray(0, 4)]).toEqual(PNG);
      expect(bytes.length).toBeGreaterThan(5000);
    }
    const p = DemoPredictionsSchema.parse(JSON.parse(await readFile(join(out, 'predictions.json'), 'utf8')));
    expect(p.categories).toHaveLength(9);
    expect(p.rows.length).toBe(36);
    // independent recomputation: counting hits and ranks directly
    const pct = (xs: boolean[]) => (100 * xs.filter(Boolean).length) / xs.length;
    const cat = pct(p.rows.map((x) => x.category === x.categoryPred));
    const sub = pct(p.rows.map((x) => x.subcategory === x.subcategoryPred));
    const r1 = pct(p.rows.map((x) => x.i2tRank < 1));
    const r5 = pct(p.rows.map((x) => x.i2tRank < 5));
    const t1 = pct(p.rows.map((x) => x.t2iRank < 1));
    // the category is the one of the predicted subcategory (each subcategory has one category)
    expect(p.categoryVia).toBe('subcategories');
    const parent = new Map(p.rows.map((x) => [x.subcategory, x.category]));
    for (const x of p.rows) expect(x.categoryPred).toBe(parent.get(x.subcategoryPred) ?? -1);
    const catPrompt = pct(p.rows.map((x) => x.category === x.categoryPromptPred));
    expect(p.viewShift).toBe(1);
    const m = r.metrics;
    expect(m).toBeDefined();
    expect(m?.category.promptAccuracy).toBeCloseTo(catPrompt, 10);
    expect(m?.category.accuracy).toBeCloseTo(cat, 10);
    expect(m?.subcategory.accuracy).toBeCloseTo(sub, 10);
    expect(m?.imageToName.r1).toBeCloseTo(r1, 10);
    expect(m?.imageToName.r5).toBeCloseTo(r5, 10);
    expect(m?.nameToImage.r1).toBeCloseTo(t1, 10);
    const confusionTotal = (m?.category.confusion ?? []).flat().reduce((a, b) => a + b, 0);
    expect(confusionTotal).toBe(36);
    // the report states the same figures
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`| category, 9 classes, top-1 % (through the subcategories) | ${cat.toFixed(1)} |`);
    expect(md).toContain(`| category from the category prompts alone | ${catPrompt.toFixed(1)} |`);
    expect(md).toContain(`| image -> name R@1 % (36 names) | ${r1.toFixed(1)} |`);
    expect(md).toContain(`| image -> name R@5 % | ${r5.toFixed(1)} |`);
    expect(md).toContain('Steps 16 of 16 (completed, resumed from a checkpoint)');
    // the trained model directory other commands read
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
  }, 180_000);
});

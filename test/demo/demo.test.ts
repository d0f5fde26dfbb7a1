// `vlp demo` on a tiny budget: a small emoji corpus (4 per category, 2 styles), a run stopped after a few
// steps and resumed to the end, then a complete report whose figures agree with an independent
// recomputation from the saved predictions (accuracy by counting, R@K from the ranks). Plus the metric
// helpers on hand-computed values. About 40-60 s on 2 busy cores.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
} from '@vlp/cli';
import { Rng, releaseBackends } from '@vlp/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';

const PNG = [0x89, 0x50, 0x4e, 0x47];

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
    const m = summarisePredictions({
      format: 'vlp-demo-predictions',
      templates: ['{}'],
      categories: ['a', 'b'],
      categoryPrompts: ['a', 'b'],
      subcategories: ['a', 'b'],
      subcategoryPrompts: ['a', 'b'],
      heldOutLabels: ['h0', 'h1'],
      rows: [row(0, 0, 0, 2, 0, 0), row(1, 0, 3, 0, 1, 0), row(1, 1, 12, 7)],
    });
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
    const m = r.metrics;
    expect(m).toBeDefined();
    expect(m?.category.accuracy).toBeCloseTo(cat, 10);
    expect(m?.subcategory.accuracy).toBeCloseTo(sub, 10);
    expect(m?.imageToName.r1).toBeCloseTo(r1, 10);
    expect(m?.imageToName.r5).toBeCloseTo(r5, 10);
    expect(m?.nameToImage.r1).toBeCloseTo(t1, 10);
    const confusionTotal = (m?.category.confusion ?? []).flat().reduce((a, b) => a + b, 0);
    expect(confusionTotal).toBe(36);
    // the report states the same figures
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`| category, 9 classes, top-1 % | ${cat.toFixed(1)} |`);
    expect(md).toContain(`| image -> name R@1 % (36 names) | ${r1.toFixed(1)} |`);
    expect(md).toContain(`| image -> name R@5 % | ${r5.toFixed(1)} |`);
    expect(md).toContain('Steps 16 of 16 (completed, resumed from a checkpoint)');
    // the trained model directory other commands read
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
  }, 180_000);
});

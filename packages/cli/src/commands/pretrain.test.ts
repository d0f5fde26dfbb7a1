// The pipeline through createProgram() on real emoji PNGs: `vlp ingest` a pairs file, `vlp pretrain` a tiny
// CAVL for a few steps (checkpoints, refusal to overwrite, --resume), then `vlp eval` (labelled folder and
// Karpathy JSON) and `vlp label` with the trained-model directory; the colour baseline scores well above
// chance on the same folder and Karpathy JSON.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '@vlp/pretrain';
import { readLabelled } from '@vlp/tasks';
import { releaseBackends } from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColourEmoji, colourEmoji, karpathyJson, labelledFolder, runVlp } from './_test-emoji.js';

let root = '';
let items: ColourEmoji[] = [];
const model = () => join(root, 'run');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-cli-pretrain-'));
  items = colourEmoji().slice(0, 36);
  const lines = items.map((e) => JSON.stringify({ image: e.path, caption: e.captions }));
  await writeFile(join(root, 'pairs.jsonl'), `${lines.join('\n')}\n`);
  await labelledFolder(join(root, 'by-colour'), items);
  await karpathyJson(join(root, 'karpathy.json'), items);
});

afterAll(async () => {
  await releaseBackends();
  await rm(root, { recursive: true, force: true });
});

describe('vlp pretrain / eval / label', () => {
  it('ingests, trains with checkpoints, refuses to overwrite, resumes and writes a loadable model', async () => {
    const corpus = join(root, 'corpus');
    await runVlp(['ingest', `jsonl:${join(root, 'pairs.jsonl')}`, '--out', corpus]);
    const args = ['pretrain', '--recipe', 'cavl-tiny', '--corpus', corpus, '--out', model()];
    const common = [
      '--batch-size',
      '8',
      '--lr',
      '1e-3',
      '--vocab-size',
      '200',
      '--checkpoint-every',
      '3',
      '--json',
    ];
    const first = JSON.parse((await runVlp([...args, '--steps', '6', ...common])).out);
    expect(first).toMatchObject({
      recipe: 'cavl-tiny',
      step: 6,
      startStep: 0,
      reason: 'completed',
      model: model(),
    });
    expect(Number.isFinite(first.lossStart) && Number.isFinite(first.lossEnd)).toBe(true);
    expect((await readdir(join(model(), 'checkpoints'))).filter((d) => d.startsWith('step-')).length).toBe(2);
    await expect(runVlp([...args, '--steps', '9', ...common])).rejects.toThrow(
      /already holds checkpoints.*--resume/,
    );
    const second = JSON.parse((await runVlp([...args, '--steps', '9', ...common, '--resume'])).out);
    expect(second).toMatchObject({ startStep: 6, step: 9, reason: 'completed' });
    expect(second.resumedFrom).toMatch(/step-0*6$/);
    const loaded = await loadModel(model());
    expect(loaded.recipe.name).toBe('cavl-tiny');
    loaded.model.dispose();
    await expect(
      runVlp(['pretrain', '--recipe', 'nope', '--corpus', corpus, '--out', join(root, 'x')]),
    ).rejects.toThrow(/nope/);
  });

  it('checkpoints on Ctrl-C (exit 130, no model yet) and --resume finishes the run', async () => {
    const out = join(root, 'interrupted');
    const args = ['pretrain', '--recipe', 'cavl-tiny', '--corpus', join(root, 'corpus'), '--out', out];
    const common = [
      '--steps',
      '40',
      '--batch-size',
      '8',
      '--lr',
      '1e-3',
      '--vocab-size',
      '200',
      '--checkpoint-every',
      '2',
    ];
    let stopped = false;
    const poll = setInterval(() => {
      if (!stopped && existsSync(join(out, 'checkpoints', 'step-00000002'))) {
        stopped = true;
        process.emit('SIGINT', 'SIGINT'); // what Ctrl-C delivers to the handlers, without killing vitest
      }
    }, 5);
    let first: { out: string; exitCode: number | undefined };
    try {
      first = await runVlp([...args, ...common]);
    } finally {
      clearInterval(poll);
    }
    expect(first.exitCode).toBe(130);
    expect(first.out).toMatch(/interrupted; a checkpoint was saved: rerun with --resume/);
    expect(existsSync(join(out, 'model.json'))).toBe(false);
    const stoppedAt = Number(/trained to step (\d+)/.exec(first.out)?.[1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(stoppedAt).toBeLessThan(40);
    const second = JSON.parse((await runVlp([...args, ...common, '--resume', '--json'])).out);
    expect(second).toMatchObject({ startStep: stoppedAt, step: 40, reason: 'completed', model: out });
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });

  it('evaluates the trained model and the colour baseline on a labelled folder and a Karpathy JSON', async () => {
    const folder = ['--folder', join(root, 'by-colour'), '--json'];
    const trained = JSON.parse((await runVlp(['eval', model(), ...folder])).out);
    const classes = new Set(items.map((e) => e.colour)).size;
    expect(trained.images).toBe(items.length);
    expect(trained.classes.length).toBe(classes);
    expect(trained.chance).toBeCloseTo(1 / classes, 12);
    expect(trained.top1).toBeGreaterThanOrEqual(0);
    expect(trained.top5).toBeGreaterThanOrEqual(trained.top1);
    const colour = JSON.parse((await runVlp(['eval', 'colour', ...folder])).out);
    expect(colour.top1).toBeGreaterThan(3 * colour.chance);
    const n = Object.values(colour.perClass as Record<string, { n: number }>).reduce((s, c) => s + c.n, 0);
    expect(n).toBe(items.length);

    const kp = ['--karpathy', join(root, 'karpathy.json'), '--json'];
    const r = JSON.parse((await runVlp(['eval', model(), ...kp])).out);
    expect([r.images, r.texts]).toEqual([
      items.length,
      items.reduce((s, e) => s + Math.min(2, e.captions.length), 0),
    ]);
    for (const k of ['r1', 'r5', 'r10']) expect(r.i2t[k]).toBeGreaterThanOrEqual(0);
    const c = JSON.parse((await runVlp(['eval', 'colour', ...kp])).out);
    expect(c.t2i.r10).toBeGreaterThan((100 * 10) / items.length); // chance R@10 for one right image
    const text = (await runVlp(['eval', 'colour', '--karpathy', join(root, 'karpathy.json')])).out;
    expect(text).toMatch(/image->text\s+R@1 [\d.]+\s+R@5 [\d.]+\s+R@10 [\d.]+/);
    await expect(runVlp(['eval', 'colour'])).rejects.toThrow(/exactly one of --folder/);
  });

  it('labels a folder with the trained model', async () => {
    const out = join(root, 'labels.jsonl');
    const res = await runVlp([
      'label',
      model(),
      join(root, 'by-colour'),
      '--labels',
      'red,green,blue',
      '--out',
      out,
    ]);
    expect(res.out).toMatch(new RegExp(`^${items.length} labelled`));
    const { rows } = await readLabelled(out);
    expect(rows.length).toBe(items.length);
    expect(rows.every((r) => ['red', 'green', 'blue'].includes(r.label))).toBe(true);
  });
});

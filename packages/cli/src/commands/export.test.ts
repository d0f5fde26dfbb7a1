// `vlp export` on a saved model directory: writes the ONNX towers, sidecars and tokenizer, and its --check
// finds the exported embeddings equal to the tfjs ones; a missing model directory is a clear error.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, loadEmojiCatalog, saveModel, trainCaptionTokenizer } from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProgram } from '../program.js';
import { exportModelDir, registerExport } from './export.js';

let modelDir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  const tokenizer = trainCaptionTokenizer(['a red apple', 'a grinning face', 'a photo of a cat'], 60);
  const model = createModel('cavl-tiny', {}, new Rng(1), { vocabSize: tokenizer.vocabSize, batchSize: 8 });
  // Spread the weights so embeddings depend on the input (at init a tiny tower barely does).
  model.towers.namedParameters().forEach(([, v], i) => {
    tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.2, 'float32', 100 + i))));
  });
  modelDir = await mkdtemp(join(tmpdir(), 'vlp-cli-export-model-'));
  await saveModel(modelDir, model, tokenizer);
  model.dispose();
});

describe('vlp export', () => {
  it('writes image/text ONNX towers, sidecars and tokenizer; --check agrees within 1e-4', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'vlp-cli-export-')), 'onnx');
    const report = await exportModelDir(modelDir, out, { check: true });
    for (const f of ['image.onnx', 'image.json', 'text.onnx', 'text.json', 'tokenizer.json'])
      expect(existsSync(join(out, f))).toBe(true);
    expect(report.recipe).toBe('cavl-tiny');
    expect(report.maxDiff?.image).toBeLessThan(1e-4);
    expect(report.maxDiff?.text).toBeLessThan(1e-4);
  });

  it('vlp label runs on the exported directory (onnxruntime-node)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vlp-cli-export-label-'));
    const out = join(root, 'onnx');
    await exportModelDir(modelDir, out);
    const photos = join(root, 'photos');
    await mkdir(photos);
    const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
    const pngs = records.slice(0, 5).map((r) => r.images.google as string);
    await Promise.all(pngs.map((p, i) => copyFile(p, join(photos, `${i}.png`))));
    const labels = join(root, 'labels.jsonl');
    const log: string[] = [];
    const origLog = console.log;
    console.log = (...a: unknown[]) => log.push(a.join(' '));
    try {
      await createProgram().parseAsync([
        'node',
        'vlp',
        'label',
        out,
        photos,
        '--labels',
        'cat,apple,face',
        '--out',
        labels,
      ]);
    } finally {
      console.log = origLog;
    }
    const rows = (await readFile(labels, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.path).sort()).toEqual(['0.png', '1.png', '2.png', '3.png', '4.png']);
    for (const r of rows) {
      expect(['cat', 'apple', 'face']).toContain(r.label);
      expect(r.scores[0]).toBeGreaterThan(1 / 3 - 1e-9); // the top of a 3-way softmax
    }
  });

  it('names the model directory when it holds no model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'vlp-cli-export-empty-'));
    await expect(exportModelDir(empty, join(empty, 'out'))).rejects.toThrow(/model\.json/);
  });

  it('--help lists its options and an example', () => {
    let text = '';
    const program = registerExport(new Command('vlp'));
    for (const c of [program, ...program.commands])
      c.exitOverride().configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    expect(() => program.parse(['node', 'vlp', 'export', '--help'])).toThrow(/outputHelp|help/);
    for (const part of ['<model>', '<out>', '--opset <n>', '--check', '--backend <name>', 'vlp export runs/'])
      expect(text).toContain(part);
  });
});

// `vlp export` on a saved model directory: writes the ONNX towers, sidecars and tokenizer, and its --check
// finds the exported embeddings equal to the tfjs ones; a missing model directory is a clear error.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, saveModel, trainCaptionTokenizer } from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
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

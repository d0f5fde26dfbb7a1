// saveModel / loadModel: a round trip gives bit-identical image and text embeddings and ITM scores (ALBEF
// with momentum towers, SOHO with its visual dictionary buffers, CAVL without fusion); a missing, corrupt
// or mismatched file is an error naming that file.
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainCaptionTokenizer } from './batch.js';
import { createModel, type VlpModel } from './model.js';
import { loadModel, MODEL_FILES, saveModel } from './saved.js';

const CAPTIONS = [
  'a red apple',
  'a green frog',
  'a blue whale in the sea',
  'a yellow star',
  'two red hearts',
];
const tokenizer = trainCaptionTokenizer(CAPTIONS, 60);
let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-saved-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function outputs(model: VlpModel): { img: Float32Array; txt: Float32Array; itm?: Float32Array } {
  return tf.tidy(() => {
    const size = model.towers.vision.config.imageSize;
    const pixels = tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 7) as tf.Tensor4D; // [2, S, S, 3]
    const enc = tokenizer.encodeBatch(CAPTIONS.slice(0, 3), {
      maxLength: model.recipe.maxLength,
      padding: 'max_length',
    });
    const ids = tf.tensor2d(enc.inputIds, enc.shape, 'int32'); // [3, T]
    const mask = tf.tensor2d(enc.attentionMask, enc.shape, 'int32'); // [3, T]
    const img = model.embedImages(pixels).dataSync() as Float32Array; // [2, E]
    const txt = model.embedTexts(ids, mask).dataSync() as Float32Array; // [3, E]
    if (model.itmHead === undefined) return { img, txt };
    return { img, txt, itm: model.itmScore(pixels, ids, mask).dataSync() as Float32Array }; // [2, 3]
  });
}

describe('saveModel / loadModel', () => {
  for (const name of ['albef-tiny', 'soho-tiny', 'cavl-tiny']) {
    it(`round-trips ${name} to identical outputs`, async () => {
      const model = createModel(name, {}, new Rng(3), {
        vocabSize: tokenizer.vocabSize,
        batchSize: 4,
      }).eval();
      // Move weights off their initialisation so a load that silently kept fresh weights would differ.
      for (const v of model.parameters())
        v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.02))));
      const dir = join(root, name);
      await saveModel(dir, model, tokenizer);
      const before = outputs(model);
      const tensorsBefore = tf.memory().numTensors;
      const loaded = await loadModel(dir);
      expect(loaded.recipe).toEqual(model.recipe);
      expect(loaded.tokenizer.encode('a red frog').inputIds).toEqual(tokenizer.encode('a red frog').inputIds);
      const after = outputs(loaded.model);
      expect(Array.from(after.img)).toEqual(Array.from(before.img));
      expect(Array.from(after.txt)).toEqual(Array.from(before.txt));
      expect(after.itm === undefined).toBe(model.itmHead === undefined);
      if (before.itm && after.itm) expect(Array.from(after.itm)).toEqual(Array.from(before.itm));
      if (model.momentum) {
        const a = model.momentum.model.stateDict();
        const b = loaded.model.momentum?.model.stateDict() ?? {};
        for (const [k, t] of Object.entries(a))
          expect(Array.from(b[k]?.dataSync() ?? []), k).toEqual(Array.from(t.dataSync()));
      }
      loaded.model.dispose();
      expect(tf.memory().numTensors).toBe(tensorsBefore); // the read tensors were released
      model.dispose();
    });
  }

  it('names the file that is missing, corrupt or does not fit', async () => {
    const model = createModel('cavl-tiny', {}, new Rng(1), { vocabSize: tokenizer.vocabSize, batchSize: 4 });
    const fresh = async (tag: string) => {
      const dir = join(root, tag);
      await saveModel(dir, model, tokenizer);
      return dir;
    };
    let dir = await fresh('no-config');
    await unlink(join(dir, MODEL_FILES.config));
    await expect(loadModel(dir)).rejects.toThrow(`${join(dir, MODEL_FILES.config)}: missing`);

    dir = await fresh('bad-json');
    await writeFile(join(dir, MODEL_FILES.config), '{"format": "vlp-model", ');
    await expect(loadModel(dir)).rejects.toThrow(`${join(dir, MODEL_FILES.config)}: not valid JSON`);

    dir = await fresh('bad-recipe');
    const cfg = JSON.parse(await readFile(join(dir, MODEL_FILES.config), 'utf8'));
    cfg.recipe.embedDim = 0;
    await writeFile(join(dir, MODEL_FILES.config), JSON.stringify(cfg));
    await expect(loadModel(dir)).rejects.toThrow(/model\.json: invalid: recipe: embedDim/);

    dir = await fresh('truncated-weights');
    await truncate(join(dir, MODEL_FILES.weights), 200);
    await expect(loadModel(dir)).rejects.toThrow(join(dir, MODEL_FILES.weights));

    dir = await fresh('no-tokenizer');
    await unlink(join(dir, MODEL_FILES.tokenizer));
    await expect(loadModel(dir)).rejects.toThrow(`${join(dir, MODEL_FILES.tokenizer)}: missing`);

    dir = await fresh('other-recipe');
    const other = JSON.parse(await readFile(join(dir, MODEL_FILES.config), 'utf8'));
    other.recipe.embedDim = other.recipe.embedDim * 2;
    await writeFile(join(dir, MODEL_FILES.config), JSON.stringify(other));
    await expect(loadModel(dir)).rejects.toThrow(
      new RegExp(`${MODEL_FILES.weights}: does not fit recipe "cavl-tiny": .*shape mismatch`, 's'),
    );
    model.dispose();
  });
});

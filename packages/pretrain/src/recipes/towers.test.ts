// The contrastive towers' options the emoji demo uses: `imageProjection: false` (the CNN's own head is the
// embedding; no visionProj, also after a save / load round trip) and mean-pooled text; and UNIMO-2's
// image-only views going through the image tower in the pairs' forward, so a BatchNorm tower updates its
// running statistics once per step from the whole batch instead of twice more from the icons alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@vlp/tensor-core';
import type { ResNetEncoder } from '@vlp/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { l2Normalize, visualContrastiveLoss } from '../objectives/index.js';
import { trainCaptionTokenizer } from './batch.js';
import type { RecipeOverrides } from './config.js';
import { createModel, type VlpBatch } from './model.js';
import { loadModel, saveModel } from './saved.js';

const CAPTIONS = ['a red apple', 'a green frog', 'a blue whale in the sea', 'a yellow star'];
const tokenizer = trainCaptionTokenizer(CAPTIONS, 60);

/** The demo's tower shape, narrowed for a unit test. */
const CNN_TOWERS: RecipeOverrides = {
  image: { name: 'resnet-tiny', overrides: { stemStride: 2, pool: 'flatten', dim: 24 } },
  text: {
    name: 'bert-tiny',
    overrides: { dim: 16, heads: 2, mlpDim: 32, dropout: 0, maxPositions: 16, pooling: 'mean' },
  },
  embedDim: 24,
  imageProjection: false,
};

function pixels(n: number, seed: number): tf.Tensor4D {
  return tf.randomNormal([n, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

function batchOf(n: number, views: number): VlpBatch {
  const enc = tokenizer.encodeBatch(
    Array.from({ length: n }, (_, i) => CAPTIONS[i % CAPTIONS.length] as string),
    { maxLength: 8, padding: 'max_length' },
  );
  const ids = tf.tensor2d(enc.inputIds, enc.shape, 'int32');
  const mask = tf.tensor2d(enc.attentionMask, enc.shape, 'int32');
  return {
    pixels: pixels(n, 1),
    inputIds: ids,
    attentionMask: mask,
    mlmInputIds: tf.clone(ids),
    mlmLabels: tf.fill(enc.shape, -100, 'int32') as tf.Tensor2D,
    viewA: pixels(views, 2),
    viewB: pixels(views, 3),
  } as VlpBatch;
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('contrastive tower options', () => {
  it("imageProjection false: the CNN head's output, normalised, is the embedding (and survives save / load)", async () => {
    const model = createModel('cavl-tiny', CNN_TOWERS, new Rng(0), {
      vocabSize: tokenizer.vocabSize,
      batchSize: 4,
    }).eval();
    expect(model.towers.visionProj).toBeUndefined();
    expect(model.namedParameters().some(([n]) => n.includes('visionProj'))).toBe(false);
    const x = pixels(3, 5);
    const got = model.embedImages(x);
    const want = tf.tidy(() => l2Normalize(model.towers.vision.forward(x).cls));
    expect(got.shape).toEqual([3, 24]);
    expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]).toBeLessThan(1e-6);
    const dir = await mkdtemp(join(tmpdir(), 'vlp-towers-'));
    try {
      await saveModel(dir, model, tokenizer);
      const back = await loadModel(dir);
      expect(back.model.towers.visionProj).toBeUndefined();
      const again = back.model.eval().embedImages(x);
      expect(Array.from(again.dataSync())).toEqual(Array.from(got.dataSync()));
      tf.dispose(again);
      back.model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    tf.dispose([x, got, want]);
    model.dispose();
  });

  it('imageProjection false refuses a tower whose width is not embedDim, naming both', () => {
    expect(() =>
      createModel('cavl-tiny', { ...CNN_TOWERS, embedDim: 32 }, new Rng(0), {
        vocabSize: tokenizer.vocabSize,
        batchSize: 4,
      }),
    ).toThrow(/imageProjection false needs the image tower's dim \(24\) to equal embedDim \(32\)/);
  });

  it('UNIMO-2 views share the pairs forward: BatchNorm running means move once, by the whole batch', () => {
    const model = createModel('unimo2-tiny', { ...CNN_TOWERS, objectives: { itc: 1, vcl: 1 } }, new Rng(1), {
      vocabSize: tokenizer.vocabSize,
      batchSize: 6,
    }).train();
    const batch = batchOf(6, 2);
    const vision = model.towers.vision as ResNetEncoder;
    const bn = vision.bn1;
    // expected: one momentum-0.1 step from 0 towards the mean of conv1 over pairs and both views
    const want = tf.tidy(() => {
      const all = tf.concat([batch.pixels, batch.viewA as tf.Tensor4D, batch.viewB as tf.Tensor4D]);
      return tf.mul(tf.moments(vision.conv1.forward(all as tf.Tensor4D), [0, 1, 2]).mean, bn.momentum);
    });
    const out = model.lossFn(batch, 0);
    expect(Object.keys(out.losses).sort()).toEqual(['itc', 'vcl']);
    const diff = tf.max(tf.abs(tf.sub(bn.runningMean, want))).dataSync()[0] as number;
    expect(diff).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(want)).dataSync()[0]).toBeGreaterThan(1e-3); // not vacuous
    tf.dispose([want, Object.values(out.losses), batch]);
    model.dispose();
  });

  it('joint and separate forwards of the views give the same UNIMO-2 losses on a ViT tower', () => {
    const vit = createModel('unimo2-tiny', { objectives: { itc: 1, vcl: 1 } }, new Rng(2), {
      vocabSize: tokenizer.vocabSize,
      batchSize: 6,
    }).train();
    const batch = batchOf(6, 3);
    const joint = vit.lossFn(batch, 0);
    // separate: the views' embeddings computed alone (a ViT has no batch statistics, so they must agree)
    const temperature = vit.temp.value();
    const a = vit.towers.images(batch.viewA as tf.Tensor4D, false).embeds;
    const b = vit.towers.images(batch.viewB as tf.Tensor4D, false).embeds;
    const separate = visualContrastiveLoss({ viewA: a, viewB: b, temperature }).losses.vcl as tf.Scalar;
    const jv = joint.losses.vcl?.dataSync()[0] as number;
    expect(jv).toBeCloseTo(separate.dataSync()[0] as number, 4);
    expect(jv).toBeGreaterThan(0.1);
    tf.dispose([temperature, a, b, separate, Object.values(joint.losses), batch]);
    vit.dispose();
  });
});

// Adapter I and Adapter II: finite-difference gradients, identity at init on a real recipe model (the
// frozen towers' outputs are bit-identical after attaching), and freezing with hand-counted parameters.
import * as tf from '@tensorflow/tfjs-core';
import { createModel, trainCaptionTokenizer } from '@vlp/pretrain';
import { type Linear, Rng, selectBackend, TransformerBlock } from '@vlp/tensor-core';
import { checkGradients, checkParameterGradients } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdapterI, pooledPixels } from './adapter-i.js';
import { AdapterII, attachAdapterII } from './adapter-ii.js';
import { freezeExcept, parameterCounts } from './freeze.js';

/** sum(y * R) for a fixed random R: every output entry gets its own weight in the gradient check. */
function projected(shape: number[], seed: number): { r: tf.Tensor; loss: (y: tf.Tensor) => tf.Scalar } {
  const r = tf.randomNormal(shape, 0, 1, 'float32', seed);
  return { r, loss: (y) => tf.sum(tf.mul(y, r)) };
}

beforeAll(async () => {
  await selectBackend('cpu'); // registers tfjs-core's gradients
});

describe('AdapterII', () => {
  it('has finite-difference gradients for its input and every parameter', async () => {
    const a = new AdapterII(6, { bottleneck: 3, initStd: 0.5, rng: new Rng(1) });
    const x = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 2);
    const { r, loss } = projected([2, 4, 6], 3);
    const gx = await checkGradients((v) => loss(a.forward(v)), [x]);
    const gp = await checkParameterGradients(() => loss(a.forward(x)), a.parameters());
    expect(gx.maxRelError).toBeLessThan(2e-2);
    expect(gp.maxRelError).toBeLessThan(2e-2);
    expect(gp.checked).toBe(6 * 3 + 3 + 3 * 6 + 6);
    tf.dispose([x, r]);
    a.dispose();
  });

  it('starts as the identity (zero up-projection) and counts 2 * dim * b + b + dim parameters', () => {
    const a = new AdapterII(32, { bottleneck: 8 });
    const x = tf.randomNormal([3, 5, 32], 0, 1, 'float32', 4);
    const y = a.forward(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(a.numParameters()).toBe(32 * 8 + 8 + 8 * 32 + 32);
    expect(() => new AdapterII(8, { bottleneck: 0 })).toThrow(/positive integer/);
    tf.dispose([x, y]);
    a.dispose();
  });
});

describe('AdapterI', () => {
  it('has finite-difference gradients for both inputs and every parameter', async () => {
    const a = new AdapterI({ featureDim: 5, inputDim: 4, hidden: 3, initStd: 0.5, rng: new Rng(5) });
    const f = tf.randomNormal([3, 5], 0, 1, 'float32', 6);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 7);
    const { r, loss } = projected([3, 5], 8);
    const gx = await checkGradients((fv, xv) => loss(a.forward(fv as tf.Tensor, xv as tf.Tensor)), [f, x]);
    const gp = await checkParameterGradients(() => loss(a.forward(f, x)), a.parameters());
    expect(gx.maxRelError).toBeLessThan(2e-2);
    expect(gp.maxRelError).toBeLessThan(2e-2);
    expect(gp.checked).toBe(4 * 3 + 3 + 5 * 3 + 3 + 3 * 5 + 5);
    tf.dispose([f, x, r]);
    a.dispose();
  });

  it('starts as the identity on the frozen feature; pooledPixels averages grid cells', () => {
    const a = new AdapterI({ featureDim: 4, inputDim: 12, rng: new Rng(0) });
    const f = tf.randomNormal([2, 4], 0, 1, 'float32', 9);
    // 2x2 image, grid 1 -> the mean colour; grid 2 -> the pixels themselves.
    const px = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [1, 2, 2, 3]);
    expect(Array.from(pooledPixels(px, 1).dataSync())).toEqual([4.5, 5.5, 6.5]);
    expect(Array.from(pooledPixels(px, 2).dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(() => pooledPixels(tf.zeros([1, 3, 3, 3]) as tf.Tensor4D, 2)).toThrow(/not a multiple/);
    const x = tf.tile(pooledPixels(px, 2), [2, 1]); // [2, 12]
    expect(Array.from(a.forward(f, x).dataSync())).toEqual(Array.from(f.dataSync()));
    expect(() => a.forward(f, tf.zeros([2, 5]))).toThrow(/width 5, expected 12/);
    tf.dispose([f, px, x]);
    a.dispose();
  });
});

describe('attachAdapterII on a recipe model', () => {
  it('leaves the frozen towers bit-identical at init and trains only the adapters', () => {
    const tok = trainCaptionTokenizer(['a red heart', 'a blue car', 'a green tree'], 60);
    const model = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 2 });
    model.eval();
    const pixels = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
    const enc = tok.encodeBatch(['a red heart', 'a blue car'], { maxLength: 16, padding: 'max_length' });
    const ids = tf.tensor2d(enc.inputIds, enc.shape, 'int32');
    const mask = tf.tensor2d(enc.attentionMask, enc.shape, 'int32');
    const before = [model.embedImages(pixels), model.embedTexts(ids, mask)].map((t) =>
      Array.from(t.dataSync()),
    );
    const total = model.numParameters();
    model.requiresGrad(false);
    const vision = attachAdapterII(model.towers.vision, { bottleneck: 8, rng: new Rng(1) });
    const text = attachAdapterII(model.towers.text, { bottleneck: 4, rng: new Rng(2) });
    const after = [model.embedImages(pixels), model.embedTexts(ids, mask)].map((t) =>
      Array.from(t.dataSync()),
    );
    expect(after).toEqual(before);
    // vit-tiny: 2 blocks of width 32, two adapters each (bottleneck 8); cavl-tiny text: 2 blocks of width 32 (4).
    expect(vision.adapters.map(([n]) => n)).toEqual([
      'encoder.blocks.0.attnAdapter',
      'encoder.blocks.0.mlpAdapter',
      'encoder.blocks.1.attnAdapter',
      'encoder.blocks.1.mlpAdapter',
    ]);
    expect(vision.parameters).toBe(4 * (32 * 8 + 8 + 8 * 32 + 32));
    expect(text.parameters).toBe(4 * (32 * 4 + 4 + 4 * 32 + 32));
    const counts = parameterCounts(model);
    expect(counts.total).toBe(total + vision.parameters + text.parameters);
    expect(counts.trainable).toBe(vision.parameters + text.parameters);
    expect(model.towers.vision.namedModules().filter(([, m]) => m instanceof TransformerBlock).length).toBe(
      2,
    );
    // freezeExcept re-derives the same split from names alone.
    model.requiresGrad(true);
    const kept = freezeExcept(model);
    expect(kept.length).toBe(8 * 4);
    expect(parameterCounts(model).trainable).toBe(counts.trainable);
    expect(() => freezeExcept(model, () => false)).toThrow(/no parameter .* trainable/);
    expect(() => attachAdapterII(model.towers.visionProj as Linear)).toThrow(/contains no TransformerBlock/);
    tf.dispose([pixels, ids, mask]);
    model.dispose();
  });
});

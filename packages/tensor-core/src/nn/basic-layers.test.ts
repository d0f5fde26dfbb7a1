// Tests for the parameter-light layers: LayerNorm, GELU, Embedding, Dropout.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { Rng } from '../random/rng.js';
import { checkGradients, checkParameterGradients } from '../testing/gradcheck.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { GELU } from './activations.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';

function expectClose(actual: number[], expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - (expected[i] as number))).toBeLessThan(tol);
  });
}

function basicLayersSuite(backend: BackendName): void {
  describe(`LayerNorm [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('normalises the last axis to hand-computed values', async () => {
      const ln = new LayerNorm(4);
      const x = tf.tensor2d([
        [1, 2, 3, 4],
        [10, 10, 10, 10],
      ]);
      const y = ln.forward(x);
      expectClose(await values(y), [-1.3416354, -0.4472118, 0.4472118, 1.3416354, 0, 0, 0, 0], 1e-5);
      const g = tf.tensor1d([2, 2, 2, 2]);
      const b = tf.tensor1d([1, 0, 0, 0]);
      ln.loadStateDict({ weight: g, bias: b });
      const y2 = ln.forward(x);
      expectClose((await values(y2)).slice(0, 2), [1 - 2.6832708, -0.8944236], 1e-5);
      tf.dispose([x, y, g, b, y2]);
      ln.dispose();
    });

    it('keeps leading dims and has correct gradients', async () => {
      const rng = new Rng(2);
      const ln = new LayerNorm(5, { eps: 1e-6 });
      const g = randn(rng, [5]);
      const b = randn(rng, [5]);
      ln.loadStateDict({ weight: g, bias: b });
      const x = randn(rng, [2, 3, 5]);
      const p = projection(rng, [2, 3, 5]);
      const y = ln.forward(x);
      expect(y.shape).toEqual([2, 3, 5]);
      const rx = await checkGradients((a) => p.loss(ln.forward(a)), [x]);
      expect(rx.maxRelError).toBeLessThan(2e-2);
      const rp = await checkParameterGradients(() => p.loss(ln.forward(x)), ln.parameters());
      expect(rp.checked).toBe(10);
      expect(rp.maxRelError).toBeLessThan(1e-2);
      tf.dispose([g, b, x, y]);
      p.dispose();
      ln.dispose();
    });
  });

  describe(`GELU [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('matches the tanh approximation at reference points', async () => {
      const x = tf.tensor1d([-3, -1, -0.5, 0, 0.5, 1, 2]);
      const y = new GELU().forward(x);
      expectClose(
        await values(y),
        [-0.0036374, -0.158808, -0.154286, 0, 0.345714, 0.841192, 1.9545977],
        1e-5,
      );
      tf.dispose([x, y]);
    });

    it('has a correct gradient', async () => {
      const rng = new Rng(3);
      const x = randn(rng, [3, 4], 1.5);
      const p = projection(rng, [3, 4]);
      const gelu = new GELU();
      const r = await checkGradients((a) => p.loss(gelu.forward(a)), [x]);
      expect(r.checked).toBe(12);
      expect(r.maxRelError).toBeLessThan(1e-2);
      x.dispose();
      p.dispose();
    });
  });

  describe(`Embedding [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('looks up rows for ids of any shape', async () => {
      const emb = new Embedding(5, 3, { rng: new Rng(0) });
      const w = tf.tensor2d([...Array(15).keys()], [5, 3]);
      emb.loadStateDict({ weight: w });
      const ids = tf.tensor2d(
        [
          [4, 0],
          [1, 1],
        ],
        [2, 2],
        'int32',
      );
      const y = emb.forward(ids);
      expect(y.shape).toEqual([2, 2, 3]);
      expect(await values(y)).toEqual([12, 13, 14, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
      const bad = tf.tensor1d([1.5]);
      expect(() => emb.forward(bad)).toThrow(/int32/);
      tf.dispose([w, ids, y, bad]);
      emb.dispose();
    });

    it('accumulates gradients on repeated ids (finite differences)', async () => {
      const rng = new Rng(4);
      const emb = new Embedding(6, 4, { rng, initStd: 1 });
      const ids = tf.tensor2d(
        [
          [1, 3, 1],
          [5, 1, 0],
        ],
        [2, 3],
        'int32',
      );
      const p = projection(rng, [2, 3, 4]);
      const r = await checkParameterGradients(() => p.loss(emb.forward(ids)), emb.parameters());
      expect(r.checked).toBe(24);
      expect(r.maxRelError).toBeLessThan(1e-2);
      const { grads } = tf.variableGrads(() => p.loss(emb.forward(ids)), emb.parameters());
      // Row 2 and 4 are never looked up: zero gradient.
      const g = await values(grads[emb.weight.name] as tf.Tensor);
      expect(g.slice(8, 12)).toEqual([0, 0, 0, 0]);
      expect(g.slice(16, 20)).toEqual([0, 0, 0, 0]);
      tf.dispose([ids, grads]);
      p.dispose();
      emb.dispose();
    });
  });

  describe(`Dropout [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('drops about p of the entries, rescales the rest, and is identity in eval', async () => {
      const drop = new Dropout(0.25, new Rng(0));
      const x = tf.ones([100, 100]);
      const y = drop.forward(x);
      const v = await values(y);
      const zeros = v.filter((a) => a === 0).length;
      expect(Math.abs(zeros / v.length - 0.25)).toBeLessThan(0.02);
      expect(v.every((a) => a === 0 || Math.abs(a - 4 / 3) < 1e-6)).toBe(true);
      drop.eval();
      expect(drop.forward(x)).toBe(x);
      expect(new Dropout(0).forward(x)).toBe(x);
      expect(() => new Dropout(1)).toThrow(/\[0, 1\)/);
      tf.dispose([x, y]);
    });

    it('draws identical masks from identical seeds and fresh masks each call', async () => {
      const x = tf.ones([4, 8]);
      const a = new Dropout(0.5, new Rng(9));
      const b = new Dropout(0.5, new Rng(9));
      const ya1 = a.forward(x);
      const yb1 = b.forward(x);
      const ya2 = a.forward(x);
      expect(await values(ya1)).toEqual(await values(yb1));
      expect(await values(ya2)).not.toEqual(await values(ya1));
      tf.dispose([x, ya1, yb1, ya2]);
    });
  });
}

for (const backend of await layerBackends()) basicLayersSuite(backend);

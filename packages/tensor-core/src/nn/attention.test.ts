import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { paddingMask, scaledDotProductAttention } from '../ops/attention.js';
import { Rng } from '../random/rng.js';
import { checkGradients, checkParameterGradients } from '../testing/gradcheck.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { MultiHeadAttention } from './attention.js';

function attentionSuite(backend: BackendName): void {
  describe(`scaledDotProductAttention [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('matches a hand-computed softmax average', async () => {
      const q = tf.tensor4d([1, 0], [1, 1, 1, 2]);
      const k = tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]);
      const v = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
      const o = scaledDotProductAttention(q, k, v);
      const e = Math.exp(1 / Math.SQRT2);
      const w0 = e / (e + 1);
      const got = await values(o);
      expect(got[0]).toBeCloseTo(w0 * 1 + (1 - w0) * 3, 5);
      expect(got[1]).toBeCloseTo(w0 * 2 + (1 - w0) * 4, 5);
      tf.dispose([q, k, v, o]);
    });

    it('averages uniformly (never NaN) when every key is blocked', async () => {
      const q = tf.ones([1, 1, 1, 2]);
      const k = tf.tensor4d([5, 0, 0, 1], [1, 1, 2, 2]);
      const v = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
      const mask = tf.zeros([1, 2]);
      const o = scaledDotProductAttention(q, k, v, { mask });
      const got = await values(o);
      expect(got[0]).toBeCloseTo(2, 4);
      expect(got[1]).toBeCloseTo(3, 4);
      tf.dispose([q, k, v, mask, o]);
    });
  });

  describe(`MultiHeadAttention [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('maps shapes for self- and cross-attention and names its projections', () => {
      const rng = new Rng(0);
      const self = new MultiHeadAttention({ dim: 8, heads: 2, rng });
      const cross = new MultiHeadAttention({ dim: 8, heads: 2, kvDim: 6, rng });
      const x = randn(rng, [2, 3, 8]);
      const c = randn(rng, [2, 5, 6]);
      const y = self.forward(x);
      const z = cross.forward(x, c);
      expect(y.shape).toEqual([2, 3, 8]);
      expect(z.shape).toEqual([2, 3, 8]);
      expect(self.namedParameters().map(([n, v]) => `${n}:${v.shape}`)).toEqual([
        'qkv.weight:8,24',
        'qkv.bias:24',
        'proj.weight:8,8',
        'proj.bias:8',
      ]);
      expect(cross.namedParameters().map(([n]) => n)).toEqual([
        'q.weight',
        'q.bias',
        'kv.weight',
        'kv.bias',
        'proj.weight',
        'proj.bias',
      ]);
      expect(() => self.forward(x, c)).toThrow(/self-attention/);
      expect(() => cross.forward(x)).toThrow(/needs kv/);
      expect(() => new MultiHeadAttention({ dim: 8, heads: 3 })).toThrow(/divisible/);
      const badMask = tf.ones([2, 3]);
      expect(() => cross.forward(x, c, { mask: badMask })).toThrow(/paddingMask/);
      tf.dispose([x, c, y, z, badMask]);
      self.dispose();
      cross.dispose();
    });

    it('gives blocked keys zero weight (padding and block masks)', async () => {
      const rng = new Rng(1);
      const attn = new MultiHeadAttention({ dim: 8, heads: 2, rng });
      const x = randn(rng, [2, 4, 8]);
      const pad = tf.tensor2d(
        [
          [1, 1, 1, 0],
          [1, 1, 0, 0],
        ],
        [2, 4],
        'int32',
      );
      const w = attn.attentionWeights(x, undefined, { mask: paddingMask(pad) }); // [2, 2, 4, 4]
      const wv = await values(w);
      for (let b = 0; b < 2; b++) {
        for (let h = 0; h < 2; h++) {
          for (let i = 0; i < 4; i++) {
            const row = wv.slice(((b * 2 + h) * 4 + i) * 4, ((b * 2 + h) * 4 + i + 1) * 4);
            expect(row.reduce((s, a) => s + a, 0)).toBeCloseTo(1, 5);
            const valid = b === 0 ? 3 : 2;
            for (let j = valid; j < 4; j++) expect(row[j]).toBe(0);
            for (let j = 0; j < valid; j++) expect(row[j]).toBeGreaterThan(0);
          }
        }
      }
      // A causal block mask [Tq, Tk]: query i sees keys 0..i only.
      const causal = tf.linalg.bandPart(tf.ones([4, 4]), -1, 0);
      const wc = await values(attn.attentionWeights(x, undefined, { mask: causal }));
      expect(wc[1]).toBe(0);
      expect(wc[4 * 4 - 1]).toBeGreaterThan(0);
      expect(wc[4 + 2]).toBe(0);
      tf.dispose([x, pad, w, causal]);
      attn.dispose();
    });

    it('ignores the content of padded keys', async () => {
      const rng = new Rng(2);
      const attn = new MultiHeadAttention({ dim: 8, heads: 4, rng });
      const x = randn(rng, [1, 5, 8]);
      const noise = tf.concat([tf.zeros([1, 3, 8]), randn(rng, [1, 2, 8], 10)], 1);
      const x2 = tf.add(x, noise);
      const mask = paddingMask(tf.tensor2d([[1, 1, 1, 0, 0]], [1, 5], 'int32'));
      const y1 = await values(tf.slice(attn.forward(x, undefined, { mask }), [0, 0, 0], [1, 3, 8]));
      const y2 = await values(tf.slice(attn.forward(x2, undefined, { mask }), [0, 0, 0], [1, 3, 8]));
      y1.forEach((a, i) => {
        expect(Math.abs(a - (y2[i] as number))).toBeLessThan(1e-6);
      });
      tf.dispose([x, noise, x2, mask]);
      attn.dispose();
    });

    it('has correct gradients for self-attention with a mask', async () => {
      const rng = new Rng(3);
      const attn = new MultiHeadAttention({ dim: 6, heads: 2, rng });
      attn.loadStateDict(
        Object.fromEntries(attn.namedParameters().map(([n, v]) => [n, randn(rng, v.shape, 0.5)])),
      );
      const x = randn(rng, [2, 3, 6]);
      const mask = paddingMask(
        tf.tensor2d(
          [
            [1, 1, 0],
            [1, 1, 1],
          ],
          [2, 3],
          'int32',
        ),
      );
      const p = projection(rng, [2, 3, 6]);
      const rx = await checkGradients((a) => p.loss(attn.forward(a, undefined, { mask })), [x]);
      expect(rx.maxRelError).toBeLessThan(2e-2);
      const rp = await checkParameterGradients(
        () => p.loss(attn.forward(x, undefined, { mask })),
        attn.parameters(),
        { maxEntriesPerTensor: 12 },
      );
      expect(rp.checked).toBe(12 + 12 + 12 + 6);
      expect(rp.maxRelError).toBeLessThan(2e-2);
      tf.dispose([x, mask]);
      p.dispose();
      attn.dispose();
    });

    it('has correct gradients for cross-attention w.r.t. queries and context', async () => {
      const rng = new Rng(4);
      const attn = new MultiHeadAttention({ dim: 4, heads: 2, kvDim: 6, rng });
      attn.loadStateDict(
        Object.fromEntries(attn.namedParameters().map(([n, v]) => [n, randn(rng, v.shape, 0.5)])),
      );
      const x = randn(rng, [1, 2, 4]);
      const c = randn(rng, [1, 3, 6]);
      const p = projection(rng, [1, 2, 4]);
      const r = await checkGradients((a, b) => p.loss(attn.forward(a, b)), [x, c]);
      expect(r.checked).toBe(8 + 18);
      expect(r.maxRelError).toBeLessThan(2e-2);
      const rp = await checkParameterGradients(() => p.loss(attn.forward(x, c)), attn.parameters(), {
        maxEntriesPerTensor: 8,
      });
      expect(rp.maxRelError).toBeLessThan(2e-2);
      tf.dispose([x, c]);
      p.dispose();
      attn.dispose();
    });

    it('applies seeded attention dropout only in training', async () => {
      const mk = () => new MultiHeadAttention({ dim: 8, heads: 2, dropout: 0.5, rng: new Rng(7) });
      const a = mk();
      const b = mk();
      const x = randn(new Rng(8), [1, 4, 8]);
      const ya = await values(a.forward(x));
      expect(await values(b.forward(x))).toEqual(ya);
      a.eval();
      b.eval();
      const ea = await values(a.forward(x));
      expect(ea).not.toEqual(ya);
      expect(await values(a.forward(x))).toEqual(ea);
      x.dispose();
      a.dispose();
      b.dispose();
    });
  });
}

for (const backend of await layerBackends()) attentionSuite(backend);

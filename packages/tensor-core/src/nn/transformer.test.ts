import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { paddingMask } from '../ops/attention.js';
import { Rng } from '../random/rng.js';
import { checkGradients, checkParameterGradients } from '../testing/gradcheck.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { TransformerBlock, TransformerEncoder } from './transformer.js';

const tiny = { dim: 8, heads: 2, mlpDim: 16 };

/** Replace every parameter by N(0, std^2) so gradients are not dominated by near-zero weights. */
function randomise(
  m: {
    namedParameters(): Array<[string, tf.Variable]>;
    loadStateDict(sd: Record<string, tf.Tensor>): unknown;
  },
  rng: Rng,
  std: number,
): void {
  const sd = Object.fromEntries(m.namedParameters().map(([n, v]) => [n, randn(rng, v.shape, std)]));
  m.loadStateDict(sd);
  tf.dispose(Object.values(sd));
}

function transformerSuite(backend: BackendName): void {
  describe(`TransformerBlock [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('keeps shapes and names sub-layers like timm', () => {
      const rng = new Rng(0);
      const block = new TransformerBlock({ ...tiny, rng });
      const fusion = new TransformerBlock({ ...tiny, crossAttention: true, contextDim: 6, rng });
      const x = randn(rng, [2, 3, 8]);
      const ctx = randn(rng, [2, 4, 6]);
      const y = block.forward(x);
      const z = fusion.forward(x, { context: ctx });
      expect(y.shape).toEqual([2, 3, 8]);
      expect(z.shape).toEqual([2, 3, 8]);
      expect(block.namedParameters().map(([n]) => n)).toEqual([
        'norm1.weight',
        'norm1.bias',
        'attn.qkv.weight',
        'attn.qkv.bias',
        'attn.proj.weight',
        'attn.proj.bias',
        'norm2.weight',
        'norm2.bias',
        'mlp.fc1.weight',
        'mlp.fc1.bias',
        'mlp.fc2.weight',
        'mlp.fc2.bias',
      ]);
      expect(fusion.namedParameters().map(([n]) => n)).toContain('crossAttn.kv.weight');
      expect(fusion.crossAttn?.kv?.weight.shape).toEqual([6, 16]);
      expect(block.numParameters()).toBe(
        2 * 8 + (8 * 24 + 24) + (8 * 8 + 8) + 2 * 8 + (8 * 16 + 16) + (16 * 8 + 8),
      );
      expect(() => block.forward(x, { context: ctx })).toThrow(/no cross-attention/);
      expect(() => fusion.forward(x)).toThrow(/needs a context/);
      tf.dispose([x, ctx, y, z]);
      block.dispose();
      fusion.dispose();
    });

    it('computes x + attn(LN x) then + mlp(LN x) (pre-LN residual structure)', async () => {
      const rng = new Rng(1);
      const block = new TransformerBlock({ ...tiny, rng });
      randomise(block, rng, 0.3);
      const x = randn(rng, [1, 3, 8]);
      const expected = tf.tidy(() => {
        const h = tf.add(x, block.attn.forward(block.norm1.forward(x)));
        return tf.add(h, block.mlp.forward(block.norm2.forward(h)));
      });
      const y = block.forward(x);
      expect(await values(y)).toEqual(await values(expected));
      tf.dispose([x, expected, y]);
      block.dispose();
    });

    it('has correct input, context and parameter gradients (cross-attention block)', async () => {
      const rng = new Rng(2);
      const block = new TransformerBlock({
        dim: 4,
        heads: 2,
        mlpDim: 8,
        crossAttention: true,
        contextDim: 6,
        rng,
      });
      randomise(block, rng, 0.4);
      const x = randn(rng, [2, 3, 4]);
      const ctx = randn(rng, [2, 2, 6]);
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
      const contextMask = paddingMask(
        tf.tensor2d(
          [
            [1, 1],
            [1, 0],
          ],
          [2, 2],
          'int32',
        ),
      );
      const p = projection(rng, [2, 3, 4]);
      const f = (a: tf.Tensor, c: tf.Tensor) => p.loss(block.forward(a, { mask, context: c, contextMask }));
      const r = await checkGradients(f, [x, ctx], { maxEntriesPerTensor: 16 });
      expect(r.checked).toBe(16 + 16);
      expect(r.maxRelError).toBeLessThan(3e-2);
      const rp = await checkParameterGradients(() => f(x, ctx), block.parameters(), {
        maxEntriesPerTensor: 6,
      });
      expect(rp.maxRelError).toBeLessThan(3e-2);
      tf.dispose([x, ctx, mask, contextMask]);
      p.dispose();
      block.dispose();
    });
  });

  describe(`TransformerEncoder [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('stacks blocks with dotted names and an optional final norm', () => {
      const enc = new TransformerEncoder({ ...tiny, depth: 2, rng: new Rng(0) });
      const bare = new TransformerEncoder({ ...tiny, depth: 1, finalNorm: false, rng: new Rng(0) });
      const names = enc.namedParameters().map(([n]) => n);
      expect(names).toContain('blocks.1.attn.qkv.weight');
      expect(names.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
      expect(bare.norm).toBeUndefined();
      const x = tf.ones([2, 5, 8]);
      const y = enc.forward(x);
      expect(y.shape).toEqual([2, 5, 8]);
      const hidden = enc.forwardHidden(x);
      expect(hidden.length).toBe(3);
      tf.dispose([x, y, hidden]);
      enc.dispose();
      bare.dispose();
    });

    it('is invariant to the content of padded positions', async () => {
      const rng = new Rng(3);
      const enc = new TransformerEncoder({ ...tiny, depth: 2, rng });
      randomise(enc, rng, 0.3);
      const x = randn(rng, [2, 5, 8]);
      const noise = tf.tidy(() => tf.concat([tf.zeros([2, 3, 8]), randn(rng, [2, 2, 8], 5)], 1));
      const x2 = tf.add(x, noise);
      const mask = paddingMask(
        tf.tensor2d(
          [
            [1, 1, 1, 0, 0],
            [1, 1, 1, 0, 0],
          ],
          [2, 5],
          'int32',
        ),
      );
      const a = tf.slice(enc.forward(x, { mask }), [0, 0, 0], [2, 3, 8]);
      const b = tf.slice(enc.forward(x2, { mask }), [0, 0, 0], [2, 3, 8]);
      const av = await values(a);
      const bv = await values(b);
      av.forEach((v, i) => {
        expect(Math.abs(v - (bv[i] as number))).toBeLessThan(1e-5);
      });
      // Without the mask the padded tokens do leak in: the test above can fail.
      const c = tf.slice(enc.forward(x2), [0, 0, 0], [2, 3, 8]);
      expect(Math.max(...(await values(tf.abs(tf.sub(a, c)))))).toBeGreaterThan(1e-3);
      tf.dispose([x, noise, x2, mask, a, b, c]);
      enc.dispose();
    });

    it('builds identical weights from identical seeds and different ones from forks', async () => {
      const root = new Rng(42);
      const a = new TransformerEncoder({ ...tiny, depth: 1, rng: new Rng(42) });
      const b = new TransformerEncoder({ ...tiny, depth: 1, rng: new Rng(42) });
      const c = new TransformerEncoder({ ...tiny, depth: 1, rng: root.fork('text') });
      const d = new TransformerEncoder({ ...tiny, depth: 1, rng: root.fork('vision') });
      const w = (m: TransformerEncoder) => values(m.blocks.get(0).attn.qkv?.weight as tf.Tensor);
      expect(await w(b)).toEqual(await w(a));
      expect(await w(c)).not.toEqual(await w(a));
      expect(await w(d)).not.toEqual(await w(c));
      for (const m of [a, b, c, d]) m.dispose();
    });

    it('round-trips the state dict: a loaded copy computes the same outputs', async () => {
      const a = new TransformerEncoder({ ...tiny, depth: 2, rng: new Rng(5) });
      const b = new TransformerEncoder({ ...tiny, depth: 2, rng: new Rng(6) });
      const x = randn(new Rng(7), [1, 4, 8]);
      const ya = a.forward(x);
      const yb0 = b.forward(x);
      expect(await values(yb0)).not.toEqual(await values(ya));
      b.loadStateDict(a.stateDict());
      const yb = b.forward(x);
      expect(await values(yb)).toEqual(await values(ya));
      tf.dispose([x, ya, yb0, yb]);
      a.dispose();
      b.dispose();
    });

    it('runs a training step (forward, variableGrads, Adam) without leaking tensors', async () => {
      const rng = new Rng(8);
      const block = new TransformerBlock({ ...tiny, dropout: 0.1, crossAttention: true, rng });
      const x = randn(rng, [2, 3, 8]);
      const ctx = randn(rng, [2, 4, 8]);
      const target = randn(rng, [2, 3, 8]);
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
      const opt = tf.train.adam(1e-2);
      const losses: number[] = [];
      const step = async () => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(tf.sub(block.forward(x, { mask, context: ctx }), target))) as tf.Scalar,
          block.parameters(),
        );
        opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        losses.push((await value.data())[0] as number);
        tf.dispose([value, grads]);
      };
      await step(); // creates Adam's slots
      const before = tf.memory().numTensors;
      await step();
      expect(tf.memory().numTensors).toBe(before);
      await step();
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < 20; i++) await step();
      expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) * 0.7);
      opt.dispose();
      tf.dispose([x, ctx, target, mask]);
      block.dispose();
    });
  });
}

for (const backend of await layerBackends()) transformerSuite(backend);

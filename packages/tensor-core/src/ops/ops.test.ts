// Tests for the functional ops not covered through the layers: cross-entropy, masks, fused-kernel lookup,
// dropout masks and argument checks.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { layerBackends, randn, useBackend, values } from '../nn/_test-helpers.js';
import { Rng } from '../random/rng.js';
import { checkGradients } from '../testing/gradcheck.js';
import { paddingMask } from './attention.js';
import { dropoutMask } from './dropout.js';
import { embeddingLookup } from './embedding.js';
import { fusedKernelFor } from './fused.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { softmaxCrossEntropy } from './losses.js';

function opsSuite(backend: BackendName): void {
  describe(`ops [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('embeddingLookup differentiates after its ids were disposed (as a tidy inside a loss does)', async () => {
      const w = tf.variable(tf.tensor2d([0, 1, 2, 3, 4, 5, 6, 7], [4, 2]));
      // The ids live only inside the inner tidy; the backward pass runs after they are gone.
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const ids = tf.tensor2d([1, 2, 1], [1, 3], 'int32');
            return tf.sum(tf.mul(embeddingLookup(w, ids), tf.tensor1d([1, 10]))) as tf.Scalar;
          }),
        [w],
      );
      // rows 1, 2, 1 -> (2 + 4 + 2) + 10 (3 + 5 + 3) = 118; d/dw: row 1 twice, row 2 once, times [1, 10].
      expect((await values(value))[0]).toBeCloseTo(118, 4);
      expect(await values(grads[w.name] as tf.Tensor)).toEqual([0, 0, 2, 20, 1, 10, 0, 0]);
      tf.dispose([value, grads, w]);
    });

    it('tf.gather is differentiable, repeated rows adding up (wasm lacks the kernel; we register it)', async () => {
      const x = tf.tensor3d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 2, 2]);
      const ids = tf.tensor2d([2, 0, 2], [1, 3], 'int32');
      const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 3, 2, 2]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), w)))(x);
      // row 0 gets w[1]; row 2 gets w[0] + w[2]; row 1 nothing.
      expect(await values(g)).toEqual([5, 6, 7, 8, 0, 0, 0, 0, 10, 12, 14, 16]);
      tf.dispose([x, ids, w, g]);
    });

    it('softmaxCrossEntropy matches hand values for hard labels, ignore index and soft targets', async () => {
      const logits = tf.tensor2d([
        [2, 0, 0],
        [0, 0, 0],
        [1, 2, 3],
      ]);
      const lse = (xs: number[]) => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
      const nll0 = lse([2, 0, 0]) - 2;
      const nll1 = Math.log(3);
      const hard = softmaxCrossEntropy(logits, tf.tensor1d([0, 2, -100], 'int32'));
      expect((await values(hard))[0]).toBeCloseTo((nll0 + nll1) / 2, 5);
      const none = softmaxCrossEntropy(logits, tf.tensor1d([-100, -100, -100], 'int32'));
      expect(await values(none)).toEqual([0]);
      const soft = tf.tensor2d([
        [0.5, 0.5, 0],
        [1, 0, 0],
        [0, 0, 1],
      ]);
      const expectedSoft = (0.5 * nll0 + 0.5 * (lse([2, 0, 0]) - 0) + nll1 + (lse([1, 2, 3]) - 3)) / 3;
      expect((await values(softmaxCrossEntropy(logits, soft)))[0]).toBeCloseTo(expectedSoft, 5);
      expect(() => softmaxCrossEntropy(logits, tf.tensor2d([[0]], [1, 1], 'int32'))).toThrow(
        /minus the last axis/,
      );
      tf.dispose([logits, hard, none, soft]);
    });

    it('softmaxCrossEntropy has correct gradients for [B, T, C] logits', async () => {
      const rng = new Rng(0);
      const logits = randn(rng, [2, 3, 5], 2);
      const labels = tf.tensor2d(
        [
          [1, 4, -100],
          [0, 0, 2],
        ],
        [2, 3],
        'int32',
      );
      const r = await checkGradients((l) => softmaxCrossEntropy(l, labels), [logits]);
      expect(r.checked).toBe(24);
      expect(r.maxRelError).toBeLessThan(1e-2);
      tf.dispose([logits, labels]);
    });

    it('paddingMask reshapes [B, Tk] to a float keep-mask [B, 1, 1, Tk]', async () => {
      const m = paddingMask(tf.tensor2d([[1, 0]], [1, 2], 'int32'));
      expect(m.shape).toEqual([1, 1, 1, 2]);
      expect(m.dtype).toBe('float32');
      expect(await values(m)).toEqual([1, 0]);
      expect(() => paddingMask(tf.ones([2]))).toThrow(/\[B, Tk\]/);
      m.dispose();
    });

    it('fusedKernelFor sees kernels registered for the active backend only', () => {
      const name = `VlpTestKernel_${backend}`;
      expect(fusedKernelFor(name)).toBe(false);
      tf.registerKernel({ kernelName: name, backendName: tf.getBackend(), kernelFunc: () => [] });
      expect(fusedKernelFor(name)).toBe(true);
      tf.unregisterKernel(name, tf.getBackend());
      expect(fusedKernelFor(name)).toBe(false);
    });

    it('dropoutMask is seeded, scaled, and validates p', async () => {
      const a = dropoutMask(new Rng(1), [1000], 0.2);
      const b = dropoutMask(new Rng(1), [1000], 0.2);
      const va = await values(a);
      expect(await values(b)).toEqual(va);
      expect(new Set(va)).toEqual(new Set([0, 1.25]));
      expect(() => dropoutMask(new Rng(1), [2], 1)).toThrow(/\[0, 1\)/);
      tf.dispose([a, b]);
    });

    it('linear and layerNorm check their arguments', () => {
      const x = tf.zeros([2, 4]);
      const w = tf.zeros([4, 3]);
      const badB = tf.zeros([4]);
      expect(() => linear(x, w, badB)).toThrow(/bias \[4\]/);
      expect(() => layerNorm(x, tf.ones([3]), tf.zeros([3]))).toThrow(/gamma/);
      tf.dispose([x, w, badB]);
    });
  });
}

for (const backend of await layerBackends()) opsSuite(backend);

// Tests for the CNN-tower layers: Conv2d, BatchNorm2d, GroupNorm, and Sequential.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { Rng } from '../random/rng.js';
import { checkGradients, checkParameterGradients } from '../testing/gradcheck.js';
import { expectNoTensorLeak } from '../testing/memory.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { GELU } from './activations.js';
import { Conv2d } from './conv.js';
import { Linear } from './linear.js';
import { BatchNorm2d, GroupNorm } from './norm.js';
import { Sequential } from './sequential.js';

function cnnSuite(backend: BackendName): void {
  describe(`Conv2d [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('convolves NHWC by hand and maps shapes for padding and stride', async () => {
      const conv = new Conv2d(1, 1, 2, { rng: new Rng(0) });
      const k = tf.ones([2, 2, 1, 1]);
      const b = tf.tensor1d([0.5]);
      conv.loadStateDict({ weight: k, bias: b });
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const y = conv.forward(x);
      expect(y.shape).toEqual([1, 2, 2, 1]);
      expect(await values(y)).toEqual([12.5, 16.5, 24.5, 28.5]);
      const padded = new Conv2d(3, 8, 3, { padding: 1, rng: new Rng(0) });
      const strided = new Conv2d(3, 8, [3, 3], { stride: 2, padding: 'same', bias: false, rng: new Rng(0) });
      const img = tf.zeros([2, 7, 7, 3]);
      const a = padded.forward(img);
      const s = strided.forward(img);
      const single = padded.forward(tf.zeros([7, 7, 3]));
      expect(a.shape).toEqual([2, 7, 7, 8]);
      expect(s.shape).toEqual([2, 4, 4, 8]);
      expect(single.shape).toEqual([7, 7, 8]);
      expect(strided.weight.shape).toEqual([3, 3, 3, 8]);
      expect(strided.bias).toBeUndefined();
      expect(() => padded.forward(tf.zeros([1, 4, 4, 2]))).toThrow(/NHWC/);
      tf.dispose([k, b, x, y, img, a, s, single]);
      for (const m of [conv, padded, strided]) m.dispose();
    });

    it('has correct input and parameter gradients (padding 1, stride 2)', async () => {
      const rng = new Rng(1);
      const conv = new Conv2d(2, 3, 3, { stride: 2, padding: 1, rng });
      const x = randn(rng, [2, 5, 5, 2]);
      const p = projection(rng, [2, 3, 3, 3]);
      const rx = await checkGradients((a) => p.loss(conv.forward(a)), [x]);
      expect(rx.maxRelError).toBeLessThan(1e-2);
      const rp = await checkParameterGradients(() => p.loss(conv.forward(x)), conv.parameters());
      expect(rp.checked).toBe(24 + 3);
      expect(rp.maxRelError).toBeLessThan(1e-2);
      x.dispose();
      p.dispose();
      conv.dispose();
    });
  });

  describe(`BatchNorm2d [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('uses batch statistics and updates running stats in training, running stats in eval', async () => {
      const bn = new BatchNorm2d(2);
      // Channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: all 10.
      const x = tf.tensor4d([1, 10, 2, 10, 3, 10, 4, 10], [2, 1, 2, 2]);
      const y = await values(bn.forward(x));
      const s = Math.sqrt(1.25 + 1e-5);
      const expected = [-1.5 / s, 0, -0.5 / s, 0, 0.5 / s, 0, 1.5 / s, 0];
      y.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i] as number, 5);
      });
      const rm = await values(bn.runningMean);
      const rv = await values(bn.runningVar);
      expect(rm[0]).toBeCloseTo(0.25, 6);
      expect(rm[1]).toBeCloseTo(1, 6);
      expect(rv[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
      expect(rv[1]).toBeCloseTo(0.9, 6);
      expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var']);
      expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
      bn.eval();
      const z = await values(bn.forward(x));
      expect(z[0]).toBeCloseTo((1 - 0.25) / Math.sqrt(0.9 + 0.1 * (5 / 3) + 1e-5), 5);
      expect(z[1]).toBeCloseTo((10 - 1) / Math.sqrt(0.9 + 1e-5), 4);
      // Eval mode leaves the buffers alone.
      expect(await values(bn.runningMean)).toEqual(rm);
      x.dispose();
      bn.dispose();
    });

    it('converges its running mean to the data mean over many steps', async () => {
      const bn = new BatchNorm2d(1, { momentum: 0.5 });
      const x = tf.fill([4, 2, 2, 1], 3);
      for (let i = 0; i < 30; i++) tf.dispose(bn.forward(x));
      // Updating the buffers in place leaks nothing, in a plain forward or under tf.variableGrads.
      expectNoTensorLeak(() => tf.dispose(bn.forward(x)), 'BatchNorm2d.forward');
      expectNoTensorLeak(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(bn.forward(x)) as tf.Scalar, bn.parameters());
        tf.dispose([value, grads]);
      }, 'BatchNorm2d training step');
      expect((await values(bn.runningMean))[0]).toBeCloseTo(3, 5);
      expect((await values(bn.runningVar))[0]).toBeCloseTo(0, 5);
      x.dispose();
      bn.dispose();
    });

    it('has correct gradients through the batch statistics', async () => {
      const rng = new Rng(2);
      const bn = new BatchNorm2d(3);
      const g = randn(rng, [3]);
      const b = randn(rng, [3]);
      bn.loadStateDict({ ...bn.stateDict(), weight: g, bias: b });
      const x = randn(rng, [2, 2, 2, 3]);
      const p = projection(rng, [2, 2, 2, 3]);
      const rx = await checkGradients((a) => p.loss(bn.forward(a)), [x]);
      expect(rx.maxRelError).toBeLessThan(2e-2);
      const rp = await checkParameterGradients(() => p.loss(bn.forward(x)), bn.parameters());
      expect(rp.checked).toBe(6);
      expect(rp.maxRelError).toBeLessThan(1e-2);
      tf.dispose([g, b, x]);
      p.dispose();
      bn.dispose();
    });
  });

  describe(`GroupNorm [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('normalises each group of each sample by hand', async () => {
      const gn = new GroupNorm(2, 4);
      // One sample, 2 positions, channels [a, b | c, d]: group 0 = {1, 3, 5, 7}, group 1 = {0, 0, 2, 2}.
      const x = tf.tensor4d([1, 3, 0, 0, 5, 7, 2, 2], [1, 1, 2, 4]);
      const y = await values(gn.forward(x));
      const s0 = Math.sqrt(5 + 1e-5);
      const s1 = Math.sqrt(1 + 1e-5);
      const expected = [-3 / s0, -1 / s0, -1 / s1, -1 / s1, 1 / s0, 3 / s0, 1 / s1, 1 / s1];
      y.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[i] as number, 5);
      });
      expect(() => new GroupNorm(3, 4)).toThrow(/divisible/);
      x.dispose();
      gn.dispose();
    });

    it('has correct gradients', async () => {
      const rng = new Rng(3);
      const gn = new GroupNorm(2, 4);
      const x = randn(rng, [2, 2, 2, 4]);
      const p = projection(rng, [2, 2, 2, 4]);
      const rx = await checkGradients((a) => p.loss(gn.forward(a)), [x]);
      expect(rx.maxRelError).toBeLessThan(2e-2);
      const rp = await checkParameterGradients(() => p.loss(gn.forward(x)), gn.parameters());
      expect(rp.maxRelError).toBeLessThan(1e-2);
      x.dispose();
      p.dispose();
      gn.dispose();
    });
  });

  describe(`Sequential [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('chains modules with indexed names', async () => {
      const rng = new Rng(4);
      const seq = new Sequential([new Linear(4, 6, { rng }), new GELU(), new Linear(6, 2, { rng })]);
      expect(seq.length).toBe(3);
      expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      const x = randn(rng, [3, 4]);
      const y = seq.forward(x);
      expect(y.shape).toEqual([3, 2]);
      const p = projection(rng, [3, 2]);
      const r = await checkParameterGradients(() => p.loss(seq.forward(x)), seq.parameters());
      expect(r.maxRelError).toBeLessThan(1e-2);
      tf.dispose([x, y]);
      p.dispose();
      seq.dispose();
    });
  });
}

for (const backend of await layerBackends()) cnnSuite(backend);

describe("Conv2d's own filter gradient (im2col + MatMul), on cpu", () => {
  beforeAll(() => useBackend('cpu'));

  it('computes the same gradients as tfjs conv2d with its native Conv2DBackpropFilter kernel', async () => {
    const rng = new Rng(5);
    const cases: Array<{ h: number; k: number; stride: number; padding: 'same' | 'valid' | number }> = [
      { h: 5, k: 3, stride: 2, padding: 'same' },
      { h: 6, k: 3, stride: 2, padding: 'same' }, // asymmetric TF padding
      { h: 6, k: 3, stride: 2, padding: 'valid' }, // last row unused
      { h: 6, k: 2, stride: 2, padding: 1 },
      { h: 4, k: 3, stride: 1, padding: 'same' },
      { h: 7, k: 1, stride: 2, padding: 'valid' }, // a ResNet downsample shortcut
    ];
    for (const c of cases) {
      const conv = new Conv2d(2, 3, c.k, { stride: c.stride, padding: c.padding, rng });
      const x = randn(rng, [2, c.h, c.h, 2]);
      const r = randn(rng, conv.forward(x).shape);
      const w = conv.weight as tf.Tensor4D;
      const b = conv.bias as tf.Tensor;
      const pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
        typeof c.padding === 'number'
          ? [
              [0, 0],
              [c.padding, c.padding],
              [c.padding, c.padding],
              [0, 0],
            ]
          : c.padding;
      const ours = [
        tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv.forward(a), r)) as tf.Scalar)(x)),
      ];
      const ourParams = tf.tidy(() => {
        const { grads: g } = tf.variableGrads(
          () => tf.sum(tf.mul(conv.forward(x), r)) as tf.Scalar,
          conv.parameters(),
        );
        return [g[conv.weight.name] as tf.Tensor, g[conv.bias?.name ?? ''] as tf.Tensor];
      });
      const native = tf.tidy(() =>
        tf.grads(
          (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(
              tf.mul(tf.add(tf.conv2d(a as tf.Tensor4D, ww as tf.Tensor4D, c.stride, pad), bb), r),
            ) as tf.Scalar,
        )([x, w, b]),
      );
      const pairs: Array<[tf.Tensor, tf.Tensor]> = [
        [ours[0] as tf.Tensor, native[0] as tf.Tensor],
        [ourParams[0] as tf.Tensor, native[1] as tf.Tensor],
        [ourParams[1] as tf.Tensor, native[2] as tf.Tensor],
      ];
      for (const [o, n] of pairs) {
        const a = await values(n);
        const v = await values(o);
        expect(v.length).toBe(a.length);
        a.forEach((e, j) => {
          expect(Math.abs(e - (v[j] as number))).toBeLessThan(1e-4);
        });
      }
      tf.dispose([x, r, ...ours, ...ourParams, ...native]);
      conv.dispose();
    }
  });
});

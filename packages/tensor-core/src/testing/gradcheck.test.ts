// Self-tests of the gradient checker and leak helpers: they must pass correct gradients and catch wrong ones.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { useBackend } from './backends.js';
import { checkGradients, checkParameterGradients } from './gradcheck.js';
import { countTensorsDuring, countTensorsDuringAsync, expectNoTensorLeak } from './memory.js';

describe('checkGradients', () => {
  beforeAll(() => useBackend('cpu'));

  it('accepts a correct gradient and leaves no tensors behind', async () => {
    const x = tf.tensor1d([0.3, -1.2, 2]);
    const before = tf.memory().numTensors;
    const r = await checkGradients((a) => tf.sum(tf.mul(tf.sin(a), a)), [x]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.checked).toBe(3);
    expect(r.maxRelError).toBeLessThan(1e-3);
    x.dispose();
  });

  it('catches a wrong gradient', async () => {
    // A custom op claiming d/dx x^2 = x (true: 2x).
    const wrongSquare = tf.customGrad((...inputs) => {
      const x = inputs[0] as tf.Tensor;
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor) => tf.mul(dy, x) };
    });
    const x = tf.tensor1d([1, 2, 3]);
    const r = await checkGradients((a) => tf.sum(wrongSquare(a) as tf.Tensor), [x]);
    expect(r.maxRelError).toBeGreaterThan(0.4);
    expect(r.maxAbsError).toBeCloseTo(3, 2);
    x.dispose();
  });

  it('samples a bounded, seeded subset of entries of big tensors', async () => {
    const x = tf.randomNormal([40, 40], 0, 1, 'float32', 1);
    const f = (a: tf.Tensor) => tf.sum(tf.tanh(a)) as tf.Scalar;
    const r = await checkGradients(f, [x], { maxEntriesPerTensor: 10, seed: 3 });
    expect(r.checked).toBe(10);
    expect(r.maxRelError).toBeLessThan(1e-2);
    x.dispose();
  });
});

describe('checkParameterGradients', () => {
  beforeAll(() => useBackend('cpu'));

  it('checks variables, catches a wrong gradient, and restores the values', async () => {
    const rng = new Rng(0);
    const v = tf.variable(tf.tensor2d([0.5, -1, 2, 0.1], [2, 2]), true, `gradcheck-test-${rng.nextUint32()}`);
    const good = await checkParameterGradients(() => tf.sum(tf.exp(v)), [v]);
    expect(good.checked).toBe(4);
    expect(good.maxRelError).toBeLessThan(1e-3);
    expect(Array.from(await v.data())).toEqual([0.5, -1, 2, Math.fround(0.1)]);
    const halfGrad = tf.customGrad((...inputs) => ({
      value: tf.exp(inputs[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, 0.5),
    }));
    const bad = await checkParameterGradients(() => tf.sum(halfGrad(v) as tf.Tensor), [v]);
    expect(bad.maxRelError).toBeGreaterThan(0.3);
    v.dispose();
  });
});

describe('memory helpers', () => {
  it('count live tensors and flag leaks', async () => {
    expect(
      countTensorsDuring(() => {
        const a = tf.ones([2]);
        tf.dispose(tf.add(a, a)); // a leaks, the sum does not
      }),
    ).toBe(1);
    expect(countTensorsDuring(() => tf.tidy(() => void tf.add(tf.ones([2]), 1)))).toBe(0);
    let kept: tf.Tensor | undefined;
    expect(() =>
      expectNoTensorLeak(() => {
        kept = tf.ones([3]);
      }, 'leaky'),
    ).toThrow(/leaky changed the number of live tensors by 1/);
    kept?.dispose();
    expect(() => expectNoTensorLeak(() => tf.tidy(() => void tf.ones([3])))).not.toThrow();
    const delta = await countTensorsDuringAsync(async () => {
      const t = tf.ones([2]);
      await t.data();
      t.dispose();
    });
    expect(delta).toBe(0);
  });
});

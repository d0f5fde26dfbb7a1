import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

function compare(fn: () => tf.Tensor | tf.Tensor[], tol = 1e-5): void {
  const want = runOn('cpu', fn);
  const got = runOn(ORT_TFJS_NAME, fn);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(want[i]!.shape);
    expect(maxRelErr(g.values, want[i]!.values)).toBeLessThan(tol);
  });
}

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ),
    shape,
  );

describe('ORT BatchMatMul', () => {
  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`rank 2, transposeA=${tA} transposeB=${tB}, values and gradients`, () => {
      const a = () => t(tA ? [7, 5] : [5, 7], 1);
      const b = () => t(tB ? [3, 7] : [7, 3], 2);
      const before = backend.runner.calls;
      compare(() => tf.matMul(a(), b(), tA, tB));
      expect(backend.runner.calls).toBeGreaterThan(before);
      compare(() =>
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, tA, tB))))([a(), b()]),
      );
    });
    it(`rank 3 and 4 batched, transposeA=${tA} transposeB=${tB}`, () => {
      compare(() => tf.matMul(t(tA ? [4, 6, 5] : [4, 5, 6], 3), t(tB ? [4, 2, 6] : [4, 6, 2], 4), tA, tB));
      compare(() =>
        tf.matMul(t(tA ? [2, 3, 6, 5] : [2, 3, 5, 6], 5), t(tB ? [2, 3, 2, 6] : [2, 3, 6, 2], 6), tA, tB),
      );
    });
  }
  it('broadcasts batch dims (reference: explicit tiles, as tfjs-cpu mis-sizes broadcast batches)', () => {
    const want = runOn('cpu', () =>
      tf.matMul(tf.tile(t([2, 1, 5, 6], 7), [1, 3, 1, 1]), tf.tile(t([1, 3, 6, 4], 8), [2, 1, 1, 1])),
    );
    const got = runOn(ORT_TFJS_NAME, () => tf.matMul(t([2, 1, 5, 6], 7), t([1, 3, 6, 4], 8)));
    expect(got[0]!.shape).toEqual([2, 3, 5, 4]);
    expect(maxRelErr(got[0]!.values, want[0]!.values)).toBeLessThan(1e-5);
  });
  it('fused matMul with bias and relu, and its gradients', () => {
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.fused.matMul({
        a: x as tf.Tensor2D,
        b: w as tf.Tensor2D,
        bias: b,
        activation: 'relu',
        transposeB: true,
      });
    compare(() => f(t([6, 5], 9), t([4, 5], 10), t([4], 11)));
    compare(() =>
      tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(f(x, w, b)))([
        t([6, 5], 9),
        t([4, 5], 10),
        t([4], 11),
      ]),
    );
  });
  it('falls back to the cpu kernel for int32 and empty tensors', () => {
    compare(() =>
      tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')),
    );
    compare(() => tf.matMul(tf.zeros([0, 3]), tf.ones([3, 2])));
    compare(() => tf.matMul(tf.zeros([2, 0]), tf.ones([0, 2])));
  });
});

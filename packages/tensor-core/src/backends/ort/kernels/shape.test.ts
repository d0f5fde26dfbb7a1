import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

function compare(fn: () => tf.Tensor | tf.Tensor[], tol = 1e-6): void {
  const want = runOn('cpu', fn);
  const before = backend.runner.calls;
  const got = runOn(ORT_TFJS_NAME, fn);
  expect(backend.runner.calls).toBeGreaterThan(before);
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

describe('ORT data-movement kernels', () => {
  it('SplitV on the last and a middle axis, even and sized, with gradients (Concat)', () => {
    compare(() => tf.split(t([2, 5, 12], 1), 3, -1));
    compare(() => tf.split(t([2, 5, 12], 2), [1, 4], 1));
    compare(() =>
      tf.grads((x: tf.Tensor) => {
        const [a, b] = tf.split(x, [5, 7], -1) as [tf.Tensor, tf.Tensor];
        return tf.add(tf.sum(tf.square(a)), tf.sum(tf.mul(b, 3)));
      })([t([3, 4, 12], 3)]),
    );
  });
  it('strided Slice and Concat of rank 2-4', () => {
    compare(() => tf.slice(t([4, 6, 8], 4), [1, 2, 3], [2, 3, 4]));
    compare(() => tf.slice(t([3, 4, 5, 6], 5), [0, 1, 0, 2], [-1, 2, -1, 3]));
    compare(() => tf.concat([t([3, 4], 6), t([3, 5], 7)], 1));
    compare(() => tf.concat([t([2, 3, 4, 2], 8), t([2, 3, 4, 2], 9), t([2, 3, 4, 1], 10)], -1));
  });
  it('PadV2 (zero and constant values, rank 2 and 4) and its gradient', () => {
    compare(() =>
      tf.pad(t([3, 5], 11), [
        [1, 2],
        [0, 3],
      ]),
    );
    compare(() =>
      tf.pad(
        t([2, 5, 4, 3], 12),
        [
          [0, 0],
          [1, 1],
          [2, 0],
          [0, 0],
        ],
        0.5,
      ),
    );
    compare(() =>
      tf.grads((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.pad(x, [
              [0, 0],
              [1, 2],
              [1, 2],
              [0, 0],
            ]),
            t([2, 7, 7, 3], 14),
          ),
        ),
      )([t([2, 4, 4, 3], 13)]),
    );
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

/** cpu vs ort values; `viaOrt` says whether at least one ORT call must have happened. */
function compare(fn: () => tf.Tensor | tf.Tensor[], viaOrt = true, tol = 1e-5): void {
  const want = runOn('cpu', fn);
  const before = backend.runner.calls;
  const got = runOn(ORT_TFJS_NAME, fn);
  if (viaOrt) expect(backend.runner.calls).toBeGreaterThan(before);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(want[i]!.shape);
    expect(maxRelErr(g.values, want[i]!.values)).toBeLessThan(tol);
  });
}

const t = (shape: number[], seed: number, lo = -1) =>
  tf.tensor(
    seeded(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ).map((v) => (lo >= 0 ? lo + Math.abs(v) : v)),
    shape,
  );

const BROADCASTS: [number[], number[]][] = [
  [
    [4, 5],
    [4, 5],
  ],
  [[3, 4, 5], [5]],
  [
    [3, 1, 5],
    [1, 4, 1],
  ],
  [[2, 3, 4, 5], []],
  [[], [2, 3, 4, 5]],
  [
    [2, 3, 4, 5],
    [3, 1, 1],
  ],
];

describe('ORT broadcasting binary ops (values and gradients)', () => {
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  for (const [name, op] of ops) {
    it(name, () => {
      for (const [sa, sb] of BROADCASTS) {
        const b = () => (name === 'div' ? t(sb, 2, 0.5) : t(sb, 2));
        compare(() => op(t(sa, 1), b()));
        // tfjs's own gradients of maximum/minimum/squaredDifference do not reduce broadcast dims.
        const gradOk = !['maximum', 'minimum', 'squaredDifference'].includes(name) || sa.join() === sb.join();
        if (gradOk)
          compare(() =>
            tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(op(x, y), 1.5)))([t(sa, 1), b()]),
          );
      }
    });
  }
  it('int32 and bool operands stay on the cpu kernels', () => {
    compare(() => tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([4, 5, 6], 'int32')), false);
    compare(() => tf.mul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.scalar(3, 'int32')), false);
  });
  it('empty tensors', () => {
    compare(() => tf.add(tf.zeros([0, 3]), tf.ones([3])), false);
  });
  it('an int32 tensor cast to float32 (storage shared with the int32 one) feeds ORT, and the int32 one is intact', () => {
    // A masked mean: tokens [B, T, D] times a padding mask cast to float [B, T, 1], forward and backward.
    const mask = () => tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3], 'int32');
    const tokens = () => t([2, 3, 4], 31);
    compare(() => tf.mul(tokens(), tf.expandDims(tf.cast(mask(), 'float32'), 2)));
    compare(() =>
      tf.grads((x: tf.Tensor) => tf.sum(tf.mul(x, tf.expandDims(tf.cast(mask(), 'float32'), 2))))([tokens()]),
    );
    const [kept] = runOn(ORT_TFJS_NAME, () => {
      const m = mask();
      tf.mul(t([2, 3], 32), tf.cast(m, 'float32'));
      return m;
    });
    expect(kept!.values).toEqual([1, 1, 0, 1, 0, 0]);
    const prev = tf.getBackend();
    tf.setBackend(ORT_TFJS_NAME);
    const m = mask();
    tf.mul(t([2, 3], 33), tf.cast(m, 'float32')).dispose();
    expect(backend.readSync(m.dataId)).toBeInstanceOf(Int32Array);
    m.dispose();
    tf.setBackend(prev);
  });
});

describe('ORT unary ops (values and gradients)', () => {
  const ops: [string, (x: tf.Tensor) => tf.Tensor, number][] = [
    ['tanh', tf.tanh, -1],
    ['exp', tf.exp, -1],
    ['log', tf.log, 0.1],
    ['sqrt', tf.sqrt, 0.1],
    ['rsqrt', tf.rsqrt, 0.1],
    ['square', tf.square, -1],
    ['neg', tf.neg, -1],
    ['abs', tf.abs, -1],
    ['relu', tf.relu, -1],
    ['sigmoid', tf.sigmoid, -1],
    ['erf', tf.erf, -1],
    ['reciprocal', tf.reciprocal, 0.1],
  ];
  for (const [name, op, lo] of ops) {
    it(name, () => {
      for (const shape of [[7], [3, 5], [2, 3, 4], [2, 3, 4, 5]]) {
        compare(() => op(t(shape, 3, lo)));
        compare(() => tf.grad((x: tf.Tensor) => tf.sum(op(x)))(t(shape, 3, lo)));
      }
    });
  }
});

describe('ORT reductions, softmax and transpose', () => {
  const reductions: [string, (x: tf.Tensor, axis?: number | number[], keep?: boolean) => tf.Tensor][] = [
    ['sum', tf.sum],
    ['mean', tf.mean],
    ['max', tf.max],
    ['min', tf.min],
  ];
  for (const [name, op] of reductions) {
    it(`${name} over one, several and all axes, keepDims both ways, with gradients`, () => {
      const x = () => t([2, 3, 4, 5], 4);
      for (const axis of [undefined, -1, 0, [1, 2], [0, 3]] as (number | number[] | undefined)[]) {
        for (const keep of [false, true]) {
          compare(() => op(x(), axis, keep));
          compare(() => tf.grad((a: tf.Tensor) => tf.sum(tf.square(op(a, axis, keep))))(x()));
        }
      }
    });
  }
  it('int32 sums stay on the cpu kernel', () => {
    compare(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 1), false);
  });
  it('softmax over the last axis of rank 2-4, with gradients', () => {
    for (const shape of [
      [3, 7],
      [2, 3, 7],
      [2, 3, 4, 7],
    ]) {
      compare(() => tf.softmax(tf.mul(t(shape, 5), 4)));
      compare(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(x), t(shape, 6))))(t(shape, 5)));
    }
  });
  it('transpose with several permutations, with gradients', () => {
    const cases: [number[], number[]][] = [
      [
        [3, 4],
        [1, 0],
      ],
      [
        [2, 3, 4],
        [2, 0, 1],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 1, 3],
      ],
      [
        [2, 3, 4, 5, 2],
        [2, 0, 3, 1, 4],
      ],
    ];
    for (const [shape, perm] of cases) {
      compare(() => tf.transpose(t(shape, 7), perm));
      compare(() =>
        tf.grad((x: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.transpose(x, perm),
              t(
                perm.map((p) => shape[p]!),
                8,
              ),
            ),
          ),
        )(t(shape, 7)),
      );
    }
  });
});

describe('size threshold and session cache', () => {
  it('small tensors stay on the JS kernels above the threshold; sessions are cached per signature', () => {
    backend.minOrtSize = 1000;
    const before = backend.runner.calls;
    compare(() => tf.add(t([10, 10], 1), t([10, 10], 2)), false);
    expect(backend.runner.calls).toBe(before);
    backend.minOrtSize = 1;
    const built = backend.runner.built;
    compare(() => tf.add(t([10, 10], 1), t([10, 10], 2)));
    compare(() => tf.add(t([30, 7], 1), t([30, 7], 2)));
    expect(backend.runner.built).toBeLessThanOrEqual(built + 1);
  });
  it('Step (alpha 0 and 0.2; NaN stays NaN) and the relu gradient', () => {
    const x = () => tf.concat([t([4, 6], 21), tf.tensor([0, -0, 3, 1e-9, -1e-9, -2], [1, 6])]);
    compare(() => tf.step(x()));
    compare(() => tf.step(x(), 0.2));
    compare(() => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), t([5, 6], 22))))([t([5, 6], 23)]));
    const nan = runOn(ORT_TFJS_NAME, () => tf.step(tf.tensor([Number.NaN, 1, -1, 0], [2, 2])));
    expect(nan[0]!.values).toEqual([Number.NaN, 1, 0, 0]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

const t = (shape: number[], seed: number) =>
  tf.tensor(
    seeded(
      shape.reduce((p, q) => p * q, 1),
      seed,
    ),
    shape,
  );

interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid' | number;
  dilations: number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same', dilations: 1 },
  { x: [2, 9, 7, 3], w: [3, 3, 3, 5], strides: 2, pad: 'same', dilations: 1 },
  { x: [1, 10, 10, 2], w: [4, 4, 2, 6], strides: 4, pad: 'valid', dilations: 1 }, // ViT-style patchify
  { x: [2, 11, 9, 2], w: [3, 2, 2, 3], strides: 2, pad: 'valid', dilations: 1 },
  { x: [1, 10, 9, 2], w: [3, 3, 2, 2], strides: 3, pad: 1, dilations: 1 },
];

describe('ORT Conv2D and its backprops', () => {
  it('dilated forward (tfjs has no dilated conv gradients)', () => {
    const f = () =>
      tf.conv2d(t([1, 9, 9, 2], 1) as tf.Tensor4D, t([3, 3, 2, 2], 2) as tf.Tensor4D, 1, 1, 'NHWC', 2);
    const want = runOn('cpu', f);
    const got = runOn(ORT_TFJS_NAME, f);
    expect(got[0]!.shape).toEqual(want[0]!.shape);
    expect(maxRelErr(got[0]!.values, want[0]!.values)).toBeLessThan(1e-5);
  });
  for (const c of CASES) {
    it(`x [${c.x}] w [${c.w}] stride ${c.strides} pad ${c.pad} dilation ${c.dilations}`, () => {
      const f = () => {
        const x = t(c.x, 1);
        const w = t(c.w, 2);
        const conv = (a: tf.Tensor, b: tf.Tensor) =>
          tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations);
        const y = conv(x, w);
        const r = t(y.shape, 3);
        return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), r)))([x, w])];
      };
      const want = runOn('cpu', f);
      const before = backend.runner.calls;
      const got = runOn(ORT_TFJS_NAME, f);
      expect(backend.runner.calls - before).toBeGreaterThanOrEqual(3);
      got.forEach((g, i) => {
        expect(g.shape).toEqual(want[i]!.shape);
        expect(maxRelErr(g.values, want[i]!.values)).toBeLessThan(1e-5);
      });
    });
  }
});

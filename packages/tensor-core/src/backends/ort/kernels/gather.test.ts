import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingLookup } from '../../../ops/embedding.js';
import { maxRelErr, runOn, seeded, setUpOrt } from '../_test-utils.js';
import type { OrtBackend } from '../backend.js';
import { ORT_TFJS_NAME } from '../register.js';

let backend: OrtBackend;
beforeAll(async () => {
  backend = await setUpOrt();
});

function compare(fn: () => tf.Tensor | tf.Tensor[], viaOrt = true): void {
  const want = runOn('cpu', fn);
  const before = backend.runner.calls;
  const got = runOn(ORT_TFJS_NAME, fn);
  if (viaOrt) expect(backend.runner.calls).toBeGreaterThan(before);
  got.forEach((g, i) => {
    expect(g.shape).toEqual(want[i]!.shape);
    expect(maxRelErr(g.values, want[i]!.values)).toBeLessThan(1e-6);
  });
}

const table = () => tf.tensor(seeded(10 * 6, 1), [10, 6]);

describe('ORT gathers', () => {
  it('GatherV2 on axis 0 and 1 with 1-D and 2-D ids', () => {
    compare(() => tf.gather(table(), tf.tensor1d([3, 0, 9, 3], 'int32')));
    compare(() => tf.gather(table(), tf.tensor2d([1, 2, 2, 5, 0, 1], [2, 3], 'int32'), 1));
  });
  it('embedding lookup gradient (ScatterNd with repeated ids summing)', () => {
    const ids = () => tf.tensor2d([1, 4, 4, 9, 1, 1], [2, 3], 'int32');
    compare(() => tf.grad((w: tf.Tensor) => tf.sum(tf.square(embeddingLookup(w, ids()))))(table()));
  });
  it('out-of-range ids reach the cpu kernel and its error', () => {
    const f = () => tf.gather(table(), tf.tensor1d([3, 10], 'int32'));
    expect(() => runOn(ORT_TFJS_NAME, f)).toThrow();
  });
});

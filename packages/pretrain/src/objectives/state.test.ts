import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MomentumModel } from './momentum.js';
import { FeatureQueue } from './queue.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

class Tower extends Module {
  readonly fc: Linear;
  constructor(rng: Rng) {
    super();
    this.fc = this.registerModule('fc', new Linear(2, 2, { rng }));
  }
}

describe('MomentumModel', () => {
  it('starts as a copy and follows theta_m = m theta_m + (1-m) theta; the copy is frozen', () => {
    const online = new Tower(new Rng(0));
    const copy = new Tower(new Rng(1));
    const mm = new MomentumModel(online, copy, { m: 0.9 });
    expect(Array.from(copy.fc.weight.dataSync())).toEqual(Array.from(online.fc.weight.dataSync()));
    expect(copy.parameters()).toEqual([]); // frozen: no trainable parameter left
    const start = Array.from(online.fc.weight.dataSync());
    online.fc.weight.assign(tf.ones([2, 2]));
    mm.update();
    const after1 = Array.from(copy.fc.weight.dataSync());
    after1.forEach((v, i) => {
      expect(v).toBeCloseTo(0.9 * (start[i] as number) + 0.1, 6);
    });
    mm.update();
    Array.from(copy.fc.weight.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(0.9 * (0.9 * (start[i] as number) + 0.1) + 0.1, 6);
    });
    // The losses never reach the copy: it is not in the trainable set and has no gradient.
    const x = tf.ones([1, 2]);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.add(online.fc.forward(x), copy.fc.forward(x))) as tf.Scalar,
      [...online.parameters()],
    );
    expect(Object.keys(grads).sort()).toEqual(
      online
        .parameters()
        .map((v) => v.name)
        .sort(),
    );
    tf.dispose([x, grads]);
    online.dispose();
    copy.dispose();
  });
});

describe('FeatureQueue', () => {
  it('writes contiguous blocks, wraps, and round-trips its state', () => {
    const q = new FeatureQueue({ size: 4, dim: 2, batchSize: 2, rng: new Rng(0) });
    const rows = q.features.arraySync() as number[][];
    rows.forEach((r) => {
      expect(Math.hypot(...r)).toBeCloseTo(1, 5);
    });
    q.enqueue(
      tf.tensor2d([
        [1, 1],
        [2, 2],
      ]),
    );
    q.enqueue(
      tf.tensor2d([
        [3, 3],
        [4, 4],
      ]),
    );
    expect(q.pointer).toBe(0);
    q.enqueue(
      tf.tensor2d([
        [5, 5],
        [6, 6],
      ]),
    );
    expect(q.features.arraySync()).toEqual([
      [5, 5],
      [6, 6],
      [3, 3],
      [4, 4],
    ]);
    expect(q.pointer).toBe(2);
    const sd = q.stateDict();
    const r = new FeatureQueue({ size: 4, dim: 2, batchSize: 2, rng: new Rng(7) });
    r.loadStateDict(sd);
    expect(r.pointer).toBe(2);
    expect(r.features.arraySync()).toEqual(q.features.arraySync());
    expect(() => new FeatureQueue({ size: 5, dim: 2, batchSize: 2, rng: new Rng(0) })).toThrow(/multiple/);
    expect(() => q.enqueue(tf.zeros([3, 2]))).toThrow(/expected \[2, 2\]/);
    tf.dispose(sd);
    q.dispose();
    r.dispose();
  });
});

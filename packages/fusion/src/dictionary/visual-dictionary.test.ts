// SOHO visual dictionary: brute-force nearest assignment, EMA convergence to cluster means on seeded
// synthetic clusters, straight-through gradients (none to the codebook), Laplace-smoothed EMA arithmetic
// checked by hand, the dead-entry policy, the gate's gradients, and memory on every backend.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import {
  checkParameterGradients,
  countTensorsDuring,
  testBackends,
  useBackend,
} from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { VisualDictionary } from './visual-dictionary.js';
import { VisualGate } from './visual-gate.js';

function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => std * rng.normal()),
    shape,
  );
}

/** `n` points from `means` (row-major [c, d]) plus N(0, noise^2), cycling through the clusters. */
function clustered(
  means: Float32Array,
  c: number,
  d: number,
  n: number,
  noise: number,
  rng: Rng,
): tf.Tensor2D {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const k = rng.int(c);
    for (let j = 0; j < d; j++) out[i * d + j] = (means[k * d + j] as number) + noise * rng.normal();
  }
  return tf.tensor2d(out, [n, d]);
}

function bruteNearest(x: Float32Array, e: Float32Array, d: number): number[] {
  const n = x.length / d;
  const k = e.length / d;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += ((x[i * d + j] as number) - (e[c * d + j] as number)) ** 2;
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    ids.push(best);
  }
  return ids;
}

describe.each(await testBackends())('VisualDictionary on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('assigns every feature to its brute-force nearest entry', async () => {
    const vd = new VisualDictionary({ size: 12, dim: 6, rng: new Rng(1) }).eval();
    const x = randn([3, 10, 6], 2);
    const out = vd.forward(x);
    expect(out.ids.shape).toEqual([3, 10]);
    expect(out.quantized.shape).toEqual([3, 10, 6]);
    const ref = bruteNearest((await x.data()) as Float32Array, (await vd.codebook.data()) as Float32Array, 6);
    expect(Array.from(await out.ids.data())).toEqual(ref);
    // forward value = the entries themselves
    const e = tf.gather(vd.codebook, out.ids);
    expect((await tf.max(tf.abs(tf.sub(e, out.quantized))).data())[0]).toBeLessThan(1e-6);
    tf.dispose([x, out, e]);
    vd.dispose();
  });

  it('converges to the cluster means of 8 seeded clusters in 16-D; assignment stays exact', async () => {
    const c = 8;
    const d = 16;
    const rng = new Rng(7);
    const means = Float32Array.from({ length: c * d }, () => 3 * rng.normal());
    const vd = new VisualDictionary({ size: c, dim: d, decay: 0.8, deadAfter: 3, rng: new Rng(3) });
    for (let step = 0; step < 120; step++) {
      const x = clustered(means, c, d, 128, 0.3, rng);
      tf.dispose(vd.forward(x));
      x.dispose();
    }
    const entries = (await vd.codebook.data()) as Float32Array;
    // every cluster mean has an entry within 0.15 (noise std 0.3 per axis, sqrt(16)*0.3 = 1.2 per point)
    const worst = Array.from({ length: c }, (_, k) => {
      let best = Number.POSITIVE_INFINITY;
      for (let e = 0; e < c; e++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += ((means[k * d + j] as number) - (entries[e * d + j] as number)) ** 2;
        best = Math.min(best, Math.sqrt(s));
      }
      return best;
    });
    expect(Math.max(...worst)).toBeLessThan(0.15);
    const x = clustered(means, c, d, 64, 0.3, rng);
    vd.eval();
    const out = vd.forward(x);
    expect(Array.from(await out.ids.data())).toEqual(
      bruteNearest((await x.data()) as Float32Array, entries, d),
    );
    expect((await out.stats.perplexity.data())[0]).toBeGreaterThan(6); // all 8 entries in use
    expect((await out.stats.usage.data())[0]).toBe(1);
    tf.dispose([x, out]);
    vd.dispose();
  });

  it('passes the upstream gradient straight to x and none to the codebook', async () => {
    const vd = new VisualDictionary({ size: 5, dim: 4, rng: new Rng(2) }).eval();
    const x = randn([2, 3, 4], 5);
    const up = randn([2, 3, 4], 6);
    const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(vd.forward(xx).quantized, up)))(x);
    expect((await tf.max(tf.abs(tf.sub(gx, up))).data())[0]).toBe(0);
    // the codebook is a buffer: not a parameter; forcing it trainable still yields a zero gradient
    expect(vd.parameters()).toHaveLength(0);
    vd.codebook.trainable = true;
    const { grads, value } = tf.variableGrads(() => {
      const out = vd.forward(x);
      return tf.sum(tf.mul(out.quantized, up)) as tf.Scalar;
    }, [vd.codebook]);
    const g = grads[vd.codebook.name];
    expect(g === undefined || (await tf.max(tf.abs(g)).data())[0] === 0).toBe(true);
    vd.codebook.trainable = false;
    tf.dispose([x, up, gx, grads, value]);
    vd.dispose();
  });

  it('EMA update with Laplace smoothing matches a hand computation', async () => {
    const vd = new VisualDictionary({
      size: 2,
      dim: 1,
      decay: 0.5,
      eps: 1e-5,
      deadAfter: 0,
      rng: new Rng(0),
    });
    vd.codebook.assign(tf.tensor2d([[0], [10]]));
    vd.emaSum.assign(tf.tensor2d([[0], [10]]));
    const x = tf.tensor2d([[1], [2], [3]]); // all nearest to entry 0
    tf.dispose(vd.forward(x));
    // count = .5*1 + .5*3 = 2, .5*1 + 0 = .5; sum = .5*0 + .5*6 = 3, .5*10 = 5; total 2.5
    const total = 2.5;
    const s0 = ((2 + 1e-5) / (total + 2e-5)) * total;
    const s1 = ((0.5 + 1e-5) / (total + 2e-5)) * total;
    expect(Array.from(await vd.emaCount.data())).toEqual([2, 0.5]);
    const cb = Array.from(await vd.codebook.data());
    expect(cb[0]).toBeCloseTo(3 / s0, 5);
    expect(cb[1]).toBeCloseTo(5 / s1, 5);
    // eval / update: false leaves the buffers alone
    vd.eval();
    tf.dispose(vd.forward(x));
    expect(Array.from(await vd.codebook.data())).toEqual(cb);
    x.dispose();
    vd.dispose();
  });

  it('re-seeds entries idle for deadAfter updates from current features', async () => {
    const vd = new VisualDictionary({ size: 3, dim: 2, decay: 0.9, deadAfter: 2, rng: new Rng(4) });
    vd.codebook.assign(
      tf.tensor2d([
        [0, 0],
        [100, 100],
        [-100, 100],
      ]),
    );
    vd.emaSum.assign(
      tf.tensor2d([
        [0, 0],
        [100, 100],
        [-100, 100],
      ]),
    );
    const x = tf.tensor2d([
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    const first = vd.forward(x); // entries 1, 2 idle once
    expect((await first.stats.deadEntries.data())[0]).toBe(0);
    expect(Array.from(await vd.idle.data())).toEqual([0, 1, 1]);
    const second = vd.forward(x); // idle twice: re-seeded to a feature [1, 1]
    expect((await second.stats.deadEntries.data())[0]).toBe(2);
    expect((await second.stats.usage.data())[0]).toBeCloseTo(1 / 3, 6);
    expect(Array.from(await vd.idle.data())).toEqual([0, 0, 0]);
    const cb = (await vd.codebook.data()) as Float32Array;
    for (const v of cb.slice(2)) expect(v).toBeCloseTo(1, 3);
    tf.dispose([x, first, second]);
    vd.dispose();
  });

  it('never re-seeds from padding', async () => {
    const vd = new VisualDictionary({ size: 2, dim: 2, decay: 0.9, deadAfter: 1, rng: new Rng(4) });
    vd.codebook.assign(
      tf.tensor2d([
        [0, 0],
        [100, 100],
      ]),
    );
    vd.emaSum.assign(
      tf.tensor2d([
        [0, 0],
        [100, 100],
      ]),
    );
    const y = tf.tensor2d([
      [1, 1],
      [1, 1],
      [5, 5],
      [1, 1],
    ]);
    const mask = tf.tensor1d([0, 0, 1, 0]); // only [5, 5] is a real feature
    const out = vd.forward(y, { mask });
    expect((await out.stats.deadEntries.data())[0]).toBe(1);
    expect(Array.from(await vd.codebook.data()).slice(2)).toEqual([5, 5].map((v) => expect.closeTo(v, 3)));
    // entry 0 moved only by the valid row: count .9 + .1, sum .9*0 + .1*[5, 5]
    expect(Array.from(await vd.emaSum.data()).slice(0, 2)).toEqual(
      [0.5, 0.5].map((v) => expect.closeTo(v, 5)),
    );
    tf.dispose([y, mask, out]);
    vd.dispose();
  });

  it('the gate has finite-difference-correct gradients and the VD step leaks no tensors', async () => {
    const gate = new VisualGate(4, new Rng(1));
    const vd = new VisualDictionary({ size: 6, dim: 4, decay: 0.9, deadAfter: 1, rng: new Rng(5) });
    const x = randn([2, 3, 4], 9);
    const up = randn([2, 3, 4], 10);
    const loss = (): tf.Scalar =>
      tf.tidy(() => {
        const out = vd.forward(x, { update: false });
        return tf.sum(tf.mul(gate.forward(x, out.quantized), up)) as tf.Scalar;
      });
    const r = await checkParameterGradients(loss, gate.parameters());
    expect(r.checked).toBe(28); // 24 sampled of the [8, 4] weight + the 4 biases
    expect(r.maxRelError).toBeLessThan(2e-2);
    const opt = tf.train.sgd(0.1);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => {
        const out = vd.forward(x); // updates the EMA buffers too
        const l = tf.sum(tf.mul(gate.forward(x, out.quantized), up)) as tf.Scalar;
        tf.dispose([out.ids, out.stats]);
        return l;
      }, gate.parameters());
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, grads]);
    };
    step(); // optimiser slots are created on the first step
    expect(countTensorsDuring(step)).toBe(0);
    tf.dispose([x, up]);
    opt.dispose();
    gate.dispose();
    vd.dispose();
  });
});

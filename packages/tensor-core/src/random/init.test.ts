import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeFans,
  kaimingNormal,
  normal,
  ones,
  truncNormal,
  uniform,
  xavierUniform,
  zeros,
} from './init.js';
import { Rng } from './rng.js';

function stats(v: Float32Array | Int32Array | Uint8Array): {
  mean: number;
  std: number;
  min: number;
  max: number;
} {
  let s = 0;
  let s2 = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

describe('init', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives identical weights for identical seeds', () => {
    const a = normal(new Rng(11), [16, 8], 0.02);
    const b = normal(new Rng(11), [16, 8], 0.02);
    const c = normal(new Rng(12), [16, 8], 0.02);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
  });

  it('normal and truncNormal have the requested spread', () => {
    const n = normal(new Rng(0), [20000], 0.5, 1);
    const sn = stats(n.dataSync());
    expect(sn.mean).toBeCloseTo(1, 1);
    expect(sn.std).toBeCloseTo(0.5, 2);
    const t = truncNormal(new Rng(0), [20000], 0.02);
    const st = stats(t.dataSync());
    expect(st.min).toBeGreaterThanOrEqual(-0.04 - 1e-7);
    expect(st.max).toBeLessThanOrEqual(0.04 + 1e-7);
    // Std of a standard normal truncated to [-2, 2] is 0.8796.
    expect(st.std / 0.02).toBeCloseTo(0.8796, 2);
    tf.dispose([n, t]);
  });

  it('uniform, xavierUniform and kaimingNormal respect their bounds and scales', () => {
    const u = uniform(new Rng(1), [10000], -3, 5);
    const su = stats(u.dataSync());
    expect(su.min).toBeGreaterThanOrEqual(-3);
    expect(su.max).toBeLessThan(5);
    expect(su.mean).toBeCloseTo(1, 1);
    const x = xavierUniform(new Rng(1), [100, 200]);
    const limit = Math.sqrt(6 / 300);
    const sx = stats(x.dataSync());
    expect(sx.max).toBeLessThanOrEqual(limit);
    expect(sx.min).toBeGreaterThanOrEqual(-limit);
    expect(sx.std).toBeCloseTo(limit / Math.sqrt(3), 2);
    const k = kaimingNormal(new Rng(1), [3, 3, 16, 64], { mode: 'fanOut' });
    expect(stats(k.dataSync()).std).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    tf.dispose([u, x, k]);
  });

  it('computes fans in tfjs layout and builds constant tensors', () => {
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(computeFans([5, 7])).toEqual({ fanIn: 5, fanOut: 7 });
    expect(computeFans([9])).toEqual({ fanIn: 9, fanOut: 9 });
    const z = zeros([2, 2]);
    const o = ones([3]);
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0]);
    expect(Array.from(o.dataSync())).toEqual([1, 1, 1]);
    expect(() => normal(new Rng(0), [2, -1])).toThrow(/invalid shape/);
    tf.dispose([z, o]);
  });
});

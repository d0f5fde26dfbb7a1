// Proves the backend matrix: a few kernel-like ops (matMul, softmax, conv2d, a tf.grad) agree with plain
// JavaScript references on every backend testBackends() returns, and selection switches the engine for real.
import * as tf from '@tensorflow/tfjs-core';
import { releaseBackends } from '@vlp/tensor-core';
import { testBackends, useBackend } from '@vlp/tensor-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Deterministic inputs in [-1, 1): a 32-bit LCG, so every backend sees the same numbers. */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function matMulRef(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = acc;
    }
  return out;
}

function softmaxRef(x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(row[c]! - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(row[c]! - max) / sum;
  }
  return out;
}

/** NHWC input [1,H,W,C], HWIO filter [3,3,C,O], stride 1, 'same' padding. */
function conv2dRef(
  x: Float32Array,
  w: Float32Array,
  h: number,
  wd: number,
  c: number,
  o: number,
): Float64Array {
  const out = new Float64Array(h * wd * o);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < wd; xx++)
      for (let oc = 0; oc < o; oc++) {
        let acc = 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = y + ky - 1;
            const ix = xx + kx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            for (let ic = 0; ic < c; ic++)
              acc += x[(iy * wd + ix) * c + ic]! * w[((ky * 3 + kx) * c + ic) * o + oc]!;
          }
        out[(y * wd + xx) * o + oc] = acc;
      }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(tol);
}

const BACKENDS = await testBackends();

afterAll(() => releaseBackends());

it('covers cpu and wasm at least (both always work here)', () => {
  expect(BACKENDS).toContain('cpu');
  expect(BACKENDS).toContain('wasm');
});

describe.each(BACKENDS)('%s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is the current tfjs backend', () => {
    expect(tf.getBackend()).toBe(backend === 'ort' ? 'vlp-ort' : backend);
  });

  it('matMul [5,7]x[7,3]', async () => {
    const a = seeded(35, 1);
    const b = seeded(21, 2);
    const y = tf.matMul(tf.tensor2d(a, [5, 7]), tf.tensor2d(b, [7, 3]));
    expectClose(await y.data(), matMulRef(a, b, 5, 7, 3), 1e-5);
  });

  it('softmax over the last axis', async () => {
    const x = seeded(4 * 9, 3).map((v) => v * 6);
    const y = tf.softmax(tf.tensor2d(x, [4, 9]));
    expectClose(await y.data(), softmaxRef(x, 4, 9), 1e-6);
  });

  it('conv2d 3x3 same padding', async () => {
    const x = seeded(6 * 5 * 3, 4);
    const w = seeded(3 * 3 * 3 * 4, 5);
    const y = tf.conv2d(tf.tensor4d(x, [1, 6, 5, 3]), tf.tensor4d(w, [3, 3, 3, 4]), 1, 'same');
    expect(y.shape).toEqual([1, 6, 5, 4]);
    expectClose(await y.data(), conv2dRef(x, w, 6, 5, 3, 4), 1e-5);
  });

  it('tf.grad of sum(tanh(x W)) w.r.t. W is x^T (1 - tanh^2)', async () => {
    const x = seeded(4 * 3, 6);
    const w = seeded(3 * 2, 7);
    const xT = tf.tensor2d(x, [4, 3]);
    const dW = tf.grad((wt: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(xT, wt as tf.Tensor2D))))(
      tf.tensor2d(w, [3, 2]),
    );
    const pre = matMulRef(x, w, 4, 3, 2);
    const expected = new Float64Array(6);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 2; j++)
        for (let r = 0; r < 4; r++)
          expected[i * 2 + j]! += x[r * 3 + i]! * (1 - Math.tanh(pre[r * 2 + j]!) ** 2);
    expectClose(await dW.data(), expected, 1e-5);
  });

  it('leaves no tensors behind inside tidy', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.softmax(tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])));
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

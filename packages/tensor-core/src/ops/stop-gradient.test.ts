import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, stopGradient } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';

describe('stopGradient', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { respectEnv: false });
  });

  it('is the identity forward', () => {
    const x = tf.tensor2d([
      [1, -2],
      [3.5, 0],
    ]);
    const y = stopGradient(x);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3.5, 0]);
    tf.dispose([x, y]);
  });

  it('blocks the gradient through its branch only: d/dx sum(x * sg(x)) = x, not 2x', () => {
    const x = tf.tensor1d([3, -1, 0.5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(t))))(x);
    expect(Array.from(g.dataSync())).toEqual([3, -1, 0.5]);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(stopGradient(tf.square(t))))(x);
    expect(Array.from(g2.dataSync(), Math.abs)).toEqual([0, 0, 0]);
    tf.dispose([x, g, g2]);
  });
});

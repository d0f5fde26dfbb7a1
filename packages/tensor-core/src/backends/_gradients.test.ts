// ensureGradients: the bundled tfjs-core gradients (vendor/tfjs-gradients.js) register in the global registry
// and compute through the main tfjs-core engine (hand-computed values, finite differences, an Adam run), and
// the committed bundle matches a fresh esbuild bundle of the installed tfjs-core.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleGradients, GRADIENTS_BUNDLE } from '../../scripts/bundle-gradients.mjs';
import { checkGradients } from '../testing/gradcheck.js';
import { ensureGradients } from './_gradients.js';

describe('ensureGradients', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { respectEnv: false, gradients: false });
  });

  it('registers every tfjs-core gradient once, in the registry the main build reads', async () => {
    expect(tf.getGradient('Square')).toBeUndefined(); // this file's process starts without them
    const first = ensureGradients();
    expect(ensureGradients()).toBe(first);
    await first;
    for (const kernel of [
      'Square',
      'Prod',
      'BatchMatMul',
      'Softmax',
      'UnsortedSegmentSum',
      'Conv2D',
      'GatherV2',
    ])
      expect(tf.getGradient(kernel), kernel).toBeDefined();
  });

  it('gives hand-computed gradients', async () => {
    await ensureGradients();
    const x = tf.tensor1d([1, 2, 3]);
    // d/dx sum(x^2) = 2x; d/dx prod(x) = prod(x) / x = [6, 3, 2].
    expect(
      Array.from(
        tf
          .grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x)
          .dataSync(),
      ),
    ).toEqual([2, 4, 6]);
    expect(
      Array.from(
        tf
          .grad((v: tf.Tensor) => tf.prod(v))(x)
          .dataSync(),
      ),
    ).toEqual([6, 3, 2]);
    // d/dA sum(A B) = 1 B^T: each row of dA holds B's row sums [3, 7].
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([a, b]);
    expect(Array.from(da!.dataSync())).toEqual([3, 7, 3, 7]);
    // dB = A^T 1: column sums of A repeated: [[4, 4], [6, 6]].
    expect(Array.from(db!.dataSync())).toEqual([4, 4, 6, 6]);
    tf.dispose([x, a, b, da!, db!]);
  });

  it('matches finite differences through gather, softmax, layer statistics and conv', async () => {
    await ensureGradients();
    const table = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
    const img = tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 2);
    const kernel = tf.randomNormal([3, 3, 2, 3], 0, 0.5, 'float32', 3);
    const ids = tf.tensor1d([0, 3, 3, 1], 'int32');
    const f = (t: tf.Tensor, x: tf.Tensor, k: tf.Tensor) =>
      tf.tidy(() => {
        const rows = tf.gather(t, ids); // [4, 4]
        const { mean, variance } = tf.moments(rows, -1, true);
        const normed = tf.div(tf.sub(rows, mean), tf.sqrt(tf.add(variance, 1e-3)));
        const conv = tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'); // [1, 5, 5, 3]
        return tf.add(tf.sum(tf.mul(tf.softmax(normed), normed)), tf.mean(tf.square(conv))) as tf.Scalar;
      });
    const r = await checkGradients(f, [table, img, kernel]);
    expect(r.checked).toBeGreaterThan(40);
    expect(r.maxRelError).toBeLessThan(2e-2);
    tf.dispose([table, img, kernel, ids]);
  });

  it('lets an optimizer train: Adam takes (x - 3)^2 from 0 to 3', async () => {
    await ensureGradients();
    const x = tf.variable(tf.scalar(0));
    const opt = tf.train.adam(0.1);
    for (let i = 0; i < 300; i++) opt.minimize(() => tf.square(tf.sub(x, 3)) as tf.Scalar);
    expect(x.dataSync()[0]).toBeCloseTo(3, 2);
    opt.dispose();
    x.dispose();
  });

  it('ships a bundle identical to a fresh one from the installed tfjs-core', async () => {
    const fresh = await bundleGradients();
    const committed = readFileSync(GRADIENTS_BUNDLE, 'utf8');
    // On a tfjs-core upgrade: `pnpm --filter @vlp/tensor-core bundle-gradients` and commit vendor/.
    expect(committed === fresh, `${GRADIENTS_BUNDLE} is stale: run bundle-gradients`).toBe(true);
  });
});

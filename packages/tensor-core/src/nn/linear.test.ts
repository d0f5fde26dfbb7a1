import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { init } from '../random/index.js';
import { Rng } from '../random/rng.js';
import { checkGradients, checkParameterGradients } from '../testing/gradcheck.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { Linear } from './linear.js';

function linearSuite(backend: BackendName): void {
  describe(`Linear [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('maps any leading dims and has [in, out] weights', () => {
      const fc = new Linear(4, 5, { rng: new Rng(0) });
      const x = tf.zeros([2, 3, 4]);
      const y = fc.forward(x);
      expect(y.shape).toEqual([2, 3, 5]);
      expect(fc.weight.shape).toEqual([4, 5]);
      expect(fc.numParameters()).toBe(25);
      const nb = new Linear(4, 5, { bias: false });
      expect(nb.bias).toBeUndefined();
      expect(nb.namedParameters().map(([n]) => n)).toEqual(['weight']);
      tf.dispose([x, y]);
      fc.dispose();
      nb.dispose();
    });

    it('computes x @ W + b by hand', async () => {
      const fc = new Linear(3, 2, { rng: new Rng(0) });
      const w = tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      const b = tf.tensor1d([0.5, -1]);
      fc.loadStateDict({ weight: w, bias: b });
      const x = tf.tensor2d([
        [1, 0, -1],
        [2, 1, 0],
      ]);
      const y = fc.forward(x);
      expect(await values(y)).toEqual([-3.5, -5, 5.5, 7]);
      tf.dispose([w, b, x, y]);
      fc.dispose();
    });

    it('initialises from the seed identically and with std ~0.02', async () => {
      const a = new Linear(64, 64, { rng: new Rng(5) });
      const b = new Linear(64, 64, { rng: new Rng(5) });
      const wa = await values(a.weight);
      expect(await values(b.weight)).toEqual(wa);
      const std = Math.sqrt(wa.reduce((s, v) => s + v * v, 0) / wa.length);
      expect(std).toBeCloseTo(0.02 * 0.8796, 3);
      const c = new Linear(8, 8, { rng: new Rng(5), weightInit: (r, s) => init.xavierUniform(r, s) });
      expect(Math.max(...(await values(c.weight)).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 16));
      a.dispose();
      b.dispose();
      c.dispose();
    });

    it('has correct input and parameter gradients', async () => {
      const rng = new Rng(1);
      const fc = new Linear(4, 3, { rng, initStd: 0.5 });
      const x = randn(rng, [2, 2, 4]);
      const p = projection(rng, [2, 2, 3]);
      const rx = await checkGradients((a) => p.loss(fc.forward(a)), [x]);
      expect(rx.checked).toBe(16);
      expect(rx.maxRelError).toBeLessThan(1e-2);
      const rp = await checkParameterGradients(() => p.loss(fc.forward(x)), fc.parameters());
      expect(rp.checked).toBe(15);
      expect(rp.maxRelError).toBeLessThan(1e-2);
      p.dispose();
      x.dispose();
      fc.dispose();
    });

    it('rejects mismatched inputs', () => {
      const fc = new Linear(4, 3);
      const x = tf.zeros([2, 5]);
      expect(() => fc.forward(x)).toThrow(/does not match weight \[4,3\]/);
      x.dispose();
      fc.dispose();
    });
  });
}

for (const backend of await layerBackends()) linearSuite(backend);

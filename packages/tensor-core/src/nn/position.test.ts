import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { Rng } from '../random/rng.js';
import { checkParameterGradients } from '../testing/gradcheck.js';
import { layerBackends, projection, randn, useBackend, values } from './_test-helpers.js';
import { LearnedPositionEmbedding, sinePositionEncoding1d, sinePositionEncoding2d } from './position.js';

function positionSuite(backend: BackendName): void {
  describe(`position encodings [${backend}]`, () => {
    beforeAll(() => useBackend(backend));

    it('computes the 1-D sine encoding by hand', async () => {
      const pe = sinePositionEncoding1d(3, 4);
      expect(pe.shape).toEqual([3, 4]);
      const v = await values(pe);
      // Frequencies 1 and 1/100; layout [sin w0 p, sin w1 p, cos w0 p, cos w1 p].
      const expected = [0, 0, 1, 1, Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)];
      expected.forEach((e, i) => {
        expect(v[i]).toBeCloseTo(e, 6);
      });
      expect(v[8]).toBeCloseTo(Math.sin(2), 6);
      expect(() => sinePositionEncoding1d(2, 3)).toThrow(/even/);
      pe.dispose();
    });

    it('lays out the 2-D encoding as [row half | column half], row-major', async () => {
      const pe = sinePositionEncoding2d(2, 3, 8);
      expect(pe.shape).toEqual([6, 8]);
      const one = await values(sinePositionEncoding1d(3, 4));
      const v = await values(pe);
      const cell = v.slice(5 * 8, 6 * 8); // row 1, column 2
      expect(cell.slice(0, 4)).toEqual(one.slice(4, 8));
      expect(cell.slice(4, 8)).toEqual(one.slice(8, 12));
      expect(() => sinePositionEncoding2d(2, 2, 6)).toThrow(/divisible by 4/);
      pe.dispose();
    });

    it('adds a learned table with an offset and only trains the rows used', async () => {
      const rng = new Rng(0);
      const pos = new LearnedPositionEmbedding(6, 4, { rng });
      const x = randn(rng, [2, 3, 4]);
      const y = pos.forward(x, { offset: 2 });
      const expected = tf.add(x, tf.slice(pos.weight, [2, 0], [3, 4]));
      expect(await values(y)).toEqual(await values(expected));
      expect(() => pos.forward(tf.zeros([1, 5, 4]), { offset: 2 })).toThrow(/exceed maxLen 6/);
      const p = projection(rng, [2, 3, 4]);
      const r = await checkParameterGradients(() => p.loss(pos.forward(x, { offset: 2 })), pos.parameters());
      expect(r.checked).toBe(24);
      expect(r.maxRelError).toBeLessThan(1e-2);
      const { grads } = tf.variableGrads(() => p.loss(pos.forward(x)), pos.parameters());
      const g = await values(grads[pos.weight.name] as tf.Tensor);
      expect(g.slice(12).every((a) => a === 0)).toBe(true);
      tf.dispose([x, y, expected, grads]);
      p.dispose();
      pos.dispose();
    });
  });
}

for (const backend of await layerBackends()) positionSuite(backend);

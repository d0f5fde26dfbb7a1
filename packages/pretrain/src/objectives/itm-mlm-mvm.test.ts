import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dot, logSoftmax, norm, softmax } from './_test-math.js';
import { itmLabels, itmLoss, sampleHardNegatives, sampleRandomNegatives } from './itm.js';
import { mlmLoss } from './mlm.js';
import { mvmLoss, mvmMask } from './mvm.js';
import { getObjective, listObjectives, textMlmLoss } from './registry.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const first = (t: tf.Tensor | number | undefined) =>
  typeof t === 'number' ? t : (t?.dataSync()[0] as number);

describe('ITM', () => {
  it('head loss is 2-way cross-entropy by hand', () => {
    const logits = [
      [0.2, 1.5],
      [2, -1],
      [0.3, 0.1],
    ];
    const labels = [1, 0, 1];
    const expected = -logits.reduce((s, r, i) => s + (logSoftmax(r)[labels[i] as number] as number), 0) / 3;
    const out = tf.tidy(() =>
      itmLoss({ itmLogits: tf.tensor2d(logits), itmLabels: tf.tensor1d(labels, 'int32') }),
    );
    expect(first(out.losses.itm)).toBeCloseTo(expected, 5);
    expect(first(out.logs.acc)).toBeCloseTo(2 / 3, 6);
    expect(Array.from(itmLabels(2).dataSync())).toEqual([1, 1, 0, 0, 0, 0]);
    tf.dispose(out);
  });

  it('samples hard negatives from softmax(sim) with the positive zeroed, seeded', async () => {
    const sim = [
      [5, 2, 0, -1],
      [1, 5, 1, 1],
      [0, 3, 5, 0],
      [2, 0, 0, 5],
    ];
    const t = tf.tensor2d(sim);
    const counts = sim.map(() => [0, 0, 0, 0]);
    const rng = new Rng(3);
    const draws = 600;
    for (let k = 0; k < draws; k++) {
      const { textForImage, imageForText } = await sampleHardNegatives({ simI2T: t, rng });
      textForImage.forEach((j, i) => {
        expect(j).not.toBe(i);
        (counts[i] as number[])[j] = ((counts[i] as number[])[j] as number) + 1;
      });
      imageForText.forEach((i, j) => {
        expect(i).not.toBe(j);
      });
    }
    // Row 0 of softmax(sim) without the diagonal, renormalised: the expected frequencies.
    const p = softmax(sim[0] as number[]);
    const w = [0, p[1] as number, p[2] as number, p[3] as number];
    const z = w.reduce((a, b) => a + b, 0);
    for (let j = 1; j < 4; j++)
      expect((counts[0]?.[j] as number) / draws).toBeCloseTo((w[j] as number) / z, 1);
    const a = await sampleHardNegatives({ simI2T: t, rng: new Rng(9) });
    const b = await sampleHardNegatives({ simI2T: t, rng: new Rng(9) });
    expect(a).toEqual(b);
    t.dispose();
  });

  it('swaps captions with probability 0.5 for random negatives (SOHO)', () => {
    const rng = new Rng(1);
    let neg = 0;
    let total = 0;
    for (let k = 0; k < 200; k++) {
      const { textIndex, labels } = sampleRandomNegatives(5, rng);
      textIndex.forEach((j, i) => {
        expect(labels[i]).toBe(j === i ? 1 : 0);
        neg += labels[i] === 0 ? 1 : 0;
        total += 1;
      });
    }
    expect(neg / total).toBeGreaterThan(0.45);
    expect(neg / total).toBeLessThan(0.55);
  });
});

describe('mlmLoss', () => {
  const logits = [
    [
      [1, 2, 0.5],
      [0.1, 0.2, 3],
      [2, 2, 2],
    ],
  ];
  const mLogits = [
    [
      [0.5, 2.5, 0],
      [1, 0, 1],
      [0, 0, 9],
    ],
  ];
  const labels = [[1, -100, 0]];

  it('averages CE over positions whose label is not -100, by hand', () => {
    const row0 = logits[0] as number[][];
    const expected =
      -((logSoftmax(row0[0] as number[])[1] as number) + (logSoftmax(row0[2] as number[])[0] as number)) / 2;
    const out = tf.tidy(() =>
      mlmLoss({ mlmLogits: tf.tensor3d(logits), mlmLabels: tf.tensor2d(labels, [1, 3], 'int32') }),
    );
    expect(first(out.losses.mlm)).toBeCloseTo(expected, 5);
    expect(first(out.logs.masked)).toBe(2);
    expect(first(out.logs.acc)).toBeCloseTo(1, 6); // row 0 argmax 1 (= label); row 2 ties -> index 0 (= label)
    const t = tf.tidy(() =>
      textMlmLoss({ mlmLogits: tf.tensor3d(logits), mlmLabels: tf.tensor2d(labels, [1, 3], 'int32') }),
    );
    expect(first(t.losses.mlm_text)).toBeCloseTo(expected, 5);
    tf.dispose([out, t]);
  });

  it('distils from momentum logits: (1-a) CE + a soft CE, masked positions only, no gradient to the teacher', () => {
    const alpha = 0.4;
    const row = logits[0] as number[][];
    const mrow = mLogits[0] as number[][];
    const at = (p: number, label: number) => {
      const lp = logSoftmax(row[p] as number[]);
      const soft = softmax(mrow[p] as number[]);
      return (1 - alpha) * -(lp[label] as number) + alpha * -dot(lp, soft);
    };
    const expected = (at(0, 1) + at(2, 0)) / 2;
    const x = tf.tensor3d(logits);
    const m = tf.tensor3d(mLogits);
    const y = tf.tensor2d(labels, [1, 3], 'int32');
    const out = mlmLoss({ mlmLogits: x, mlmLabels: y, momentumLogits: m, alpha });
    expect(first(out.losses.mlm)).toBeCloseTo(expected, 5);
    const [gx, gm] = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) =>
        mlmLoss({ mlmLogits: a, mlmLabels: y, momentumLogits: b, alpha }).losses.mlm as tf.Scalar,
    )([x, m]);
    const gxv = gx?.arraySync() as number[][][];
    expect(tf.sum(tf.abs(gm as tf.Tensor)).dataSync()[0]).toBe(0);
    expect(Math.abs(gxv[0]?.[0]?.[0] as number)).toBeGreaterThan(1e-3);
    expect(gxv[0]?.[1]?.map(Math.abs)).toEqual([0, 0, 0]); // ignored position
    tf.dispose([x, m, y, out, gx, gm]);
  });
});

describe('MVM', () => {
  it('masks every position sharing a sampled VD id', () => {
    const vdIds = [
      [3, 3, 7, 1, 3, 7],
      [2, 2, 2, 2, 5, 6],
    ];
    const rng = new Rng(0);
    for (let k = 0; k < 20; k++) {
      const mask = mvmMask({ vdIds, ratio: 0.2, rng }).arraySync() as number[][];
      mask.forEach((row, i) => {
        const ids = vdIds[i] as number[];
        const maskedIds = new Set(ids.filter((_, p) => row[p] === 1));
        expect(maskedIds.size).toBeGreaterThan(0);
        ids.forEach((id, p) => {
          expect(row[p]).toBe(maskedIds.has(id) ? 1 : 0);
        });
      });
    }
    const all = mvmMask({ vdIds, ratio: 1, rng }).arraySync();
    expect(all).toEqual([
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1],
    ]);
  });

  it('classifies masked positions over the dictionary by cosine, by hand; no gradient to the dictionary', () => {
    const dictionary = [
      [1, 0],
      [0, 1],
      [-1, -1],
    ];
    const outputs = [
      [
        [2, 0.5],
        [0.1, 1],
        [-1, 0.2],
      ],
    ];
    const ids = [[0, 2, 1]];
    const mask = [[1, 1, 0]];
    const scale = 5;
    const ce = (p: number) => {
      const x = norm((outputs[0] as number[][])[p] as number[]);
      const lp = logSoftmax(dictionary.map((d) => scale * dot(x, norm(d))));
      return -(lp[(ids[0] as number[])[p] as number] as number);
    };
    const expected = (ce(0) + ce(1)) / 2;
    const x = tf.tensor3d(outputs);
    const d = tf.tensor2d(dictionary);
    const feats = { vdIds: tf.tensor2d(ids, [1, 3], 'int32'), mvmMask: tf.tensor2d(mask), scale };
    const out = mvmLoss({ visualOutputs: x, dictionary: d, ...feats });
    expect(first(out.losses.mvm)).toBeCloseTo(expected, 5);
    const [gx, gd] = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) =>
        mvmLoss({ visualOutputs: a, dictionary: b, ...feats }).losses.mvm as tf.Scalar,
    )([x, d]);
    expect(tf.sum(tf.abs(gd as tf.Tensor)).dataSync()[0]).toBe(0);
    const gxv = gx?.arraySync() as number[][][];
    expect(Math.abs(gxv[0]?.[0]?.[1] as number)).toBeGreaterThan(1e-3);
    expect(gxv[0]?.[2]?.map(Math.abs)).toEqual([0, 0]); // unmasked position
    tf.dispose([x, d, feats.vdIds, feats.mvmMask, out, gx, gd]);
  });
});

describe('objective registry', () => {
  it('lists every objective and names the known ones on a miss', () => {
    expect(listObjectives()).toEqual(['grounding', 'itc', 'itm', 'mlm', 'mlm_text', 'mvm', 'pwcl', 'vcl']);
    expect(() => getObjective('nope')).toThrow('Unknown objective "nope". Should be one of: grounding, itc');
    const g = tf.scalar(0.25);
    const out = getObjective('grounding')({ groundingLoss: g });
    expect(first(out.losses.grounding)).toBe(0.25);
    tf.dispose([g, out]);
  });
});

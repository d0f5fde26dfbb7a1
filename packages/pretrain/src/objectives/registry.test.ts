// The registry as the test matrix: every registered objective gets finite losses, a backward pass into its
// first named input and no leaked tensors, from one table of tiny features.
import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getObjective, listObjectives } from './registry.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const rng = new Rng(0);
const randn = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
};

/** For each objective: the name of the differentiable input and a builder of its features. */
const FEATURES: Record<string, [string, () => Record<string, tf.Tensor | number>]> = {
  itc: ['imageEmbeds', () => ({ imageEmbeds: randn([3, 4]), textEmbeds: randn([3, 4]), temperature: 0.1 })],
  pwcl: ['textEmbeds', () => ({ textEmbeds: randn([3, 4]), imageEmbeds: randn([3, 4]) })],
  itm: [
    'itmLogits',
    () => ({ itmLogits: randn([6, 2]), itmLabels: tf.tensor1d([1, 1, 0, 0, 0, 0], 'int32') }),
  ],
  mlm: [
    'mlmLogits',
    () => ({
      mlmLogits: randn([2, 3, 5]),
      mlmLabels: tf.tensor2d(
        [
          [1, -100, 4],
          [-100, 0, -100],
        ],
        [2, 3],
        'int32',
      ),
    }),
  ],
  mlm_text: [
    'mlmLogits',
    () => ({ mlmLogits: randn([1, 2, 5]), mlmLabels: tf.tensor2d([[3, -100]], [1, 2], 'int32') }),
  ],
  mvm: [
    'visualOutputs',
    () => ({
      visualOutputs: randn([1, 3, 4]),
      dictionary: randn([5, 4]),
      vdIds: tf.tensor2d([[0, 4, 2]], [1, 3], 'int32'),
      mvmMask: tf.tensor2d([[1, 0, 1]]),
    }),
  ],
  vcl: ['viewA', () => ({ viewA: randn([3, 4]), viewB: randn([3, 4]), temperature: 0.2 })],
  grounding: ['groundingLoss', () => ({ groundingLoss: tf.scalar(0.7) })],
};

describe.each(listObjectives())('objective %s', (name) => {
  it('gives finite losses, a gradient to its input, and leaks nothing', () => {
    const spec = FEATURES[name];
    expect(spec, `add ${name} to the FEATURES table`).toBeDefined();
    const [input, make] = spec as NonNullable<typeof spec>;
    const features = make();
    const fn = getObjective(name);
    const before = tf.memory().numTensors;
    const out = fn(features);
    const values = Object.values(out.losses).map((l) => l.dataSync()[0] as number);
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    const x = features[input] as tf.Tensor;
    const g = tf.grad((t: tf.Tensor) => {
      const o = fn({ ...features, [input]: t });
      return tf.addN(Object.values(o.losses)) as tf.Scalar;
    })(x);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([g, Object.values(features).filter((v): v is tf.Tensor => typeof v !== 'number')]);
  });
});

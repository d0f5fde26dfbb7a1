// A whole training step through tensor-core's TransformerBlock on vlp-ort: same loss and gradients as the cpu
// backend, and no tensor leaked once FusedAdam's moments exist.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TransformerBlock } from '../../../nn/transformer.js';
import { Rng } from '../../../random/rng.js';
import { maxRelErr, seeded, setUpOrt } from '../_test-utils.js';
import { ORT_TFJS_NAME } from '../register.js';
import { FusedAdam } from './adam.js';

beforeAll(async () => {
  await setUpOrt();
});

function lossAndGrads(backend: string): { loss: number; grads: number[][]; leaked: number } {
  tf.setBackend(backend);
  const block = new TransformerBlock({ dim: 16, heads: 2, mlpDim: 32, rng: new Rng(3) });
  const x = tf.tensor(seeded(2 * 5 * 16, 4), [2, 5, 16]);
  const mask = tf.tensor4d([1, 1, 1, 1, 0, 1, 1, 1, 1, 1], [2, 1, 1, 5], 'int32');
  const params = block.parameters();
  const opt = new FusedAdam({ learningRate: 1e-3 });
  const step = () => {
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(block.forward(x, { mask }))) as tf.Scalar,
      params,
    );
    const out = {
      loss: value.dataSync()[0]!,
      grads: params.map((p) => Array.from(grads[p.name]!.dataSync())),
    };
    opt.applyGradients(grads);
    tf.dispose([value, grads]);
    return out;
  };
  const first = step();
  const before = tf.memory().numTensors;
  step();
  const leaked = tf.memory().numTensors - before;
  opt.dispose();
  block.dispose();
  tf.dispose([x, mask]);
  return { ...first, leaked };
}

describe('training step on vlp-ort', () => {
  it('matches cpu loss and every parameter gradient, and leaks no tensor', () => {
    const want = lossAndGrads('cpu');
    const got = lossAndGrads(ORT_TFJS_NAME);
    expect(Math.abs(got.loss - want.loss) / Math.abs(want.loss)).toBeLessThan(1e-5);
    expect(got.grads.length).toBe(want.grads.length);
    for (const [i, g] of got.grads.entries()) expect(maxRelErr(g, want.grads[i]!)).toBeLessThan(1e-5);
    expect(got.leaked).toBe(0);
    expect(want.leaked).toBe(0);
  });
});

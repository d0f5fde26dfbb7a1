// Single-stream fusion (Pixel-BERT / SOHO) init: `initStd` redraws every Linear weight, and at the tiny
// presets' width-scaled std the fusion plus a linear ITM head on the fused [CLS] memorise 8 fixed
// image-text pairs under SOHO's random negatives. With BERT's 0.02 at width 32 each sub-layer adds ~1% to
// the residual, the [CLS] starts additive in image and text, and ITM with balanced random negatives sat on
// its prior (ln 2) for hundreds of steps in the SOHO / Pixel-BERT recipes.
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Rng, selectBackend, softmaxCrossEntropy } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFusion, getFusionConfig } from './registry.js';
import type { SingleStreamFusion } from './single-stream.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

function randn(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

function std(v: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.moments(v).variance.dataSync()[0] as number));
}

/** Mean ITM loss of the last 25 of `steps` Adam steps on 8 fixed pairs, captions swapped with p = 0.5. */
function itmMemorise(initStd: number, steps: number): number {
  const rng = new Rng(0);
  const fusion = createFusion('pixelbert-tiny', { initStd }, rng.fork('fusion'));
  const head = new Linear(32, 2, { rng: rng.fork('head'), initStd });
  const visual = randn([8, 16, 32], 1); // [B, Nv, Dv]
  const text = randn([8, 8, 32], 2); // [B, Nt, Dt]
  const textMask = tf.ones([8, 8]);
  const opt = tf.train.adam(2e-3);
  const params = [...fusion.parameters(), ...head.parameters()];
  const draw = rng.fork('negatives');
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const idx: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 8; i++) {
      const swap = draw.uniform() < 0.5;
      const j = swap ? (i + 1 + draw.int(7)) % 8 : i;
      idx.push(j);
      labels.push(j === i ? 1 : 0);
    }
    const cost = opt.minimize(
      () => {
        const t = tf.gather(text, tf.tensor1d(idx, 'int32')); // [B, Nt, Dt]
        const out = fusion.forward({ visual, text: t, textMask });
        return softmaxCrossEntropy(head.forward(out.cls), tf.tensor1d(labels, 'int32'));
      },
      true,
      params,
    );
    losses.push(cost?.dataSync()[0] as number);
    cost?.dispose();
  }
  opt.dispose();
  tf.dispose([visual, text, textMask]);
  fusion.dispose();
  head.dispose();
  const tail = losses.slice(-25);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

describe('SingleStreamFusion initStd', () => {
  it('redraws every Linear weight at the configured std, leaving biases and LayerNorms', () => {
    expect((getFusionConfig('soho-tiny') as { initStd?: number }).initStd).toBeCloseTo(0.18, 6);
    for (const initStd of [0.02, 0.18]) {
      const f = createFusion('pixelbert-tiny', { initStd }, new Rng(3)) as SingleStreamFusion;
      const named = f.encoder.namedParameters();
      for (const [name, v] of named) {
        if (name.endsWith('weight') && v.rank === 2) {
          // truncated at +-2 std: the sample std is 0.88 of the configured one
          expect(std(v) / initStd, name).toBeGreaterThan(0.8);
          expect(std(v) / initStd, name).toBeLessThan(0.96);
        } else if (name.endsWith('bias')) {
          expect(std(v), name).toBe(0);
        }
      }
      f.dispose();
    }
    expect(() => createFusion('pixelbert-tiny', { initStd: -1 }, new Rng(0))).toThrow(/initStd/);
  });

  it('the tiny preset plus an ITM head memorise 8 fixed pairs under random negatives', () => {
    const before = tf.memory().numTensors;
    // Measured (cpu, these seeds): mean loss over steps 76-100 is 0.006 at std 0.18 and 0.38 at BERT's 0.02
    // (which sits near ln 2 for the first ~60 steps).
    const scaled = itmMemorise(0.18, 100);
    expect(scaled).toBeLessThan(0.1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Training behaviour of the tiny encoders: finite-difference gradients, BatchNorm train/eval semantics,
// memory unchanged across an optimiser step, and ViT position interpolation at another resolution.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { checkParameterGradients, useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageEncoder } from './encoder.js';
import { createImageEncoder } from './registry.js';
import type { ResNetEncoder } from './resnet.js';

beforeAll(() => useBackend('cpu'));

function randn(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

/** A scalar of the tokens and the cls vector, weighted by fixed random probes (so no gradient cancels). */
function probeLoss(enc: ImageEncoder, x: tf.Tensor4D, probes: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const f = enc.forward(x);
    const [pt, pc] = probes as [tf.Tensor, tf.Tensor];
    return tf.add(tf.mean(tf.mul(f.tokens, pt)), tf.mean(tf.mul(f.cls, pc))) as tf.Scalar;
  });
}

/**
 * Directional-derivative check over all parameters at once: analytic g.v against the central difference
 * (L(theta + h v) - L(theta - h v)) / 2h along a random direction v, at a coarse and a fine h. Robust to
 * ReLU kinks (one unit flipping barely moves a derivative along a direction through thousands of
 * parameters). Errors are relative to |g|; on smooth models they must also shrink with h (a wrong
 * gradient would plateau instead).
 */
function directionalErrors(loss: () => tf.Scalar, params: tf.Variable[], seed: number): number[] {
  const { value, grads } = tf.variableGrads(loss, params);
  value.dispose();
  const dirs = params.map((p, i) => randn(p.shape, seed * 1000 + i));
  let gv = 0;
  let gNormSq = 0;
  params.forEach((p, i) => {
    const g = grads[p.name] as tf.Tensor;
    gv += tf.tidy(() => tf.sum(tf.mul(g, dirs[i] as tf.Tensor))).dataSync()[0] as number;
    gNormSq += tf.tidy(() => tf.sum(tf.square(g))).dataSync()[0] as number;
  });
  const saved = params.map((p) => tf.clone(p));
  const at = (t: number): number => {
    params.forEach((p, i) => {
      p.assign(tf.tidy(() => tf.add(saved[i] as tf.Tensor, tf.mul(dirs[i] as tf.Tensor, t))));
    });
    const l = loss();
    const v = l.dataSync()[0] as number;
    l.dispose();
    return v;
  };
  // Normalised by |g|, the typical size of g.v for a standard-normal v (|g.v| itself can be near 0).
  const errors = [1e-2, 3e-4].map((h) => Math.abs((at(h) - at(-h)) / (2 * h) - gv) / Math.sqrt(gNormSq));
  params.forEach((p, i) => {
    p.assign(saved[i] as tf.Tensor);
  });
  tf.dispose([...dirs, ...saved, grads]);
  return errors;
}

describe('finite-difference gradients', () => {
  it('vit-tiny: per-entry on every parameter tensor, and along random directions', async () => {
    const enc = createImageEncoder('vit-tiny', { imageSize: 16 }, new Rng(0));
    const x = randn([2, 16, 16, 3], 1) as tf.Tensor4D;
    const probes = [randn([2, 4, 32], 2), randn([2, 32], 3)];
    const loss = (): tf.Scalar => probeLoss(enc, x, probes);
    const r = await checkParameterGradients(loss, enc.parameters(), { maxEntriesPerTensor: 4, eps: 1e-3 });
    expect(r.checked).toBeGreaterThan(100);
    expect(r.maxRelError).toBeLessThan(5e-2);
    for (const seed of [1, 2, 3]) {
      const [coarse, fine] = directionalErrors(loss, enc.parameters(), seed) as [number, number];
      expect(fine).toBeLessThan(5e-3);
      expect(fine).toBeLessThan(coarse / 10);
    }
    tf.dispose([x, ...probes]);
    enc.dispose();
  });

  for (const mode of ['train', 'eval'] as const) {
    it(`resnet-tiny in ${mode} mode: along random directions through every parameter`, () => {
      const enc = createImageEncoder(
        'resnet-tiny',
        { imageSize: 16, widths: [8, 8, 16], stemWidth: 8, dim: 8 },
        new Rng(0),
      ).train(mode === 'train');
      const x = randn([2, 16, 16, 3], 4) as tf.Tensor4D;
      const probes = [randn([2, 16, 8], 5), randn([2, 8], 6)];
      for (const seed of [1, 2, 3]) {
        const [coarse, fine] = directionalErrors(() => probeLoss(enc, x, probes), enc.parameters(), seed) as [
          number,
          number,
        ];
        expect(fine).toBeLessThan(2e-2);
        expect(coarse).toBeLessThan(0.5); // sanity: the coarse step is not wildly off either
      }
      tf.dispose([x, ...probes]);
      enc.dispose();
    });
  }
});

describe("ResNet pool 'flatten'", () => {
  it('cls is the head Linear over the raster-order map, its gradient checks, and a wrong input size is named', async () => {
    const enc = createImageEncoder(
      'resnet-tiny',
      { imageSize: 16, widths: [8, 8, 16], stemWidth: 8, dim: 8, pool: 'flatten' },
      new Rng(0),
    ).eval() as ResNetEncoder;
    expect(enc.gridSize).toBe(4);
    expect(enc.head?.weight.shape).toEqual([4 * 4 * 16, 8]);
    const x = randn([2, 16, 16, 3], 8) as tf.Tensor4D;
    // cls by hand from the feature map: flatten [B, 4, 4, 16] to [B, 256] and apply the head.
    const fmap = enc.featureMap(x);
    const byHand = tf.add(tf.matMul(tf.reshape(fmap, [2, 256]), enc.head!.weight), enc.head!.bias!);
    const { cls, tokens } = enc.forward(x);
    expect(tokens.shape).toEqual([2, 16, 8]);
    expect(tf.max(tf.abs(tf.sub(cls, byHand))).dataSync()[0]).toBeLessThan(1e-5);
    const probes = [randn([2, 16, 8], 9), randn([2, 8], 10)];
    const loss = (): tf.Scalar => probeLoss(enc, x, probes);
    const params = [...enc.head!.parameters(), ...enc.conv1.parameters()]; // through the flatten into the stem
    const r = await checkParameterGradients(loss, params, { maxEntriesPerTensor: 8, eps: 1e-3 });
    expect(r.checked).toBeGreaterThan(16);
    expect(r.maxRelError).toBeLessThan(5e-2);
    const small = randn([1, 8, 8, 3], 11) as tf.Tensor4D;
    expect(() => enc.forward(small)).toThrow(/pool 'flatten' needs 16 px input/);
    tf.dispose([x, fmap, byHand, cls, tokens, small, ...probes]);
    enc.dispose();
  });
});

describe('BatchNorm in the CNN behaves per mode', () => {
  it('train updates running statistics and mixes the batch; eval uses them and treats images independently', () => {
    const enc = createImageEncoder('resnet-tiny', {}, new Rng(0)) as ResNetEncoder;
    const running = () => Array.from(enc.bn1.runningMean.dataSync());
    const x = randn([2, 32, 32, 3], 7) as tf.Tensor4D;
    const first = tf.slice(x, [0], [1]) as tf.Tensor4D;

    expect(running().every((v) => v === 0)).toBe(true);
    tf.dispose(enc.train().forward(x));
    const afterTrain = running();
    expect(afterTrain.some((v) => v !== 0)).toBe(true);

    // Train mode: image 0's features depend on the other image in the batch (batch statistics).
    const trainBoth = enc.forward(x);
    const trainAlone = enc.forward(first);
    const diffTrain = tf
      .max(tf.abs(tf.sub(tf.slice(trainBoth.cls, [0], [1]), trainAlone.cls)))
      .dataSync()[0] as number;
    expect(diffTrain).toBeGreaterThan(1e-3);

    enc.eval();
    const before = running();
    const evalBoth = enc.forward(x);
    const evalAlone = enc.forward(first);
    expect(running()).toEqual(before); // eval never touches the statistics
    const diffEval = tf
      .max(tf.abs(tf.sub(tf.slice(evalBoth.cls, [0], [1]), evalAlone.cls)))
      .dataSync()[0] as number;
    expect(diffEval).toBeLessThan(1e-5);
    tf.dispose([x, first, trainBoth, trainAlone, evalBoth, evalAlone]);
    enc.dispose();
  });
});

describe('a training step leaves memory unchanged', () => {
  // The CNN runs at 16 px here: conv backprop on the pure-JS cpu backend dominates the suite's time.
  for (const [name, size] of [
    ['vit-tiny', 32],
    ['resnet-tiny', 16],
  ] as const) {
    it(`${name}: forward, backward and SGD update`, () => {
      const enc = createImageEncoder(name, {}, new Rng(0));
      const x = randn([2, size, size, 3], 8) as tf.Tensor4D;
      const opt = tf.train.sgd(0.01);
      const step = (): number => {
        const loss = opt.minimize(
          () => tf.mean(tf.square(enc.forward(x).cls)) as tf.Scalar,
          true,
          enc.parameters(),
        );
        const v = (loss as tf.Scalar).dataSync()[0] as number;
        loss?.dispose();
        return v;
      };
      const l0 = step(); // warm-up: the first step may allocate optimiser state
      const before = tf.memory().numTensors;
      const l1 = step();
      expect(tf.memory().numTensors).toBe(before);
      expect(l1).toBeLessThan(l0); // and it learns
      tf.dispose(x);
      opt.dispose();
      enc.dispose();
    });
  }
});

describe('ViT at another resolution', () => {
  it('interpolates positions: 48 px on a 32 px config gives a 6x6 grid; bad shapes are refused', () => {
    const enc = createImageEncoder('vit-tiny', {}, new Rng(0)).eval();
    const big = randn([1, 48, 48, 3], 9) as tf.Tensor4D;
    const f = enc.forward(big);
    expect(f.grid.shape).toEqual([1, 6, 6, 32]);
    expect(f.tokens.shape).toEqual([1, 36, 32]);
    expect(() => enc.forward(tf.zeros([1, 30, 32, 3]) as tf.Tensor4D)).toThrow(
      /multiple of the patch size 8/,
    );
    expect(() => enc.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D)).toThrow(/\[B, H, W, 3\]/);
    tf.dispose([big, f]);
    enc.dispose();
  });
});

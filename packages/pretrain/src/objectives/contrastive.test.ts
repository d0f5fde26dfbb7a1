import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagCe, dot, type Mat, matmulT, norm, oneHot, softCe, softmax, transpose } from './_test-math.js';
import { alphaRamp, itcLoss, Temperature } from './itc.js';
import { pwclLoss } from './pwcl.js';
import { visualContrastiveLoss } from './visual-contrastive.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const img: Mat = [norm([1, 0.5]), norm([0.2, 1]), norm([-1, 0.3])];
const txt: Mat = [norm([0.9, 0.4]), norm([0.1, -1]), norm([-0.7, 0.6])];
const imgM: Mat = [norm([1, 0.4]), norm([0.3, 1]), norm([-1, 0.1])];
const txtM: Mat = [norm([1, 0.3]), norm([0.2, -1]), norm([-0.6, 0.7])];
const qImg: Mat = [norm([0.5, 0.5]), norm([-0.2, -1]), norm([1, -1])];
const qTxt: Mat = [norm([0.4, -0.6]), norm([0.8, 0.8]), norm([-1, -0.2])];

function scalar(out: { losses: Record<string, tf.Scalar> }, name: string): number {
  return (out.losses[name] as tf.Scalar).dataSync()[0] as number;
}

describe('itcLoss', () => {
  it('matches a hand computation without queues', () => {
    const t = 0.5;
    const i2t = matmulT(img, txt, 1 / t);
    const t2i = matmulT(txt, img, 1 / t);
    const expected = (diagCe(i2t) + diagCe(t2i)) / 2;
    const out = tf.tidy(() =>
      itcLoss({ imageEmbeds: tf.tensor2d(img), textEmbeds: tf.tensor2d(txt), temperature: t }),
    );
    expect(scalar(out, 'itc')).toBeCloseTo(expected, 5);
    // acc: argmax of each row against the diagonal, both directions averaged.
    const acc = (m: Mat) => m.filter((r, i) => r.indexOf(Math.max(...r)) === i).length / m.length;
    expect((out.logs.acc as tf.Scalar).dataSync()[0]).toBeCloseTo((acc(i2t) + acc(t2i)) / 2, 6);
    tf.dispose(out);
  });

  it('uses momentum keys + queues and distils with alpha', () => {
    const t = 0.2;
    const alpha = 0.4;
    const textKeys = [...txtM, ...qTxt];
    const imageKeys = [...imgM, ...qImg];
    const i2t = matmulT(img, textKeys, 1 / t);
    const t2i = matmulT(txt, imageKeys, 1 / t);
    const targets = (m: Mat) =>
      m.map((r, i) => softmax(r).map((p, j) => alpha * p + (1 - alpha) * (i === j ? 1 : 0)));
    const expected =
      (softCe(i2t, targets(matmulT(imgM, textKeys, 1 / t))) +
        softCe(t2i, targets(matmulT(txtM, imageKeys, 1 / t)))) /
      2;
    const hard = (diagCe(i2t) + diagCe(t2i)) / 2;
    const run = (a: number) =>
      tf.tidy(() =>
        itcLoss({
          imageEmbeds: tf.tensor2d(img),
          textEmbeds: tf.tensor2d(txt),
          imageEmbedsM: tf.tensor2d(imgM),
          textEmbedsM: tf.tensor2d(txtM),
          imageQueue: tf.tensor2d(qImg),
          textQueue: tf.tensor2d(qTxt),
          temperature: tf.scalar(t),
          alpha: a,
        }),
      );
    const distilled = run(alpha);
    const plain = run(0);
    expect(scalar(distilled, 'itc')).toBeCloseTo(expected, 5);
    expect(scalar(plain, 'itc')).toBeCloseTo(hard, 5);
    expect(Math.abs(expected - hard)).toBeGreaterThan(1e-3);
    tf.dispose([distilled, plain]);
  });

  it('sends gradients to online embeddings and temperature only', () => {
    const temp = new Temperature(0.1);
    const inputs = [img, txt, imgM, txtM, qImg, qTxt].map((m) => tf.tensor2d(m));
    const [a, b, c, d, e, f] = inputs as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const out = itcLoss({
        imageEmbeds: xs[0] as tf.Tensor,
        textEmbeds: xs[1] as tf.Tensor,
        imageEmbedsM: xs[2],
        textEmbedsM: xs[3],
        imageQueue: xs[4],
        textQueue: xs[5],
        temperature: temp.value(),
        alpha: 0.4,
      });
      return out.losses.itc as tf.Scalar;
    })([a, b, c, d, e, f]);
    const absSum = grads.map((g) => tf.sum(tf.abs(g)).dataSync()[0] as number);
    expect(absSum[0]).toBeGreaterThan(1e-3);
    expect(absSum[1]).toBeGreaterThan(1e-3);
    expect(absSum.slice(2)).toEqual([0, 0, 0, 0]);
    const { grads: tg } = tf.variableGrads(
      () => itcLoss({ imageEmbeds: a, textEmbeds: b, temperature: temp.value() }).losses.itc as tf.Scalar,
      [temp.temp],
    );
    expect(Math.abs(tg[temp.temp.name]?.dataSync()[0] as number)).toBeGreaterThan(1e-3);
    tf.dispose([inputs, grads, tg]);
    temp.dispose();
  });

  it('clamps the temperature to [0.001, 0.5] with zero gradient outside', () => {
    const temp = new Temperature(0.7);
    expect(temp.value().dataSync()[0]).toBeCloseTo(0.5, 7);
    const { grads } = tf.variableGrads(() => tf.mul(temp.value(), 3) as tf.Scalar, [temp.temp]);
    expect(grads[temp.temp.name]?.dataSync()[0]).toBe(0);
    temp.clamp();
    expect(temp.temp.dataSync()[0]).toBeCloseTo(0.5, 7);
    temp.temp.assign(tf.scalar(1e-5));
    temp.clamp();
    expect(temp.temp.dataSync()[0]).toBeCloseTo(0.001, 7);
    expect(new Temperature().temp.dataSync()[0]).toBeCloseTo(0.07, 7);
    tf.dispose(grads);
    temp.dispose();
  });

  it('ramps alpha linearly over the first epoch', () => {
    expect(alphaRamp(0, 100)).toBe(0);
    expect(alphaRamp(25, 100)).toBeCloseTo(0.1, 12);
    expect(alphaRamp(100, 100)).toBeCloseTo(0.4, 12);
    expect(alphaRamp(1000, 100, 0.3)).toBeCloseTo(0.3, 12);
  });

  it('rejects distillation without momentum features and leaks nothing', () => {
    const a = tf.tensor2d(img);
    expect(() => itcLoss({ imageEmbeds: a, textEmbeds: a, temperature: 0.1, alpha: 0.4 })).toThrow(
      /imageEmbedsM/,
    );
    const before = tf.memory().numTensors;
    const out = itcLoss({ imageEmbeds: a, textEmbeds: a, temperature: 0.1 });
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
  });
});

describe('pwclLoss', () => {
  it('is -log(sum_i exp(cos_ii/tau) / sum_{i!=j} exp(cos_ij/tau)) by hand', () => {
    const e: Mat = [
      [1, 2],
      [0.5, -1],
      [-2, 0.3],
    ];
    const f: Mat = [
      [0.8, 2.2],
      [1, -1],
      [-1, -1],
    ];
    for (const tau of [1, 0.5]) {
      const cos = e.map((r) => f.map((c) => dot(norm(r), norm(c))));
      let pos = 0;
      let neg = 0;
      cos.forEach((r, i) => {
        r.forEach((s, j) => {
          if (i === j) pos += Math.exp(s / tau);
          else neg += Math.exp(s / tau);
        });
      });
      const out = tf.tidy(() =>
        pwclLoss({ textEmbeds: tf.tensor2d(e), imageEmbeds: tf.tensor2d(f), temperature: tau }),
      );
      expect(scalar(out, 'pwcl')).toBeCloseTo(-Math.log(pos / neg), 5);
      tf.dispose(out);
    }
  });

  it('stays finite when every cosine is negative off and on the diagonal, and has gradients', () => {
    const e = tf.tensor2d([
      [1, 0.3],
      [-1, 0.2],
    ]);
    const f = tf.tensor2d([
      [-1, 0.5],
      [1, -0.4],
    ]);
    const out = pwclLoss({ textEmbeds: e, imageEmbeds: f });
    const v = scalar(out, 'pwcl');
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0); // positives are worse than negatives here
    const [ge, gf] = tf.grads(
      (a: tf.Tensor, b: tf.Tensor) => pwclLoss({ textEmbeds: a, imageEmbeds: b }).losses.pwcl as tf.Scalar,
    )([e, f]);
    expect(tf.sum(tf.abs(ge as tf.Tensor)).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(tf.sum(tf.abs(gf as tf.Tensor)).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(() => pwclLoss({ textEmbeds: tf.zeros([1, 2]), imageEmbeds: tf.zeros([1, 2]) })).toThrow(
      /at least 2/,
    );
    tf.dispose([e, f, out, ge, gf]);
  });

  // The two properties behind the cavl recipes' choices (see pwcl.ts's header).
  it('is log(B - 1) with no gradient to the texts once all images coincide (the collapse it trains into)', () => {
    const texts = tf.tensor2d([
      [1, 0.2, -0.3],
      [-0.5, 1, 0.1],
      [0.3, -0.4, -1],
      [0.9, 0.9, 0.2],
    ]);
    const u = [0.3, -1, 0.6];
    const images = tf.tensor2d([u, u, u, u]);
    for (const tau of [1, 0.3]) {
      const out = pwclLoss({ textEmbeds: texts, imageEmbeds: images, temperature: tau });
      // sum_{i != j} exp(cos(E_i, u) / tau) = (B - 1) sum_i exp(cos(E_i, u) / tau): the ratio is 1 / (B - 1).
      expect(scalar(out, 'pwcl')).toBeCloseTo(Math.log(3), 5);
      const g = tf.grad(
        (t: tf.Tensor) =>
          pwclLoss({ textEmbeds: t, imageEmbeds: images, temperature: tau }).losses.pwcl as tf.Scalar,
      )(texts);
      expect(tf.max(tf.abs(g)).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([out, g]);
    }
    tf.dispose([texts, images]);
  });

  it('falls without bound as tau shrinks once the best positive beats the hardest negative (why tau is fixed)', () => {
    // cos_00 = 1; every other cosine is at most 0.6 (hand-checked below), so L ~ -(1 - 0.6) / tau.
    const e: Mat = [norm([1, 0]), norm([0.6, 0.8]), norm([0, 1])];
    const f: Mat = [norm([1, 0]), norm([-1, 0]), norm([0, -1])];
    const cos = e.map((r) => f.map((c) => dot(r, c)));
    const maxNeg = Math.max(...cos.flatMap((r, i) => r.filter((_, j) => j !== i)));
    expect(maxNeg).toBeCloseTo(0.6, 6);
    let prev = Number.POSITIVE_INFINITY;
    for (const tau of [1, 0.1, 0.01]) {
      const out = tf.tidy(() =>
        pwclLoss({ textEmbeds: tf.tensor2d(e), imageEmbeds: tf.tensor2d(f), temperature: tau }),
      );
      const v = scalar(out, 'pwcl');
      expect(v).toBeLessThan(prev);
      prev = v;
      tf.dispose(out);
    }
    // At tau = 0.01 both logsumexps are their maxima: L = -(1 - 0.6) / 0.01 = -40 (other terms are e^-40 smaller).
    expect(prev).toBeCloseTo(-40, 3);
  });
});

describe('visualContrastiveLoss', () => {
  it('is symmetric InfoNCE across views, by hand', () => {
    const a: Mat = [
      [1, 0.2],
      [0.1, 1],
      [-1, -1],
    ];
    const b: Mat = [
      [0.9, 0.3],
      [0.3, 1],
      [-1, -0.5],
    ];
    const t = 0.3;
    const ab = matmulT(a.map(norm), b.map(norm), 1 / t);
    const expected = (diagCe(ab) + diagCe(transpose(ab))) / 2;
    const out = tf.tidy(() =>
      visualContrastiveLoss({ viewA: tf.tensor2d(a), viewB: tf.tensor2d(b), temperature: t }),
    );
    expect(scalar(out, 'vcl')).toBeCloseTo(expected, 5);
    expect((out.logs.acc as tf.Scalar).dataSync()[0]).toBe(1);
    expect(oneHot(0, 2, 1)).toEqual([0, 1]);
    tf.dispose(out);
  });
});

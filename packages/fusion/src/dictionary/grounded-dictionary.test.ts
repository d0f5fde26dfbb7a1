// UNIMO-2 grounded dictionary: top-K against a brute-force JS reference, the grounding loss against a
// hand computation, its stop-gradients exactly as written, tau's clamp, finite-difference gradients of
// the codebook and tau (grounding loss + a downstream loss), and memory after a step on every backend.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import {
  checkGradients,
  checkParameterGradients,
  countTensorsDuring,
  testBackends,
  useBackend,
} from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroundedDictionary } from './grounded-dictionary.js';
import { _groundingLossWithTargets, groundingLoss } from './grounding-loss.js';

function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => std * rng.normal()),
    shape,
  );
}

async function maxAbs(t: tf.Tensor): Promise<number> {
  const m = tf.max(tf.abs(t));
  const v = (await m.data())[0] as number;
  m.dispose();
  return v;
}

/** JS reference: scores and top-K ids (ties to the lower index). */
function bruteTopK(
  x: Float32Array,
  e: Float32Array,
  mask: number[],
  [b, t, d]: [number, number, number],
  c: number,
  k: number,
  tau: number,
): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < b; s++) {
    const score = Array.from({ length: c }, (_, code) => {
      let acc = 0;
      for (let i = 0; i < t; i++) {
        if (!mask[s * t + i]) continue;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += (x[(s * t + i) * d + j] as number) * (e[code * d + j] as number);
        acc += 1 / (1 + Math.exp(-tau * dot));
      }
      return acc;
    });
    const order = score.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    out.push(order.slice(0, k).map(([, i]) => i));
  }
  return out;
}

describe.each(await testBackends())('GroundedDictionary on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('top-K matches a brute-force reference, padding ignored', async () => {
    const gd = new GroundedDictionary({
      size: 20,
      dim: 8,
      topK: 5,
      tauInit: 3,
      initStd: 0.5,
      rng: new Rng(1),
    });
    const x = randn([3, 6, 8], 2, 0.5);
    const maskArr = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0];
    const mask = tf.tensor2d(maskArr, [3, 6]);
    const out = gd.forward(x, mask);
    expect(out.grounded.shape).toEqual([3, 5, 8]);
    const ref = bruteTopK(
      (await x.data()) as Float32Array,
      (await gd.codebook.data()) as Float32Array,
      maskArr,
      [3, 6, 8],
      20,
      5,
      3,
    );
    expect(await out.ids.array()).toEqual(ref);
    // grounded tokens are exactly the selected rows
    const rows = tf.gather(gd.codebook, out.ids);
    expect(await maxAbs(tf.sub(rows, out.grounded))).toBeLessThan(1e-6);
    expect((await out.tau.data())[0]).toBeCloseTo(3, 4);
    tf.dispose([x, mask, out, rows]);
    gd.dispose();
  });

  it('grounding loss matches a hand computation (1.0 * q_latent + 0.25 * e_latent)', async () => {
    // one sample, two tokens, two codes in 1-D, tau 1: sigmoid(x e) by hand
    const x = tf.tensor3d([[[1], [2]]]);
    const e = tf.tensor3d([[[0.5], [-1]]]);
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    const sig = [
      [s(0.5), s(-1)],
      [s(1), s(-2)],
    ] as [[number, number], [number, number]];
    const xBar = [0, 1].map((k) => (sig[0][k]! * 1 + sig[1][k]! * 2) / (sig[0][k]! + sig[1][k]!));
    const eLatent = ((0.5 - xBar[0]!) ** 2 + (-1 - xBar[1]!) ** 2) / 2;
    const eBar = [0, 1].map((i) => (sig[i]![0] * 0.5 + sig[i]![1] * -1) / (sig[i]![0] + sig[i]![1]));
    const qLatent = ((1 - eBar[0]!) ** 2 + (2 - eBar[1]!) ** 2) / 2;
    const tau = tf.scalar(1);
    const out = groundingLoss({ tokens: x, codes: e, tau });
    expect((await out.logs.eLatent.data())[0]).toBeCloseTo(eLatent, 5);
    expect((await out.logs.qLatent.data())[0]).toBeCloseTo(qLatent, 5);
    expect((await out.losses.grounding.data())[0]).toBeCloseTo(qLatent + 0.25 * eLatent, 5);
    tf.dispose([x, e, tau, out]);
  });

  it('stops gradients exactly where written', async () => {
    const x = randn([2, 4, 3], 3);
    const e1 = randn([2, 1, 3], 4);
    const tau = tf.scalar(2);
    // K = 1: the weights over codes are identically 1, so q_latent = MSE(stopgrad(x), e): no gradient to x,
    // and d/de = -2 mean_i (x_i - e) / D.
    const q = (xx: tf.Tensor, ee: tf.Tensor) => groundingLoss({ tokens: xx, codes: ee, tau }).logs.qLatent;
    const [gx, ge] = tf.grads(q)([x, e1]) as [tf.Tensor, tf.Tensor];
    expect(await maxAbs(gx)).toBeLessThan(1e-6);
    const expected = tf.div(tf.mul(tf.sum(tf.sub(x, e1), 1, true), -2), 2 * 4 * 3);
    expect(await maxAbs(tf.sub(ge, expected))).toBeLessThan(1e-5);
    // T = 1: the weights over the sequence are identically 1, so e_latent = MSE(stopgrad(e), x): no
    // gradient to the codes.
    const x1 = randn([2, 1, 3], 5);
    const e3 = randn([2, 3, 3], 6);
    const el = (xx: tf.Tensor, ee: tf.Tensor) => groundingLoss({ tokens: xx, codes: ee, tau }).logs.eLatent;
    const [gx1, ge3] = tf.grads(el)([x1, e3]) as [tf.Tensor, tf.Tensor];
    expect(await maxAbs(ge3)).toBeLessThan(1e-6);
    expect(await maxAbs(gx1)).toBeGreaterThan(1e-3);
    tf.dispose([x, e1, tau, gx, ge, expected, x1, e3, gx1, ge3]);
  });

  it('clamps tau to [1, 1e4]; no gradient to logTau at the bound', async () => {
    const gd = new GroundedDictionary({ size: 6, dim: 4, topK: 2, rng: new Rng(2) });
    expect((await gd.tau().data())[0]).toBeCloseTo(100, 2);
    gd.logTau.assign(tf.scalar(Math.log(1e6)));
    expect((await gd.tau().data())[0]).toBeCloseTo(1e4, 0);
    const x = randn([1, 3, 4], 1);
    const { grads, value } = tf.variableGrads(() => gd.forward(x).losses.grounding, [gd.logTau]);
    expect(await maxAbs(grads[gd.logTau.name] as tf.Tensor)).toBe(0);
    gd.logTau.assign(tf.scalar(Math.log(0.01)));
    expect((await gd.tau().data())[0]).toBeCloseTo(1, 5);
    tf.dispose([x, grads, value]);
    gd.dispose();
  });

  it('codebook, tau and tokens pass finite-difference checks (grounding + downstream loss)', async () => {
    const gd = new GroundedDictionary({
      size: 10,
      dim: 6,
      topK: 3,
      tauInit: 2,
      initStd: 0.4,
      rng: new Rng(3),
    });
    const x = randn([2, 5, 6], 7, 0.6);
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]);
    const probe = randn([2, 3, 6], 8);
    // Finite differences also move stop-gradient targets, so they check the loss with its targets frozen
    // at the base point; autodiff of that loss must equal autodiff of the real one there.
    const base = gd.forward(x, mask);
    const frozen = { tokens: tf.clone(x), codes: tf.clone(base.grounded) };
    const fixedLoss = (xx: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const grounded = gd.lookup(base.ids);
        const { losses } = _groundingLossWithTargets(
          { tokens: xx, mask, codes: grounded, tau: gd.tau() },
          frozen,
        );
        return tf.add(losses.grounding, tf.mean(tf.mul(grounded, probe))) as tf.Scalar;
      });
    const realLoss = (xx: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const out = gd.forward(xx, mask);
        return tf.add(out.losses.grounding, tf.mean(tf.mul(out.grounded, probe))) as tf.Scalar;
      });
    const real = tf.variableGrads(() => realLoss(x), gd.parameters());
    const fixed = tf.variableGrads(() => fixedLoss(x), gd.parameters());
    for (const p of gd.parameters()) {
      expect(
        await maxAbs(tf.sub(real.grads[p.name] as tf.Tensor, fixed.grads[p.name] as tf.Tensor)),
      ).toBeLessThan(1e-6);
    }
    const realGx = tf.grad((xx: tf.Tensor) => realLoss(xx))(x);
    const fixedGx = tf.grad((xx: tf.Tensor) => fixedLoss(xx))(x);
    expect(await maxAbs(tf.sub(realGx, fixedGx))).toBeLessThan(1e-6);
    // the selection stays put under the perturbations (gap between the 3rd and 4th score)
    const s = await base.scores.array();
    const gaps = s.map((row) => {
      const sorted = [...row].sort((a, b) => b - a);
      return (sorted[2] as number) - (sorted[3] as number);
    });
    expect(Math.min(...gaps)).toBeGreaterThan(1e-2);
    const rp = await checkParameterGradients(() => fixedLoss(x), gd.parameters(), {
      eps: 1e-3,
      maxEntriesPerTensor: 30,
    });
    expect(rp.checked).toBe(31);
    expect(rp.maxRelError).toBeLessThan(3e-2);
    const rx = await checkGradients(fixedLoss, [x], { eps: 1e-3, maxEntriesPerTensor: 30 });
    expect(rx.maxRelError).toBeLessThan(3e-2);
    // tau does get a gradient (not saturated at tau = 2)
    expect(await maxAbs(real.grads[gd.logTau.name] as tf.Tensor)).toBeGreaterThan(1e-4);
    tf.dispose([x, mask, probe, base, frozen, real, fixed, realGx, fixedGx]);
    gd.dispose();
  });

  it('a training step leaves the tensor count unchanged', () => {
    const gd = new GroundedDictionary({ size: 12, dim: 4, topK: 3, rng: new Rng(4) });
    const x = randn([2, 5, 4], 9);
    const opt = tf.train.adam(1e-2);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => gd.forward(x).losses.grounding, gd.parameters());
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, grads]);
    };
    step();
    expect(countTensorsDuring(step)).toBe(0);
    tf.dispose(x);
    opt.dispose();
    gd.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, defaultDecayRule } from './adamw.js';
import { clipByGlobalNorm, cosineWithWarmup } from './schedule.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('AdamW', () => {
  it('matches PyTorch AdamW by hand over two steps, decaying only matrices', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]), true, 'w-adamw-test');
    const b = tf.variable(tf.tensor1d([0.5]), true, 'b-adamw-test');
    const opt = new AdamW(
      [
        ['fc.weight', w],
        ['fc.bias', b],
      ],
      { weightDecay: 0.1, betas: [0.9, 0.99], eps: 1e-8 },
    );
    expect(opt.decayed()).toEqual(['fc.weight']);
    const lr = 0.01;
    const gs = [
      [0.2, -0.4],
      [0.1, 0.3],
    ];
    // Reference for the weight's first entry and the bias (grad 1 then -1).
    let p = 1;
    let m = 0;
    let v = 0;
    let pb = 0.5;
    let mb = 0;
    let vb = 0;
    for (let t = 1; t <= 2; t++) {
      const g = (gs[t - 1] as number[])[0] as number;
      const gb = t === 1 ? 1 : -1;
      p *= 1 - lr * 0.1;
      m = 0.9 * m + 0.1 * g;
      v = 0.99 * v + 0.01 * g * g;
      p -= ((lr / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.99 ** t) + 1e-8);
      mb = 0.9 * mb + 0.1 * gb;
      vb = 0.99 * vb + 0.01 * gb * gb;
      pb -= ((lr / (1 - 0.9 ** t)) * mb) / (Math.sqrt(vb) / Math.sqrt(1 - 0.99 ** t) + 1e-8);
      const grads = { 'fc.weight': tf.tensor2d([gs[t - 1] as number[]]), 'fc.bias': tf.tensor1d([gb]) };
      opt.step(grads, lr);
      tf.dispose(grads);
    }
    expect(w.dataSync()[0]).toBeCloseTo(p, 6);
    expect(b.dataSync()[0]).toBeCloseTo(pb, 6);
    const sd = opt.stateDict();
    expect(Object.keys(sd).sort()).toEqual([
      'fc.bias.exp_avg',
      'fc.bias.exp_avg_sq',
      'fc.weight.exp_avg',
      'fc.weight.exp_avg_sq',
      'step',
    ]);
    expect(sd['fc.bias.exp_avg']?.dataSync()[0]).toBeCloseTo(mb, 7);
    const again = new AdamW([
      ['fc.weight', w],
      ['fc.bias', b],
    ]);
    again.loadStateDict(sd);
    expect(again.stepCount).toBe(2);
    tf.dispose([sd, w, b]);
    opt.dispose();
    again.dispose();
  });

  it('on the ORT backend (one fused kernel per parameter) matches the cpu ops over three steps', async () => {
    // [70, 70] runs the ORT graph, [5] the kernel's JS loop for small tensors; the bias does not decay.
    const shapes: [string, number[]][] = [
      ['big.weight', [70, 70]],
      ['small.bias', [5]],
    ];
    const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed + 1); // seed 0 is unseeded
    const run = async (backend: 'cpu' | 'ort') => {
      await selectBackend(backend, { respectEnv: false });
      const vars = shapes.map(([n, s], i) => [n, tf.variable(rand(s, i), true, `${n}-${backend}`)] as const);
      const opt = new AdamW(
        vars.map(([n, v]) => [n, v]),
        { weightDecay: 0.1 },
      );
      for (let t = 0; t < 3; t++) {
        const grads = Object.fromEntries(shapes.map(([n, s], i) => [n, rand(s, 10 * t + i + 7)]));
        opt.step(grads, 0.05);
        tf.dispose(Object.values(grads));
      }
      const sd = opt.stateDict();
      const out = {
        params: vars.map(([, v]) => Array.from(v.dataSync())),
        moments: shapes.map(([n]) => Array.from(sd[`${n}.exp_avg_sq`]!.dataSync())),
      };
      tf.dispose([...vars.map(([, v]) => v), ...Object.values(sd)]);
      opt.dispose();
      return out;
    };
    const want = await run('cpu');
    const got = await run('ort');
    await selectBackend('cpu', { respectEnv: false });
    for (let i = 0; i < shapes.length; i++) {
      const w = want.params[i]!;
      const g = got.params[i]!;
      expect(Math.max(...g.map((x, j) => Math.abs(x - w[j]!)))).toBeLessThan(1e-5);
      const mw = want.moments[i]!;
      const mg = got.moments[i]!;
      expect(Math.max(...mg.map((x, j) => Math.abs(x - mw[j]!)))).toBeLessThan(1e-6);
    }
    // The parameters moved (a no-op update would also "match").
    expect(want.params[0]![0]).not.toBeCloseTo((await rand([70, 70], 0).data())[0]!, 3);
  });

  it('exempts biases, norms, embeddings, positions and temperatures by name', () => {
    const m = tf.variable(tf.zeros([2, 2]));
    const names = [
      'enc.fc.weight',
      'enc.norm1.weight',
      'tok.embed.weight',
      'pos_embed',
      'temp',
      'blocks.0.ln1.weight',
    ];
    expect(names.map((n) => defaultDecayRule(n, m))).toEqual([true, false, false, false, false, false]);
    m.dispose();
  });
});

describe('schedule and clipping', () => {
  it('warms up linearly then follows a cosine to minLr', () => {
    const lr = cosineWithWarmup({ lr: 1, warmupSteps: 4, totalSteps: 14, minLr: 0.1 });
    expect([0, 1, 3].map(lr)).toEqual([0.25, 0.5, 1]);
    expect(lr(4)).toBeCloseTo(1, 12);
    expect(lr(9)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    expect(lr(14)).toBeCloseTo(0.1, 12);
    expect(lr(100)).toBeCloseTo(0.1, 12);
  });

  it('clips by global norm', () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const { grads, norm } = clipByGlobalNorm(g, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(grads.a?.dataSync() ?? [])[0]).toBeCloseTo(0.6, 5);
    expect(grads.b?.dataSync()[0]).toBeCloseTo(0.8, 5);
    const same = clipByGlobalNorm(g, 10);
    expect(same.grads.b?.dataSync()[0]).toBe(4);
    tf.dispose([g, grads, same.grads]);
  });
});

// The early-freeing reverse pass: bit-identical gradients to tfjs's own Engine.gradients on a transformer block,
// less peak tensor memory and no leak, hand-computed values where a gradient function hands back its dy or a
// saved tensor (aliases that must not be freed), shape-only saving for tfjs's Add gradient (and not for another
// registered in its place), a caller's dy left alive, and second-order gradients.
import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend, TransformerBlock } from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _installLeanBackprop, _uninstallLeanBackprop } from './_backprop.js';

type Engine = { gradients: unknown };
type Args = Array<tf.Tensor | tf.GradSaveFunc>;

describe('lean backprop', () => {
  beforeAll(async () => {
    await selectBackend('cpu', { respectEnv: false }); // installs the lean pass with the gradients
  });
  afterAll(() => _installLeanBackprop());

  it('is what selectBackend installs', () => {
    const engine = tf.engine() as unknown as Engine;
    expect(Object.hasOwn(engine, 'gradients')).toBe(true);
    _uninstallLeanBackprop();
    expect(Object.hasOwn(engine, 'gradients')).toBe(false);
    _installLeanBackprop();
    _installLeanBackprop(); // idempotent
    expect(Object.hasOwn(engine, 'gradients')).toBe(true);
  });

  it('gives the same gradients as tfjs with less peak memory and no leak', async () => {
    const block = new TransformerBlock({ dim: 32, heads: 2, mlpDim: 64, rng: new Rng(3) });
    const params = block.parameters();
    const x = tf.randomNormal([2, 9, 32], 0, 1, 'float32', 5);
    const run = async (lean: boolean) => {
      if (lean) _installLeanBackprop();
      else _uninstallLeanBackprop();
      const before = tf.memory().numTensors;
      let grads: number[][] = [];
      const info = await tf.profile(() => {
        const r = tf.variableGrads(() => tf.mean(tf.square(block.forward(x))) as tf.Scalar, params);
        grads = params.map((p) => Array.from(r.grads[p.name]!.dataSync()));
        tf.dispose([r.value, r.grads]);
      });
      expect(tf.memory().numTensors).toBe(before);
      return { grads, peak: info.peakBytes };
    };
    const upstream = await run(false);
    const lean = await run(true);
    expect(lean.grads).toEqual(upstream.grads);
    expect(lean.grads.flat().some((g) => g !== 0)).toBe(true);
    // The MLP hidden [18, 64] and attention activations are freed layer by layer instead of at the end.
    expect(lean.peak).toBeLessThan(upstream.peak * 0.85);
    x.dispose();
    block.dispose?.();
  });

  it('keeps a dy handed to two inputs, and a saved tensor handed back as a gradient', () => {
    // custom(u, v) = u + v, with a gradient function returning the same dy object for both inputs.
    const both = tf.customGrad((...args: Args) => ({
      value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [dy as tf.Tensor, dy as tf.Tensor],
    }));
    const a = tf.tensor1d([1, -2]);
    const b = tf.tensor1d([3, 4]);
    // d/da sum(custom(2a, 3b)) = 2, d/db = 3.
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
      tf.sum(both(tf.mul(p, 2), tf.mul(q, 3)) as tf.Tensor),
    )([a, b]);
    expect(Array.from(da!.dataSync())).toEqual([2, 2]);
    expect(Array.from(db!.dataSync())).toEqual([3, 3]);
    // half(x) = x^2 / 2, whose gradient under sum (dy = 1) is x: returned as the saved tensor itself.
    const half = tf.customGrad((...args: Args) => {
      const t = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([t]);
      return {
        value: tf.div(tf.square(t), 2),
        gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [saved[0] as tf.Tensor],
      };
    });
    const dx = tf.grad((t: tf.Tensor) => tf.sum(half(t) as tf.Tensor))(a);
    expect(Array.from(dx.dataSync())).toEqual([1, -2]);
    tf.dispose([a, b, da!, db!, dx]);
  });

  it("saves only shapes for tfjs's Add gradient, and real tensors for one registered in its place", () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([3, 5]);
    let saved: unknown[] = [];
    const f = (p: tf.Tensor, q: tf.Tensor) => {
      const y = tf.sum(tf.add(p, q)) as tf.Scalar;
      const tape = (
        tf.engine() as unknown as { state: { activeTape: { kernelName: string; saved: unknown[] }[] } }
      ).state.activeTape;
      saved = [...(tape.find((n) => n.kernelName === 'Add')?.saved ?? [])];
      return y;
    };
    const [da, db] = tf.grads(f)([a, b]);
    expect(Array.from(da!.dataSync())).toEqual([1, 1]);
    expect(Array.from(db!.dataSync())).toEqual([1, 1]);
    expect(saved.map((t) => (t instanceof tf.Tensor ? 'tensor' : (t as tf.Tensor).shape))).toEqual([
      [2],
      [2],
    ]);
    const tfjsAdd = tf.getGradient('Add')!;
    try {
      // A gradient that reads the saved values: d/da = b, d/db = a (as if Add were a product).
      tf.registerGradient({
        kernelName: 'Add',
        inputsToSave: ['a', 'b'],
        gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => ({
          a: () => tf.mul(dy as tf.Tensor, kept[1]!),
          b: () => tf.mul(dy as tf.Tensor, kept[0]!),
        }),
      });
      const [ga, gb] = tf.grads(f)([a, b]);
      expect(Array.from(ga!.dataSync())).toEqual([3, 5]);
      expect(Array.from(gb!.dataSync())).toEqual([1, 2]);
      expect(saved.every((t) => t instanceof tf.Tensor)).toBe(true);
      tf.dispose([ga!, gb!]);
    } finally {
      tf.registerGradient(tfjsAdd);
    }
    tf.dispose([a, b, da!, db!]);
  });

  it("leaves the caller's dy alive and nests for second-order gradients", () => {
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([1, 10, 100]);
    const g = tf.grad((t: tf.Tensor) => tf.square(t))(x, dy); // 2 x dy
    expect(Array.from(g.dataSync())).toEqual([2, 40, 600]);
    expect(dy.isDisposed).toBe(false);
    // d2/dx2 x^3 = 6x: the outer pass is the lean one, the inner (gradientDepth 1) tfjs's own.
    const d2 = tf.grad((t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(t))(x);
    expect(Array.from(d2.dataSync())).toEqual([6, 12, 18]);
    expect(() => tf.grad(() => tf.scalar(1))(x)).toThrow('Cannot compute gradient of y=f(x)');
    tf.dispose([x, dy, g, d2]);
  });
});

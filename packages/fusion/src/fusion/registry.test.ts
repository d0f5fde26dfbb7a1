// The registry as the test matrix: every registered fusion (base presets shrunk in width, same structure)
// gets shape, save/load and config tests; the tiny presets get finite-difference gradient checks and a
// tensor-count check after an optimiser step, on every backend of the suite.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import {
  checkParameterGradients,
  countTensorsDuring,
  testBackends,
  useBackend,
} from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FusionConfig, FusionOverrides } from './config.js';
import type { FusionInputs, FusionModel } from './fusion.js';
import { GroundedFusion } from './grounded.js';
import {
  createFusion,
  getFusionConfig,
  listFusionKinds,
  listFusions,
  registerFusionConfig,
} from './registry.js';

function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => std * rng.normal()),
    shape,
  );
}

/** Same kind and options, test-sized widths; other widths for the inputs so projections are exercised. */
function shrink(cfg: FusionConfig): FusionOverrides {
  const small: FusionOverrides = {
    dim: 16,
    heads: 2,
    mlpDim: 32,
    depth: Math.min(cfg.depth, 2),
    visualDim: 24,
    textDim: 20,
    dropout: 0,
  };
  if (cfg.kind === 'grounded') return { ...small, groundedSize: 16, topK: 4 };
  if (cfg.kind === 'single-stream' && cfg.visualDictionary) {
    return { ...small, visualDictionary: { ...cfg.visualDictionary, size: 16 } };
  }
  return small;
}

function inputsFor(model: FusionModel, seed: number): Required<Omit<FusionInputs, 'grounded'>> {
  const { visualDim, textDim } = model.config;
  return {
    visual: randn([2, 5, visualDim], seed),
    visualMask: tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5]),
    text: randn([2, 4, textDim], seed + 1),
    textMask: tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0], [2, 4]),
  };
}

/** A scalar of every output view through fixed random probes (no gradient cancels). */
function probeLoss(model: FusionModel, inputs: FusionInputs, seed: number): tf.Scalar {
  return tf.tidy(() => {
    const out = model.forward(inputs);
    let l = tf.mean(tf.mul(out.sequence, randn(out.sequence.shape, seed)));
    l = tf.add(l, tf.mean(tf.mul(out.cls, randn(out.cls.shape, seed + 1))));
    return l as tf.Scalar;
  });
}

const names = listFusions();

describe('fusion registry', () => {
  it('lists the presets and kinds; names match files; bad configs fail readably', () => {
    expect(names).toEqual([
      'albef-base',
      'albef-tiny',
      'pixelbert-base',
      'pixelbert-tiny',
      'soho-base',
      'soho-tiny',
      'unimo2-base',
      'unimo2-tiny',
    ]);
    expect(listFusionKinds()).toEqual(['cross-attention', 'grounded', 'single-stream']);
    expect(
      getFusionConfig('soho-base').kind === 'single-stream' && getFusionConfig('soho-base'),
    ).toMatchObject({
      visualDictionary: { size: 2048 },
    });
    expect(() => createFusion('albef-tiny', { heads: 3 })).toThrow(/heads: heads must divide dim/);
    expect(() => createFusion('unimo2-tiny', { topK: 100 })).toThrow(/topK must not exceed groundedSize/);
    expect(() => getFusionConfig('nope')).toThrow(/Unknown fusion "nope". Should be one of: albef-base/);
  });

  it('registers configs at run time, warning on overwrite', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    registerFusionConfig({ ...getFusionConfig('albef-tiny'), name: 'albef-micro-test', depth: 1 });
    expect(warn).not.toHaveBeenCalled();
    registerFusionConfig({ ...getFusionConfig('albef-tiny'), name: 'albef-micro-test', depth: 1 });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('albef-micro-test'));
    warn.mockRestore();
  });
});

describe.each(await testBackends())('fusions on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(names)('%s: shapes, finite outputs, save/load', async (name) => {
    const model = createFusion(name, shrink(getFusionConfig(name)), new Rng(1)).eval();
    const inputs = inputsFor(model, 3);
    const out = model.forward(inputs);
    const kind = model.config.kind;
    const k = kind === 'grounded' ? 4 : 0;
    const t = kind === 'cross-attention' ? 4 : 5 + 4 + k;
    expect(out.sequence.shape).toEqual([2, t, 16]);
    expect(out.mask.shape).toEqual([2, t]);
    expect(out.cls.shape).toEqual([2, 16]);
    expect(out.text?.shape).toEqual([2, 4, 16]);
    expect(out.visual?.shape).toEqual([2, 5, kind === 'cross-attention' ? 24 : 16]);
    const finite = tf.all(tf.isFinite(out.sequence));
    expect((await finite.data())[0]).toBe(1);
    if (kind === 'grounded') expect(out.groundedIds?.shape).toEqual([2, 4]);
    if (name.startsWith('soho')) expect(out.visualIds?.shape).toEqual([2, 5]);
    const copy = createFusion(name, shrink(getFusionConfig(name)), new Rng(99)).eval();
    copy.loadStateDict(model.stateDict());
    const again = copy.forward(inputs);
    const diff = tf.max(tf.abs(tf.sub(again.sequence, out.sequence)));
    expect((await diff.data())[0]).toBeLessThan(1e-5);
    tf.dispose([inputs, out, again, finite, diff]);
    model.dispose();
    copy.dispose();
  });

  it.each(names.filter((n) => n.endsWith('-tiny')))(
    '%s: finite-difference gradients of every trainable parameter',
    async (name) => {
      const cfg = getFusionConfig(name);
      // small temperature so grounding scores are smooth and distinct (the selection must not flip under
      // the perturbations); SOHO with its gate so the gate is checked inside the fusion too
      const overrides: FusionOverrides = { ...shrink(cfg), depth: 1 };
      if (cfg.kind === 'grounded') overrides.tauInit = 1;
      if (cfg.kind === 'single-stream' && cfg.visualDictionary)
        overrides.visualDictionary = { ...cfg.visualDictionary, size: 16, gate: true };
      const model = createFusion(name, overrides, new Rng(2)).eval(); // eval: the VD must not move
      if (model instanceof GroundedFusion) {
        const cb = model.dictionary.codebook;
        cb.assign(tf.tidy(() => randn(cb.shape, 17, 0.5)));
      }
      const inputs = inputsFor(model, 5);
      // logTau reaches the loss only through the (integer) selection: checked in the grounded tests
      const params = model
        .namedParameters()
        .filter(([n]) => !n.endsWith('logTau'))
        .map(([, v]) => v);
      const r = await checkParameterGradients(() => probeLoss(model, inputs, 11), params, {
        eps: 1e-3,
        maxEntriesPerTensor: 3,
      });
      expect(r.checked).toBeGreaterThan(3 * 10);
      expect(r.maxRelError).toBeLessThan(5e-2);
      tf.dispose(inputs);
      model.dispose();
    },
  );

  it.each(names.filter((n) => n.endsWith('-tiny')))(
    '%s: a training step (with its own losses) leaves the tensor count unchanged',
    (name) => {
      const model = createFusion(name, shrink(getFusionConfig(name)), new Rng(3)).train();
      const inputs = inputsFor(model, 7);
      const opt = tf.train.adam(1e-3);
      const step = (): void => {
        const { value, grads } = tf.variableGrads(() => {
          const out = model.forward(inputs); // the VD moves its EMA here
          let l = tf.mean(tf.square(out.sequence));
          for (const loss of Object.values(out.losses)) l = tf.add(l, loss);
          return l as tf.Scalar;
        }, model.parameters());
        opt.applyGradients(Object.entries(grads).map(([n, tensor]) => ({ name: n, tensor })));
        tf.dispose([value, grads]);
      };
      step();
      expect(countTensorsDuring(step)).toBe(0);
      tf.dispose(inputs);
      opt.dispose();
      model.dispose();
    },
  );
});

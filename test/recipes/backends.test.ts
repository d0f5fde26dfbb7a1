// Every recipe trains on the WebAssembly backend too (the fallback where onnxruntime's native binding cannot
// load): one step's losses and gradients on wasm match the same step on the cpu backend. This caught a
// closure over freed ids in the embedding gradient and wasm's missing UnsortedSegmentSum (gather's gradient).
import * as tf from '@tensorflow/tfjs-core';
import { createModel, listRecipes } from '@vlp/pretrain';
import { type BackendName, Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusTokenizer, type EmojiCorpus, emojiCorpus, firstBatch } from './_emoji.js';

let corpus: EmojiCorpus;
beforeAll(async () => {
  corpus = await emojiCorpus({ pairs: 8 });
});

/** One step's named losses and gradients of a recipe on a backend, from the same seeds and batch. */
async function step(recipe: string, backend: BackendName) {
  await selectBackend(backend, { respectEnv: false });
  const tok = corpusTokenizer(corpus);
  const model = createModel(recipe, {}, new Rng(0), { vocabSize: 200, batchSize: 8 });
  const batch = await firstBatch(model, corpus, tok);
  const weights = model.trainerOptions().weights;
  let losses: Record<string, number> = {};
  let after: ((ok: boolean) => void) | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.lossFn(batch, 0);
    after = out.after;
    losses = Object.fromEntries(Object.entries(out.losses).map(([k, l]) => [k, l.dataSync()[0] as number]));
    return tf.addN(Object.entries(out.losses).map(([k, l]) => tf.mul(l, weights[k] ?? 1))) as tf.Scalar;
  }, model.parameters());
  after?.(false);
  // Keyed by parameter path: tfjs variable names carry a process-wide counter.
  const g = new Map<string, Float32Array>();
  for (const [path, v] of model.namedParameters()) {
    const t = grads[v.name];
    if (t) g.set(path, Float32Array.from(t.dataSync()));
  }
  tf.dispose([value, grads, batch]);
  model.dispose();
  return { losses, grads: g };
}

describe('one training step on wasm equals the step on cpu', () => {
  for (const recipe of listRecipes().filter((r) => r.endsWith('-tiny'))) {
    it(recipe, async () => {
      const want = await step(recipe, 'cpu');
      const got = await step(recipe, 'wasm');
      expect(Object.keys(got.losses).sort()).toEqual(Object.keys(want.losses).sort());
      for (const [k, v] of Object.entries(want.losses)) expect(got.losses[k], k).toBeCloseTo(v, 3);
      expect([...got.grads.keys()].sort()).toEqual([...want.grads.keys()].sort());
      let worst = 0;
      let worstKey = '';
      for (const [k, w] of want.grads) {
        const a = got.grads.get(k) as Float32Array;
        let num = 0;
        let den = 0;
        for (let i = 0; i < w.length; i++) {
          num += ((a[i] as number) - (w[i] as number)) ** 2;
          den += (w[i] as number) ** 2;
        }
        const rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-6);
        if (rel > worst) worstKey = `${k} (norm ${Math.sqrt(den).toExponential(2)})`;
        worst = Math.max(worst, rel);
      }
      console.log(
        `${recipe}: ${want.grads.size} gradients, worst relative L2 difference wasm vs cpu ${worst.toExponential(2)} at ${worstKey}`,
      );
      // Summation order differs between XNNPACK and the JS kernels; through BatchNorm's batch statistics and
      // SOHO's nearest-entry lookup that reaches ~7e-3 relative (a near-zero temperature gradient ~3e-3).
      // A wrong or missing kernel gives differences of order 1.
      expect(worst).toBeLessThan(2e-2);
    });
  }
});

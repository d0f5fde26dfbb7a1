// Which parameters the recipes' losses train: ALBEF's momentum towers (Li et al. 2021) and SOHO's visual
// dictionary (Huang et al. 2021) are updated by moving averages only, so neither is trainable nor receives a
// gradient through `lossFn`, while the online towers (through SOHO's straight-through lookup) do.
import * as tf from '@tensorflow/tfjs-core';
import { createModel, listRecipes, type VlpModel } from '@vlp/pretrain';
import { Rng } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusTokenizer, type EmojiCorpus, emojiCorpus, firstBatch } from './_emoji.js';
import { useFastBackend } from './_run.js';

let corpus: EmojiCorpus;
beforeAll(async () => {
  await useFastBackend();
  corpus = await emojiCorpus({ pairs: 8 });
});

async function gradsOf(model: VlpModel, frozen: tf.Variable[]) {
  const tok = corpusTokenizer(corpus);
  const batch = await firstBatch(model, corpus, tok);
  const weights = model.trainerOptions().weights;
  let after: ((ok: boolean) => void) | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.lossFn(batch, 0);
    after = out.after;
    return tf.addN(Object.entries(out.losses).map(([k, l]) => tf.mul(l, weights[k] ?? 1))) as tf.Scalar;
  }, [...model.parameters(), ...frozen]);
  after?.(false);
  const norms = new Map<string, number>();
  for (const [name, g] of Object.entries(grads)) if (g) norms.set(name, tf.norm(g).dataSync()[0] as number);
  tf.dispose([value, grads, batch]);
  return norms;
}

describe('gradients through the recipe losses', () => {
  it('lists every recipe at three scales', () => {
    for (const m of ['albef', 'cavl', 'pixelbert', 'soho', 'unimo2'])
      for (const s of ['tiny', 'small', 'base']) expect(listRecipes()).toContain(`${m}-${s}`);
  });

  it('albef: the momentum towers get none, the online towers do', async () => {
    const model = createModel('albef-tiny', {}, new Rng(0), { vocabSize: 200, batchSize: 8 });
    const momentum = model.momentum?.model.namedParameters({ includeFrozen: true }).map(([, v]) => v) ?? [];
    expect(momentum.length).toBeGreaterThan(10);
    for (const v of momentum) expect(v.trainable).toBe(false);
    const own = new Set(model.parameters());
    for (const v of momentum) expect(own.has(v)).toBe(false);
    const norms = await gradsOf(model, momentum);
    for (const v of momentum) expect(norms.get(v.name)).toBeUndefined();
    const online = model.towers.vision.parameters()[0] as tf.Variable;
    expect(norms.get(online.name) ?? 0).toBeGreaterThan(0);
    expect(norms.get(model.temp.temp.name) ?? 0).toBeGreaterThan(0);
    model.dispose();
  });

  it('soho: the visual dictionary gets none, the CNN gets the straight-through gradient', async () => {
    const model = createModel('soho-tiny', {}, new Rng(0), { vocabSize: 200, batchSize: 8 });
    const vd = model.vd?.namedBuffers().map(([, v]) => v) ?? [];
    expect(vd.map((v) => v.shape.join('x'))).toContain('64x32'); // the codebook
    for (const v of vd) expect(v.trainable).toBe(false);
    const before = tf.clone(model.vd?.codebook as tf.Variable);
    const norms = await gradsOf(model, vd);
    for (const v of vd) expect(norms.get(v.name)).toBeUndefined();
    const cnn = model.towers.vision.parameters()[0] as tf.Variable;
    expect(norms.get(cnn.name) ?? 0).toBeGreaterThan(0);
    expect(norms.get((model.maskEmbed as tf.Variable).name) ?? 0).toBeGreaterThan(0);
    // The dictionary moved by its EMA during the training-mode forward, not by a gradient.
    const moved = tf.max(tf.abs(tf.sub(before, model.vd?.codebook as tf.Variable))).dataSync()[0] as number;
    expect(moved).toBeGreaterThan(0);
    tf.dispose(before);
    model.dispose();
  });
});

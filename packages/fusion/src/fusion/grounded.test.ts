// UNIMO-2 grounded fusion: the block mask, no image<->text leak when the grounded tokens are held fixed
// (and a leak through them when they are recomputed), zero image-text attention in every layer, and the
// image-only / text-only modes, on every backend of the suite.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { testBackends, useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroundedFusion, groundedBlockMask } from './grounded.js';
import { createFusion } from './registry.js';

function randn(shape: number[], seed: number, std = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => std * rng.normal()),
    shape,
  );
}

async function maxAbsDiff(a: tf.Tensor | undefined, b: tf.Tensor | undefined): Promise<number> {
  if (a === undefined || b === undefined) throw new Error('missing output');
  const m = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await m.data())[0] as number;
  m.dispose();
  return v;
}

function tinyGrounded(depth: number, seed: number): GroundedFusion {
  const m = createFusion(
    'unimo2-tiny',
    { depth, dim: 16, heads: 2, mlpDim: 32, visualDim: 12, textDim: 10 },
    new Rng(seed),
  );
  if (!(m instanceof GroundedFusion)) throw new Error('unimo2-tiny must build a GroundedFusion');
  // spread the codes so different inputs select different ones (init std 0.02 makes every score ~T/2)
  m.dictionary.codebook.assign(tf.tidy(() => randn(m.dictionary.codebook.shape, seed + 100, 0.5)));
  return m.eval();
}

it('the block mask lets image and text meet only through grounded tokens', () => {
  expect(groundedBlockMask([0, 0, 1, 2])).toEqual([
    [1, 1, 1, 0],
    [1, 1, 1, 0],
    [1, 1, 1, 1],
    [0, 0, 1, 1],
  ]);
});

describe.each(await testBackends())('GroundedFusion on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('grounded tokens held fixed: changing the image leaves the text outputs unchanged, and the reverse', async () => {
    const model = tinyGrounded(1, 1);
    const g = randn([2, 8, 16], 2);
    const text = randn([2, 4, 10], 3);
    const textMask = tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0], [2, 4]);
    const image1 = randn([2, 6, 12], 4);
    const image2 = randn([2, 6, 12], 5, 3);
    const a = model.forward({ visual: image1, text, textMask, grounded: g });
    const b = model.forward({ visual: image2, text, textMask, grounded: g });
    expect(await maxAbsDiff(a.text, b.text)).toBeLessThan(1e-6);
    expect(await maxAbsDiff(a.visual, b.visual)).toBeGreaterThan(1e-2); // the change is real
    const text2 = randn([2, 4, 10], 6, 3);
    const c = model.forward({ visual: image1, text: text2, textMask, grounded: g });
    expect(await maxAbsDiff(a.visual, c.visual)).toBeLessThan(1e-6);
    expect(await maxAbsDiff(a.text, c.text)).toBeGreaterThan(1e-2);
    // and the text side equals the text-only run with the same grounded tokens
    const alone = model.forward({ text, textMask, grounded: g });
    expect(await maxAbsDiff(a.text, alone.text)).toBeLessThan(1e-5);
    tf.dispose([g, text, textMask, image1, image2, a, b, text2, c, alone]);
    model.dispose();
  });

  it('grounded tokens recomputed from the inputs: the image reaches the text through them', async () => {
    const model = tinyGrounded(1, 7);
    const text = randn([2, 4, 10], 3);
    const image1 = randn([2, 6, 12], 4);
    const image2 = randn([2, 6, 12], 5, 3);
    const a = model.forward({ visual: image1, text });
    const b = model.forward({ visual: image2, text });
    const idsA = (await a.groundedIds?.array()) ?? [];
    const idsB = (await b.groundedIds?.array()) ?? [];
    expect(idsA).not.toEqual(idsB);
    expect(await maxAbsDiff(a.text, b.text)).toBeGreaterThan(1e-3);
    tf.dispose([text, image1, image2, a, b]);
    model.dispose();
  });

  it('image-text attention is zero in every layer (depth 2), padding gets none', async () => {
    const model = tinyGrounded(2, 9);
    const visual = randn([2, 6, 12], 1);
    const text = randn([2, 4, 10], 2);
    const textMask = tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0], [2, 4]);
    const maps = model.attentionMaps({ visual, text, textMask });
    expect(maps).toHaveLength(2);
    for (const w of maps) {
      expect(w.shape).toEqual([2, 2, 18, 18]); // 6 visual + 8 grounded + 4 text
      const vToT = tf.slice(w, [0, 0, 0, 14], [-1, -1, 6, 4]); // visual queries, text keys
      const tToV = tf.slice(w, [0, 0, 14, 0], [-1, -1, 4, 6]); // text queries, visual keys
      const pad = tf.slice(w, [1, 0, 0, 16], [1, -1, -1, 2]); // sample 1's padded text keys
      for (const blocked of [vToT, tToV, pad]) {
        const m = tf.max(blocked);
        expect((await m.data())[0]).toBeLessThan(1e-7);
        m.dispose();
      }
      // grounded queries see every modality
      const gToV = tf.sum(tf.slice(w, [0, 0, 6, 0], [-1, -1, 8, 6]));
      expect((await gToV.data())[0]).toBeGreaterThan(0.1);
      tf.dispose([vToT, tToV, pad, gToV]);
    }
    tf.dispose([visual, text, textMask, maps]);
    model.dispose();
  });

  it('image-only and text-only modes select from their own modality', async () => {
    const model = tinyGrounded(2, 11);
    const visual = randn([2, 6, 12], 1);
    const text = randn([2, 4, 10], 2);
    const img = model.forward({ visual });
    expect(img.sequence.shape).toEqual([2, 14, 16]);
    expect(img.text).toBeUndefined();
    expect(img.cls.shape).toEqual([2, 16]);
    const txt = model.forward({ text });
    expect(txt.sequence.shape).toEqual([2, 12, 16]);
    expect(txt.visual).toBeUndefined();
    // the selection is the dictionary's top-K over the projected tokens of that modality alone
    const ref = tf.tidy(() => {
      const proj = model.visualProj?.forward(visual) ?? visual;
      return model.dictionary.forward(proj).ids;
    });
    expect(await img.groundedIds?.array()).toEqual(await ref.array());
    expect(Number.isFinite((await img.losses.grounding?.data())?.[0] ?? Number.NaN)).toBe(true);
    expect(Number.isFinite((await txt.losses.grounding?.data())?.[0] ?? Number.NaN)).toBe(true);
    tf.dispose([visual, text, img, txt, ref]);
    model.dispose();
  });
});

// BertEncoder: shapes, parameter names and counts, padding invariance, token types, dropout modes, and
// finite-difference gradients on a micro config.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@vlp/tensor-core';
import { checkParameterGradients, useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MICRO } from './_test-micro.js';
import type { TextEncoderConfig } from './config.js';
import { createTextEncoder } from './registry.js';

/** Parameters of a BERT with pre-LN blocks: embeddings + LN, per block 2 LN + fused qkv + proj + MLP, final LN. */
function expectedParameters(c: TextEncoderConfig): number {
  const { vocabSize: V, dim: D, mlpDim: M, maxPositions: P, typeVocabSize: Ty } = c;
  const embeddings = (V + P + Ty) * D + 2 * D;
  const block = 4 * D + (D * 3 * D + 3 * D) + (D * D + D) + (D * M + M) + (M * D + D);
  return embeddings + c.depth * block + 2 * D;
}

const ids2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]?.length ?? 0], 'int32');

/** Two sequences of 5, the second with 2 padding positions: the gradient checks' input. */
const paddedPair = () => ({
  inputIds: ids2d([
    [2, 5, 6, 7, 3],
    [2, 8, 3, 0, 0],
  ]),
  attentionMask: ids2d([
    [1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0],
  ]),
});

describe('BertEncoder', () => {
  beforeAll(() => useBackend('cpu'));

  it('maps [B, T] ids to tokens [B, T, D] and cls [B, D] = tokens[:, 0]', async () => {
    const enc = createTextEncoder('bert-tiny', { vocabSize: 50, maxPositions: 16 }, new Rng(0)).eval();
    const inputIds = ids2d([
      [2, 7, 8, 9, 3, 0, 0],
      [2, 10, 11, 12, 13, 14, 3],
    ]);
    const attentionMask = ids2d([
      [1, 1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1, 1],
    ]);
    const { tokens, cls } = enc.forward({ inputIds, attentionMask });
    expect(tokens.shape).toEqual([2, 7, 128]);
    expect(cls.shape).toEqual([2, 128]);
    const t = (await tokens.array()) as number[][][];
    expect(await cls.array()).toEqual([t[0]?.[0], t[1]?.[0]]);
    expect((await tokens.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([inputIds, attentionMask, tokens, cls]);
    enc.dispose();
  });

  it('names its parameters like BERT and counts them as the formula says', () => {
    const enc = createTextEncoder('bert-tiny', { vocabSize: 50, depth: 3 }, new Rng(0));
    expect(enc.blocks.length).toBe(3);
    const names = enc.namedParameters().map(([n]) => n);
    expect(names.slice(0, 5)).toEqual([
      'embeddings.wordEmbeddings.weight',
      'embeddings.positionEmbeddings.weight',
      'embeddings.tokenTypeEmbeddings.weight',
      'embeddings.norm.weight',
      'embeddings.norm.bias',
    ]);
    expect(names).toContain('encoder.blocks.2.attn.qkv.weight');
    expect(names.slice(-2)).toEqual(['encoder.norm.weight', 'encoder.norm.bias']);
    expect(enc.numParameters()).toBe(expectedParameters(enc.config));
    // Hugging Face's bert-base-uncased has 109,482,240 parameters: minus its pooler (590,592), plus our final
    // pre-LN LayerNorm (1,536).
    expect(expectedParameters({ ...enc.config, ...baseShape })).toBe(109_482_240 - 590_592 + 1_536);
    enc.dispose();
  });

  it('ignores padding: extra [PAD] positions (any ids) leave the real positions unchanged', async () => {
    const enc = createTextEncoder(MICRO, { dim: 16, depth: 2, heads: 4 }, new Rng(1)).eval();
    const short = { inputIds: ids2d([[2, 5, 6, 7, 3]]), attentionMask: ids2d([[1, 1, 1, 1, 1]]) };
    const long = {
      inputIds: ids2d([[2, 5, 6, 7, 3, 0, 9, 4]]),
      attentionMask: ids2d([[1, 1, 1, 1, 1, 0, 0, 0]]),
    };
    const a = enc.forward(short);
    const b = enc.forward(long);
    const pa = Array.from(await a.tokens.data());
    const pb = Array.from(await tf.slice(b.tokens, [0, 0, 0], [1, 5, 16]).data());
    const maxDiff = (p: number[], q: number[]) =>
      p.reduce((m, v, i) => Math.max(m, Math.abs(v - (q[i] as number))), 0);
    expect(maxDiff(pa, pb)).toBeLessThan(1e-5);
    // Without the mask the padding would leak in.
    const unmasked = enc.forward({ inputIds: long.inputIds });
    const pu = Array.from(await tf.slice(unmasked.tokens, [0, 0, 0], [1, 5, 16]).data());
    expect(maxDiff(pa, pu)).toBeGreaterThan(1e-3);
    tf.dispose([...Object.values(short), ...Object.values(long), ...Object.values(a), ...Object.values(b)]);
    tf.dispose(Object.values(unmasked));
    enc.dispose();
  });

  it('uses token types and position limits', async () => {
    const enc = createTextEncoder(MICRO, {}, new Rng(2)).eval();
    const inputIds = ids2d([[2, 5, 3, 6, 3]]);
    const a = enc.forward({ inputIds });
    const b = enc.forward({ inputIds, tokenTypeIds: ids2d([[0, 0, 0, 1, 1]]) });
    const da = await a.cls.data();
    const db = await b.cls.data();
    expect(da.some((v, i) => Math.abs(v - (db[i] as number)) > 1e-4)).toBe(true);
    const tooLong = ids2d([[2, 5, 5, 5, 5, 5, 5, 5, 3]]);
    expect(() => enc.forward({ inputIds: tooLong })).toThrow(/maxPositions 8/);
    tf.dispose([inputIds, tooLong, a.tokens, a.cls, b.tokens, b.cls]);
    enc.dispose();
  });

  it('applies dropout only in training mode', async () => {
    const enc = createTextEncoder(MICRO, { dropout: 0.3 }, new Rng(3));
    const inputIds = ids2d([[2, 5, 6, 7, 3]]);
    enc.eval();
    const e1 = enc.forward({ inputIds });
    const e2 = enc.forward({ inputIds });
    expect(await e1.tokens.data()).toEqual(await e2.tokens.data());
    enc.train();
    const t1 = enc.forward({ inputIds });
    expect(await t1.tokens.data()).not.toEqual(await e1.tokens.data());
    tf.dispose([inputIds, e1.tokens, e1.cls, e2.tokens, e2.cls, t1.tokens, t1.cls]);
    enc.dispose();
  });

  it("pools the kept positions' mean with pooling 'mean' (padding changes nothing), else [CLS]", async () => {
    const mean = createTextEncoder(MICRO, { pooling: 'mean' }, new Rng(6)).eval();
    const inputIds = ids2d([
      [2, 5, 6, 3, 0, 0],
      [2, 8, 9, 10, 11, 3],
    ]);
    const attentionMask = ids2d([
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ]);
    const f = mean.forward({ inputIds, attentionMask });
    const t = (await f.tokens.array()) as number[][][];
    const kept = [4, 6];
    const want = t.map((rows, b) =>
      Array.from({ length: 8 }, (_, d) => {
        let s = 0;
        for (let i = 0; i < (kept[b] as number); i++) s += rows[i]?.[d] as number;
        return s / (kept[b] as number);
      }),
    );
    const got = (await f.pooled.array()) as number[][];
    for (const [i, v] of got.flat().entries()) expect(v).toBeCloseTo(want.flat()[i] as number, 5);
    // the first row alone, without its padding, pools to the same vector
    const shortIds = ids2d([[2, 5, 6, 3]]);
    const short = mean.forward({ inputIds: shortIds, attentionMask: ids2d([[1, 1, 1, 1]]) });
    const s0 = (await short.pooled.array()) as number[][];
    for (const [d, v] of (s0[0] ?? []).entries()) expect(v).toBeCloseTo(got[0]?.[d] as number, 5);
    // the default pools [CLS]: pooled is the cls tensor itself
    const cls = createTextEncoder(MICRO, {}, new Rng(6)).eval();
    const c = cls.forward({ inputIds, attentionMask });
    expect(c.pooled).toBe(c.cls);
    tf.dispose([inputIds, attentionMask, shortIds, f.tokens, f.cls, f.pooled, short.tokens, short.cls]);
    tf.dispose([short.pooled, c.tokens, c.cls]);
    mean.dispose();
    cls.dispose();
  });

  it("has gradients matching finite differences through pooling 'mean'", async () => {
    const rng = new Rng(8);
    const enc = createTextEncoder(MICRO, { pooling: 'mean' }, rng).eval();
    const { inputIds, attentionMask } = paddedPair();
    const r = tf.tensor(
      Array.from({ length: 2 * 8 }, () => rng.normal()),
      [2, 8],
    );
    const loss = () =>
      tf.tidy(() => tf.sum(tf.mul(enc.forward({ inputIds, attentionMask }).pooled, r)) as tf.Scalar);
    const res = await checkParameterGradients(loss, enc.parameters(), { maxEntriesPerTensor: 6 });
    expect(res.checked).toBeGreaterThan(80);
    expect(res.maxRelError).toBeLessThan(3e-2);
    tf.dispose([inputIds, attentionMask, r]);
    enc.dispose();
  });

  it('has gradients matching finite differences for every parameter', async () => {
    const rng = new Rng(4);
    const enc = createTextEncoder(MICRO, {}, rng).eval();
    const { inputIds, attentionMask } = paddedPair();
    const tokenTypeIds = ids2d([
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 0],
    ]);
    const r = tf.tensor(
      Array.from({ length: 2 * 5 * 8 }, () => rng.normal()),
      [2, 5, 8],
    );
    const loss = () =>
      tf.tidy(() => {
        const f = enc.forward({ inputIds, attentionMask, tokenTypeIds });
        return tf.add(tf.sum(tf.mul(f.tokens, r)), tf.sum(f.cls)) as tf.Scalar;
      });
    const res = await checkParameterGradients(loss, enc.parameters(), { maxEntriesPerTensor: 6 });
    console.log(
      `BertEncoder gradcheck: ${res.checked} entries, max relative error ${res.maxRelError.toExponential(2)}`,
    );
    expect(res.checked).toBeGreaterThan(80);
    expect(res.maxRelError).toBeLessThan(3e-2);
    tf.dispose([inputIds, attentionMask, tokenTypeIds, r]);
    enc.dispose();
  });
});

const baseShape = { vocabSize: 30522, dim: 768, depth: 12, heads: 12, mlpDim: 3072, maxPositions: 512 };

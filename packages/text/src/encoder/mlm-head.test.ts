// MLM head: the decoder is the word-embedding variable (tied), logits match a hand computation, gradients
// match finite differences, and a full MLM training step (tokenizer -> masking -> encoder -> head -> loss ->
// Adam) leaves the number of live tensors unchanged while the loss goes down.
import * as tf from '@tensorflow/tfjs-core';
import { Rng, softmaxCrossEntropy } from '@vlp/tensor-core';
import { checkParameterGradients, useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskTokens } from '../mlm.js';
import { WordPieceTokenizer } from '../tokenizer/tokenizer.js';
import { MICRO } from './_test-micro.js';
import { gatherMaskedPositions, MlmHead } from './mlm-head.js';
import { createTextEncoder } from './registry.js';

describe('MlmHead', () => {
  beforeAll(() => useBackend('cpu'));

  it('decodes with the word-embedding variable itself (tied) plus its own bias', async () => {
    const rng = new Rng(0);
    const enc = createTextEncoder(MICRO, {}, rng).eval();
    const head = new MlmHead(enc.embeddings.wordEmbeddings, enc.config, rng);
    expect(head.decoderWeight).toBe(enc.embeddings.wordEmbeddings.weight);
    expect(head.namedParameters().map(([n, v]) => `${n}:${v.shape}`)).toEqual([
      'bias:13',
      'transform.weight:8,8',
      'transform.bias:8',
      'norm.weight:8',
      'norm.bias:8',
    ]);
    // logits = LN(gelu(h W_t + b_t)) E^T + b, computed here from the variables' values.
    const h = tf.tensor2d(
      Array.from({ length: 3 * 8 }, () => rng.normal()),
      [3, 8],
    );
    tf.tidy(() => head.bias.assign(tf.mul(tf.range(0, 13), 0.1)));
    const logits = head.forward(h);
    const z = tf.tidy(() => head.norm.forward(head.act.forward(head.transform.forward(h))));
    const [zv, ev, lv] = await Promise.all([
      z.array(),
      enc.embeddings.wordEmbeddings.weight.array(),
      logits.array(),
    ]);
    const zs = zv as number[][];
    const es = ev as number[][];
    for (const [i, row] of (lv as number[][]).entries()) {
      for (const [v, got] of row.entries()) {
        const want =
          (zs[i] as number[]).reduce((s, x, k) => s + x * ((es[v] as number[])[k] as number), 0) + 0.1 * v;
        expect(got).toBeCloseTo(want, 4);
      }
    }
    // Changing the embedding changes the decoder: the same memory, not a copy.
    tf.tidy(() =>
      enc.embeddings.wordEmbeddings.weight.assign(tf.zerosLike(enc.embeddings.wordEmbeddings.weight)),
    );
    const after = head.forward(h);
    expect(Array.from(await after.data()).map((x) => Math.round(x * 1e4) / 1e4)).toEqual(
      Array.from({ length: 3 }, () => Array.from({ length: 13 }, (_, v) => Math.round(v * 1e3) / 1e4)).flat(),
    );
    tf.dispose([h, logits, z, after]);
    head.dispose();
    enc.dispose();
  });

  it('sends the decoder gradient into the embedding matrix, matching finite differences', async () => {
    const rng = new Rng(1);
    const enc = createTextEncoder(MICRO, {}, rng).eval();
    const head = new MlmHead(enc.embeddings.wordEmbeddings, enc.config, rng);
    const inputIds = tf.tensor2d([[2, 4, 5, 6, 3]], [1, 5], 'int32');
    const labels = tf.tensor2d([[-100, 7, -100, 9, -100]], [1, 5], 'int32');
    const loss = () =>
      tf.tidy(() => softmaxCrossEntropy(head.forward(enc.forward({ inputIds }).tokens), labels) as tf.Scalar);
    const vars = [...head.parameters(), enc.embeddings.wordEmbeddings.weight];
    const res = await checkParameterGradients(loss, vars, { maxEntriesPerTensor: 8 });
    expect(res.maxRelError).toBeLessThan(3e-2);
    // Row 11 never occurs in the input, so its whole gradient comes through the tied decoder.
    const { grads, value } = tf.variableGrads(loss, [enc.embeddings.wordEmbeddings.weight]);
    const g = grads[enc.embeddings.wordEmbeddings.weight.name] as tf.Tensor;
    const row11 = await tf.slice(g, [11, 0], [1, 8]).data();
    expect(Math.max(...Array.from(row11, Math.abs))).toBeGreaterThan(1e-4);
    tf.dispose([inputIds, labels, value, g]);
    head.dispose();
    enc.dispose();
  });

  it('trains a step of MLM without leaking tensors, and the loss falls', async () => {
    const rng = new Rng(2);
    const tok = new WordPieceTokenizer([
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'a',
      'dog',
      'cat',
      'runs',
      'sits',
      'on',
      'the',
      'mat',
    ]);
    const batch = tok.encodeBatch(
      ['a dog runs on the mat', 'the cat sits on a mat', 'a cat runs', 'the dog sits'],
      {
        maxLength: 8,
      },
    );
    const enc = createTextEncoder(MICRO, { vocabSize: tok.vocabSize, dim: 16, heads: 2, initStd: 0.02 }, rng);
    const head = new MlmHead(enc.embeddings.wordEmbeddings, enc.config, rng);
    const masked = maskTokens(batch.inputIds, {
      vocabSize: tok.vocabSize,
      specialIds: tok.allSpecialIds,
      maskId: tok.specialIds.mask,
      attentionMask: batch.attentionMask,
      probability: 0.3,
      rng: rng.fork('mlm'),
    });
    const inputIds = tf.tensor2d(masked.inputIds, batch.shape, 'int32');
    const attentionMask = tf.tensor2d(batch.attentionMask, batch.shape, 'int32');
    const vars = [...enc.parameters(), ...head.parameters()];
    expect(new Set(vars).size).toBe(vars.length); // the tied matrix is listed once
    const opt = tf.train.adam(1e-2);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { tokens } = enc.forward({ inputIds, attentionMask });
          const picked = gatherMaskedPositions(tokens, masked.labels);
          return softmaxCrossEntropy(head.forward(picked.hidden), picked.labels);
        }, vars);
        opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        return value.dataSync()[0] as number;
      });
    const first = step(); // creates Adam's slots
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(0.5 * first);
    tf.dispose([inputIds, attentionMask]);
    opt.dispose();
    head.dispose();
    enc.dispose();
  });

  it('gathers exactly the labelled positions', async () => {
    const tokens = tf.tensor3d(
      Array.from({ length: 2 * 3 * 2 }, (_, i) => i),
      [2, 3, 2],
    );
    const { hidden, labels } = gatherMaskedPositions(tokens, [-100, 5, -100, 7, -100, 9]);
    expect(await hidden.array()).toEqual([
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
    expect(Array.from(await labels.data())).toEqual([5, 7, 9]);
    tf.dispose([tokens, hidden, labels]);
  });
});

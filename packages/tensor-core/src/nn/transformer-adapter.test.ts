// The sub-layer hook of TransformerBlock: a module set on the attention or MLP output runs before the
// residual add (checked against the block's own sub-layers computed by hand), is a named child, and is
// set at most once per site.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { randn, values } from './_test-helpers.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { TransformerBlock } from './transformer.js';

/** y = s * x, a parameter-free stand-in for an adapter. */
class _Scale extends Module {
  constructor(readonly s: number) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.s);
  }
}

describe('TransformerBlock sub-layer adapters', () => {
  it('applies the attention and MLP adapters before the residual adds', async () => {
    const rng = new Rng(3);
    const block = new TransformerBlock({ dim: 8, heads: 2, mlpDim: 16, rng });
    const x = randn(rng, [2, 3, 8]);
    const plain = block.forward(x);
    block.setSubLayerAdapter('attn', new _Scale(2));
    block.setSubLayerAdapter('mlp', new _Scale(-0.5));
    const y = block.forward(x);
    const expected = tf.tidy(() => {
      const h = tf.add(x, tf.mul(block.attn.forward(block.norm1.forward(x)), 2)); // [2, 3, 8]
      return tf.add(h, tf.mul(block.mlp.forward(block.norm2.forward(h)), -0.5)); // [2, 3, 8]
    });
    const [got, want, before] = await Promise.all([values(y), values(expected), values(plain)]);
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i] as number, 5);
    });
    // The adapters changed the output (they are really on the path).
    expect(Math.max(...got.map((v, i) => Math.abs(v - (before[i] as number))))).toBeGreaterThan(1e-2);
    tf.dispose([x, plain, y, expected]);
    block.dispose();
  });

  it('registers adapters as named children, one per site', () => {
    const block = new TransformerBlock({ dim: 8, heads: 2, mlpDim: 16, rng: new Rng(0) });
    const lin = block.setSubLayerAdapter('mlp', new Linear(8, 8, { rng: new Rng(1) }));
    expect(block.subLayerAdapter('mlp')).toBe(lin);
    expect(block.subLayerAdapter('attn')).toBeUndefined();
    expect(
      block
        .namedParameters()
        .map(([n]) => n)
        .slice(-2),
    ).toEqual(['mlpAdapter.weight', 'mlpAdapter.bias']);
    expect(() => block.setSubLayerAdapter('mlp', new Linear(8, 8))).toThrow(/already has an adapter/);
    expect(() => block.setSubLayerAdapter('ffn' as 'mlp', new Linear(8, 8))).toThrow(
      /Should be one of: attn, mlp/,
    );
    block.dispose();
  });
});

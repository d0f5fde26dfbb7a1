// Lookup table from integer ids to vectors (token, segment and type embeddings); init N(0, 0.02) as BERT.
import type * as tf from '@tensorflow/tfjs-core';
import { embeddingLookup } from '../ops/embedding.js';
import { init } from '../random/index.js';
import { defaultRng, type Rng } from '../random/rng.js';
import { Module } from './module.js';

/**
 * Options for {@link Embedding}.
 * @example
 * ```ts
 * const opts: EmbeddingOptions = { rng: new Rng(0), initStd: 0.02 };
 * ```
 */
export interface EmbeddingOptions {
  rng?: Rng;
  /** Std of the normal init. Default 0.02. */
  initStd?: number;
}

/**
 * `weight[ids]`: ids int32 of any shape [...] -> [..., dim]. weight [num, dim].
 * @example
 * ```ts
 * const tok = new Embedding(30522, 256, { rng: new Rng(0) });
 * const e = tok.forward(tf.tensor2d([[101, 2023, 102]], [1, 3], 'int32')); // [1, 3, 256]
 * ```
 */
export class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    const rng = opts.rng ?? defaultRng();
    this.weight = this.registerParameter(
      'weight',
      init.normal(rng, [numEmbeddings, dim], opts.initStd ?? 0.02),
    );
  }

  /** ids [...] (int32) -> [..., dim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') throw new Error(`Embedding: ids must be int32, got ${ids.dtype}`);
    return embeddingLookup(this.weight, ids);
  }
}

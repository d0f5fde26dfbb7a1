// Turns a batch encoding (flat Int32Arrays) into TensorFlow.js int32 tensors of shape [B, T].
import * as tf from '@tensorflow/tfjs-core';
import type { BatchEncoding } from './tokenizer.js';

/** The tensors of a batch encoding. The caller owns (and disposes) them. */
export interface EncodingTensors {
  /** `[B, T]` int32 token ids. */
  inputIds: tf.Tensor2D;
  /** `[B, T]` int32, 1 for real tokens and 0 for padding. */
  attentionMask: tf.Tensor2D;
  /** `[B, T]` int32 segment ids. */
  tokenTypeIds: tf.Tensor2D;
}

/**
 * Copies a {@link BatchEncoding} into three `[B, T]` int32 tensors. The caller disposes them
 * (e.g. `tf.dispose(Object.values(t))`) or creates them inside `tf.tidy`.
 *
 * @example
 * const t = encodingToTensors(tok.encodeBatch(['a dog', 'a cat'], { maxLength: 8 }));
 * t.inputIds.shape; // [2, 4]
 */
export function encodingToTensors(batch: BatchEncoding): EncodingTensors {
  const shape = batch.shape;
  return {
    inputIds: tf.tensor2d(batch.inputIds, shape, 'int32'),
    attentionMask: tf.tensor2d(batch.attentionMask, shape, 'int32'),
    tokenTypeIds: tf.tensor2d(batch.tokenTypeIds, shape, 'int32'),
  };
}

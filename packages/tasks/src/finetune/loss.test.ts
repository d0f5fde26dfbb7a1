// taskLoss and evaluateTask against hand-computed values: softmax cross-entropy for labels, BCE summed
// over answers for VQA soft scores, top-1 accuracy and VQA accuracy (the soft score of the prediction).
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlp/tensor-core';
import { checkGradients } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateTask, taskLoss } from './finetune.js';
import { type TaskInputs, TaskModel } from './models.js';

/** Returns its input `x` as the logits. */
class _Identity extends TaskModel {
  forward(inputs: TaskInputs): tf.Tensor2D {
    return tf.clone(inputs.x as tf.Tensor) as tf.Tensor2D;
  }
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('taskLoss', () => {
  it('is softmax cross-entropy for labels and summed BCE for soft scores', async () => {
    const logits = tf.tensor2d([
      [2, 0],
      [0, 1],
    ]);
    // mean(log(1 + e^-2), log(1 + e^1))
    const ce = taskLoss(logits, tf.tensor1d([0, 0], 'int32'));
    expect(ce.dataSync()[0]).toBeCloseTo((Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(1))) / 2, 5);
    // x=0, z=1: log 2; x=2, z=0.5: 2 - 1 + log(1 + e^-2); summed over answers, one row.
    const bce = taskLoss(tf.tensor2d([[0, 2]]), tf.tensor2d([[1, 0.5]]));
    expect(bce.dataSync()[0]).toBeCloseTo(Math.LN2 + 1 + Math.log1p(Math.exp(-2)), 5);
    // Large logits stay finite (the stable form), and the gradient matches finite differences.
    expect(Number.isFinite(taskLoss(tf.tensor2d([[300, -300]]), tf.tensor2d([[0, 1]])).dataSync()[0])).toBe(
      true,
    );
    const soft = tf.tensor2d([
      [0.3, 1],
      [0, 0.6],
    ]);
    const g = await checkGradients(
      (x) => taskLoss(x, soft),
      [
        tf.tensor2d([
          [0.5, -1],
          [2, 0.1],
        ]),
      ],
    );
    expect(g.maxRelError).toBeLessThan(1e-2);
  });
});

describe('evaluateTask', () => {
  it('gives top-1 accuracy for labels and VQA accuracy for soft scores', () => {
    const m = new _Identity();
    const x = tf.tensor2d([
      [0, 1],
      [0, 1],
      [3, 1],
    ]);
    expect(evaluateTask(m, { inputs: { x }, targets: tf.tensor1d([1, 0, 0], 'int32') }, 2)).toBeCloseTo(
      2 / 3,
      6,
    );
    const scores = tf.tensor2d([
      [1, 0.3],
      [0, 0.6],
      [1, 0],
    ]);
    // predictions 1, 1, 0 -> scores 0.3, 0.6, 1
    expect(evaluateTask(m, { inputs: { x }, targets: scores }, 2)).toBeCloseTo((0.3 + 0.6 + 1) / 3, 6);
    expect(m.training).toBe(true);
    expect(() => evaluateTask(m, { inputs: { x }, targets: tf.tensor1d([1], 'int32') })).toThrow(
      /input "x" has 3 rows, targets 1/,
    );
  });
});

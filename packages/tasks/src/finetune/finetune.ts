// Fine-tuning a TaskModel on TaskData with the pre-training Trainer (AdamW, cosine schedule with warm-up,
// gradient clipping): either adaptively, CAVL's way (backbone frozen; only adapters and heads train), or
// fully (every parameter trains), reporting trainable parameters, seconds per epoch and held-out accuracy,
// so the two can be compared on the same task. Losses: softmax cross-entropy for int32 labels [N];
// binary cross-entropy summed over answers for soft scores [N, C] (VQA, as Teney et al. 2018), whose
// accuracy is the target score of the predicted answer (VQA accuracy).
import * as tf from '@tensorflow/tfjs-core';
import { type AdamWOptions, type LossOutput, Trainer } from '@vlp/pretrain';
import { Rng } from '@vlp/tensor-core';
import { ADAPTER_PATTERN, freezeExcept, parameterCounts } from '../adapters/freeze.js';
import type { TaskData } from './data.js';
import type { TaskInputs, TaskModel } from './models.js';

/**
 * Options of {@link fineTune}.
 * @example
 * ```ts
 * const opts: FineTuneOptions = { train, test, mode: 'adapters', epochs: 10, batchSize: 32, lr: 3e-3 };
 * ```
 */
export interface FineTuneOptions {
  train: TaskData;
  /** Held-out data for the final (and per-epoch) accuracy. */
  test?: TaskData;
  /**
   * `'adapters'`: freeze everything but adapters and heads (`keep`, default {@link ADAPTER_PATTERN});
   * `'full'`: every parameter trains.
   */
  mode: 'adapters' | 'full';
  epochs: number;
  batchSize: number;
  /** Peak learning rate (default 1e-3), cosine decay to 0 after `warmupSteps` (default 0). */
  lr?: number;
  warmupSteps?: number;
  /** Clip gradients to this global norm (default 1). */
  clipNorm?: number;
  optimizer?: AdamWOptions;
  /** Which parameters stay trainable in `'adapters'` mode, by dotted name. */
  keep?: (name: string) => boolean;
  /** Seed of the per-epoch shuffling. Default 0. */
  seed?: number;
  /** Evaluate `test` after every epoch (default: only at the end). */
  evalEveryEpoch?: boolean;
  /** Progress: called after each epoch. */
  onEpoch?: (e: EpochReport) => void;
}

/**
 * One epoch of {@link fineTune}.
 * @example
 * ```ts
 * onEpoch: (e: EpochReport) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)} in ${e.seconds.toFixed(1)} s`)
 * ```
 */
export interface EpochReport {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  seconds: number;
  testAccuracy?: number;
}

/**
 * What {@link fineTune} measured.
 * @example
 * ```ts
 * const r: FineTuneReport = await fineTune(model, opts);
 * console.log(`${r.mode}: ${r.trainableParams}/${r.totalParams} params, ${r.secondsPerEpoch.toFixed(2)} s/epoch, acc ${r.accuracy}`);
 * ```
 */
export interface FineTuneReport {
  mode: 'adapters' | 'full';
  trainableParams: number;
  totalParams: number;
  epochs: EpochReport[];
  /** Training seconds over all epochs. */
  seconds: number;
  secondsPerEpoch: number;
  /** Held-out accuracy after training (when `test` was given). */
  accuracy?: number;
}

function _rows(data: TaskData): number {
  const n = data.targets.shape[0] as number;
  for (const [name, t] of Object.entries(data.inputs)) {
    if (t.shape[0] !== n) throw new Error(`task data: input "${name}" has ${t.shape[0]} rows, targets ${n}`);
  }
  return n;
}

function _gatherRows(data: TaskData, idx: readonly number[]): TaskData {
  return tf.tidy(() => {
    const i = tf.tensor1d(Int32Array.from(idx), 'int32');
    const inputs: TaskInputs = {};
    for (const [name, t] of Object.entries(data.inputs)) inputs[name] = tf.gather(t, i);
    return { inputs, targets: tf.gather(data.targets, i) };
  });
}

/**
 * The task loss of logits [B, C] against int32 labels [B] (softmax cross-entropy, batch mean) or soft
 * scores [B, C] (binary cross-entropy summed over classes, batch mean).
 * @example
 * ```ts
 * const loss = taskLoss(model.forward(batch.inputs), batch.targets); // scalar
 * ```
 */
export function taskLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (targets.rank === 1) {
      const logp = tf.logSoftmax(logits); // [B, C]
      const onehot = tf.oneHot(tf.cast(targets, 'int32'), logits.shape[1] as number); // [B, C]
      return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
    }
    // max(x, 0) - x z + log(1 + exp(-|x|)): stable BCE with logits.
    const bce = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    ); // [B, C]
    return tf.mean(tf.sum(bce, 1)) as tf.Scalar;
  });
}

/**
 * Accuracy of `model` on `data` in eval mode: top-1 for labels, the target score of the predicted class
 * for soft scores (VQA accuracy). Restores the model's training flag.
 * @example
 * ```ts
 * const acc = evaluateTask(model, test); // in [0, 1]
 * ```
 */
export function evaluateTask(model: TaskModel, data: TaskData, batchSize = 64): number {
  const n = _rows(data);
  const was = model.training;
  model.eval();
  let total = 0;
  try {
    for (let s = 0; s < n; s += batchSize) {
      const idx = Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k);
      total += tf.tidy(() => {
        const b = _gatherRows(data, idx);
        const pred = tf.argMax(model.forward(b.inputs), 1); // [B]
        const hit =
          b.targets.rank === 1
            ? tf.cast(tf.equal(pred, tf.cast(b.targets, 'int32')), 'float32') // [B]
            : tf.sum(tf.mul(b.targets, tf.oneHot(pred, b.targets.shape[1] as number)), 1); // [B]
        return tf.sum(hit).dataSync()[0] as number;
      });
    }
  } finally {
    model.train(was);
  }
  return total / n;
}

/**
 * Fine-tunes `model` on `train` for `epochs` epochs of shuffled mini-batches and reports trainable
 * parameters, time and held-out accuracy. In `'adapters'` mode the parameters outside adapters and heads
 * are frozen first (they stay bit-identical); in `'full'` mode every parameter is unfrozen. The model's
 * trainable flags are left as set here. Tensors of `train` / `test` stay the caller's.
 * @example
 * ```ts
 * const clf = new ImageClassifier(model.towers.vision, { numClasses: folder.classes.length });
 * attachAdapterII(clf.encoder, { bottleneck: 8 });
 * const report = await fineTune(clf, { train, test, mode: 'adapters', epochs: 10, batchSize: 32, lr: 3e-3 });
 * ```
 */
export async function fineTune(model: TaskModel, opts: FineTuneOptions): Promise<FineTuneReport> {
  const n = _rows(opts.train);
  if (opts.test) _rows(opts.test);
  if (!(opts.epochs >= 1 && opts.batchSize >= 1))
    throw new Error('fineTune: epochs and batchSize must be >= 1');
  if (opts.mode === 'adapters') freezeExcept(model, opts.keep ?? ((name) => ADAPTER_PATTERN.test(name)));
  else if (opts.mode === 'full') model.requiresGrad(true);
  else throw new Error(`fineTune: unknown mode "${String(opts.mode)}". Should be one of: adapters, full`);
  const counts = parameterCounts(model);
  const stepsPerEpoch = Math.ceil(n / opts.batchSize);
  const rng = new Rng(opts.seed ?? 0);
  let order: number[] = [];
  let cursor = 0;
  const data = {
    next: (): TaskData => {
      if (cursor >= order.length) {
        order = rng.shuffle([...Array(n).keys()]);
        cursor = 0;
      }
      const idx = order.slice(cursor, cursor + opts.batchSize);
      cursor += idx.length;
      return _gatherRows(opts.train, idx);
    },
    getPosition: () => ({ cursor, order, rng: rng.getState() }),
    setPosition: () => {
      throw new Error('fineTune: resuming is not supported');
    },
  };
  const trainer = new Trainer<TaskData>({
    model,
    data,
    totalSteps: opts.epochs * stepsPerEpoch,
    lossFn: (b): LossOutput => ({ losses: { task: taskLoss(model.forward(b.inputs), b.targets) }, logs: {} }),
    lr: { lr: opts.lr ?? 1e-3, warmupSteps: opts.warmupSteps ?? 0 },
    clipNorm: opts.clipNorm ?? 1,
    optimizer: opts.optimizer,
    progress: false,
  });
  model.train();
  const epochs: EpochReport[] = [];
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const t0 = performance.now();
      let loss = 0;
      for (let s = 0; s < stepsPerEpoch; s++) loss += (await trainer.trainStep())?.loss ?? Number.NaN;
      const report: EpochReport = {
        epoch,
        loss: loss / stepsPerEpoch,
        seconds: (performance.now() - t0) / 1000,
      };
      if (opts.test && (opts.evalEveryEpoch || epoch === opts.epochs)) {
        report.testAccuracy = evaluateTask(model, opts.test, opts.batchSize);
      }
      epochs.push(report);
      opts.onEpoch?.(report);
    }
  } finally {
    trainer.dispose();
  }
  const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
  return {
    mode: opts.mode,
    trainableParams: counts.trainable,
    totalParams: counts.total,
    epochs,
    seconds,
    secondsPerEpoch: seconds / epochs.length,
    accuracy: epochs[epochs.length - 1]?.testAccuracy,
  };
}

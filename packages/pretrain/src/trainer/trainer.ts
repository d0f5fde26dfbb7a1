// A generic pre-training loop (the shape of open_clip's train_one_epoch and the HF Trainer, over tfjs): losses
// from objectives summed with weights, gradient accumulation, clipping by global norm, AdamW with a cosine
// schedule, the momentum-model EMA (ALBEF), periodic evaluation, JSONL metrics, a progress bar, a typed
// event stream for the desktop app, and atomic checkpoints (every N steps and on SIGINT / SIGTERM) from
// which a resumed run continues bit-for-bit: model, optimizer, momentum model, queues, RNGs, data position.
import { EventEmitter } from 'node:events';
import * as tf from '@tensorflow/tfjs-core';
import { latestCheckpoint, loadCheckpoint, type Module, type Rng, saveCheckpoint } from '@vlp/tensor-core';
import type { MomentumModel } from '../objectives/momentum.js';
import type { ObjectiveOutput } from '../objectives/types.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import type { ResumableData } from './data.js';
import { _JsonlWriter, _ProgressBar } from './progress.js';
import { clipByGlobalNorm, cosineWithWarmup } from './schedule.js';

/**
 * What a loss function returns: an objective output, plus an optional `after(applied)` called once the
 * step is over (applied = false when it was skipped), e.g. to enqueue momentum features kept with tf.keep.
 * @example
 * ```ts
 * const out: LossOutput = { ...itcLoss(f), after: (ok) => { if (ok) queue.enqueue(kept); kept.dispose(); } };
 * ```
 */
export type LossOutput = ObjectiveOutput & { after?: (applied: boolean) => void };

/**
 * Anything with tensor state to checkpoint (FeatureQueue, a visual dictionary, MomentumModel).
 * @example
 * ```ts
 * const s: TensorState = queue;
 * ```
 */
export interface TensorState {
  stateDict(): Record<string, tf.Tensor>;
  loadStateDict(sd: Record<string, tf.Tensor>): void;
}

/**
 * Trainer configuration. Only `model`, `lossFn`, `data` and `totalSteps` are required.
 * @example
 * ```ts
 * const opts: TrainerOptions<Batch> = {
 *   model, data, totalSteps: 1000, lossFn: (b) => itcLoss(towers.forward(b)),
 *   lr: { lr: 1e-4, warmupSteps: 50 }, clipNorm: 1, checkpoint: { dir: 'runs/a', every: 100 },
 * };
 * ```
 */
export interface TrainerOptions<B> {
  model: Module;
  lossFn: (batch: B, step: number) => LossOutput;
  data: ResumableData<B>;
  totalSteps: number;
  /** Loss weights by name (default 1 each). */
  weights?: Record<string, number>;
  /** Peak lr, warm-up steps and floor of the cosine schedule (default 1e-4, 0, 0). */
  lr?: { lr: number; warmupSteps?: number; minLr?: number };
  optimizer?: AdamWOptions;
  /** Micro-batches per optimizer step (default 1); losses are divided by it. */
  gradAccumSteps?: number;
  /** Clip gradients to this global norm (default: no clipping). */
  clipNorm?: number;
  /** Updated (EMA) after every applied step, saved and restored. */
  momentum?: MomentumModel;
  /** More tensor state to checkpoint, by name (queues, dictionaries). */
  state?: Record<string, TensorState>;
  /** Random streams to checkpoint, by name (dropout, masking, negative sampling). */
  rngs?: Record<string, Rng>;
  /** Called after each applied update (e.g. `() => temperature.clamp()`). */
  afterStep?: (step: number) => void;
  evaluate?: {
    every: number;
    fn: (step: number) => Promise<Record<string, number>> | Record<string, number>;
  };
  checkpoint?: { dir: string; every?: number; onSignal?: boolean };
  /** JSON Lines of metrics. */
  metricsFile?: string;
  /** Progress bar (default: when stdout is a TTY). */
  progress?: boolean;
  /** Consecutive non-finite steps tolerated before stopping with an error (default 5). */
  maxNonFiniteSteps?: number;
  /** Saved in config.json. */
  config?: unknown;
}

/**
 * Events of {@link Trainer}; the desktop app subscribes to them.
 * @example
 * ```ts
 * trainer.on('step', (e: StepEvent) => console.log(e.step, e.loss));
 * ```
 */
export interface StepEvent {
  step: number;
  loss: number;
  losses: Record<string, number>;
  logs: Record<string, number>;
  lr: number;
  gradNorm: number;
  stepsPerSecond: number;
}
/** @example `trainer.on('eval', (e: EvalEvent) => chart.push(e.metrics));` */
export interface EvalEvent {
  step: number;
  metrics: Record<string, number>;
}
/** @example `trainer.on('checkpoint', (e: CheckpointEvent) => console.log(e.dir, e.reason));` */
export interface CheckpointEvent {
  step: number;
  dir: string;
  reason: 'periodic' | 'signal' | 'final' | 'manual';
}
/** @example `trainer.on('nonfinite', (e: NonFiniteEvent) => console.warn(e.message));` */
export interface NonFiniteEvent {
  step: number;
  message: string;
  skippedTotal: number;
}
/** @example `trainer.on('done', (e: DoneEvent) => console.log(e.reason, e.step));` */
export interface DoneEvent {
  step: number;
  reason: 'completed' | 'interrupted';
  skippedSteps: number;
}
/**
 * Event name -> payload tuple.
 * @example
 * ```ts
 * type Step = TrainerEvents['step'][0];
 * ```
 */
export interface TrainerEvents {
  step: [StepEvent];
  eval: [EvalEvent];
  checkpoint: [CheckpointEvent];
  nonfinite: [NonFiniteEvent];
  done: [DoneEvent];
}

/** JSON saved as trainer_state.json. */
interface _SavedState {
  step: number;
  skippedSteps: number;
  data: unknown;
  rngs: Record<string, unknown>;
}

/**
 * The training loop. Non-finite policy: a step whose loss or gradient norm is NaN/Inf is skipped (no
 * update, no EMA, `after(false)`), counted in `skippedSteps`, reported by a `nonfinite` event, and training
 * stops with an error after `maxNonFiniteSteps` in a row. Skipped steps still consume their batches and
 * advance the step counter (the schedule does not stall on a bad batch).
 * @example
 * ```ts
 * const trainer = new Trainer({ model, lossFn, data, totalSteps: 200, checkpoint: { dir: 'runs/a', every: 50 } });
 * trainer.on('step', (e) => console.log(e.step, e.loss));
 * await trainer.resume();          // continues from runs/a's latest checkpoint, if any
 * const result = await trainer.fit();
 * ```
 */
export class Trainer<B> extends EventEmitter<TrainerEvents> {
  readonly optimizer: AdamW;
  private readonly opts: TrainerOptions<B>;
  private readonly names = new Map<string, string>(); // tf variable name -> parameter name
  private readonly params: Array<[string, tf.Variable]>;
  private readonly lrAt: (step: number) => number;
  private readonly metrics: _JsonlWriter | undefined;
  private stopSignal: string | undefined;
  step = 0;
  skippedSteps = 0;
  private consecutiveNonFinite = 0;

  constructor(opts: TrainerOptions<B>) {
    super();
    this.opts = opts;
    this.params = opts.model.namedParameters();
    for (const [name, v] of this.params) this.names.set(v.name, name);
    this.optimizer = new AdamW(this.params, opts.optimizer);
    this.lrAt = cosineWithWarmup({
      lr: opts.lr?.lr ?? 1e-4,
      warmupSteps: opts.lr?.warmupSteps ?? 0,
      totalSteps: opts.totalSteps,
      minLr: opts.lr?.minLr ?? 0,
    });
    this.metrics = opts.metricsFile ? new _JsonlWriter(opts.metricsFile) : undefined;
  }

  /** Asks the loop to checkpoint and stop after the current step (what SIGINT / SIGTERM do). */
  requestStop(reason = 'manual'): void {
    this.stopSignal = reason;
  }

  /** Runs one optimizer step (with accumulation); returns the event it emitted, or undefined if skipped. */
  async trainStep(): Promise<StepEvent | undefined> {
    const o = this.opts;
    const accum = o.gradAccumSteps ?? 1;
    const weights = o.weights ?? {};
    const step = this.step;
    const t0 = performance.now();
    let grads: Record<string, tf.Tensor> = {};
    let loss = 0;
    const losses: Record<string, number> = {};
    const logs: Record<string, number> = {};
    const afters: Array<(applied: boolean) => void> = [];
    const vars = this.params.map(([, v]) => v);
    for (let micro = 0; micro < accum; micro++) {
      const batch = await o.data.next();
      const { value, grads: g } = tf.variableGrads(() => {
        const out = o.lossFn(batch, step);
        if (out.after) afters.push(out.after);
        const terms: tf.Scalar[] = [];
        for (const [name, l] of Object.entries(out.losses)) {
          losses[name] = (losses[name] ?? 0) + (l.dataSync()[0] as number) / accum;
          const w = weights[name] ?? 1;
          if (w !== 0) terms.push(tf.mul(l, w / accum) as tf.Scalar);
        }
        for (const [name, l] of Object.entries(out.logs)) {
          logs[name] = (logs[name] ?? 0) + (typeof l === 'number' ? l : (l.dataSync()[0] as number)) / accum;
        }
        if (terms.length === 0) throw new Error('Trainer: the loss function returned no weighted loss');
        return tf.addN(terms) as tf.Scalar;
      }, vars);
      loss += value.dataSync()[0] as number;
      value.dispose();
      for (const [vname, t] of Object.entries(g)) {
        const name = this.names.get(vname) ?? vname;
        const prev = grads[name];
        if (prev === undefined) grads[name] = t;
        else {
          grads[name] = tf.add(prev, t);
          tf.dispose([prev, t]);
        }
      }
      tf.dispose(batch as unknown as tf.TensorContainer);
    }
    const { grads: clipped, norm } = clipByGlobalNorm(grads, o.clipNorm ?? Number.POSITIVE_INFINITY);
    tf.dispose(grads);
    grads = clipped;
    const lr = this.lrAt(step);
    const finite = Number.isFinite(loss) && Number.isFinite(norm);
    if (finite) {
      this.optimizer.step(grads, lr);
      o.momentum?.update();
      o.afterStep?.(step);
      this.consecutiveNonFinite = 0;
    }
    tf.dispose(grads);
    for (const a of afters) a(finite);
    this.step++;
    if (!finite) {
      this.skippedSteps++;
      this.consecutiveNonFinite++;
      const what = Object.entries(losses)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      const max = o.maxNonFiniteSteps ?? 5;
      const message =
        `step ${step}: non-finite ${Number.isFinite(loss) ? `gradient norm (${norm})` : `loss (${what})`}; ` +
        `update skipped (${this.consecutiveNonFinite} in a row, ${this.skippedSteps} in total; stopping after ${max} in a row)`;
      this.emit('nonfinite', { step, message, skippedTotal: this.skippedSteps });
      this.metrics?.write({ type: 'nonfinite', step, message });
      if (this.consecutiveNonFinite >= max) {
        throw new Error(
          `Trainer: ${max} consecutive non-finite steps, last: ${message}. Lower the lr, clip gradients, or check the data.`,
        );
      }
      return undefined;
    }
    const event: StepEvent = {
      step: this.step,
      loss,
      losses,
      logs,
      lr,
      gradNorm: norm,
      stepsPerSecond: 1000 / Math.max(1e-3, performance.now() - t0),
    };
    this.emit('step', event);
    this.metrics?.write({ type: 'step', ...event });
    return event;
  }

  /** Saves a checkpoint of everything needed to resume; returns its directory. */
  async save(reason: CheckpointEvent['reason'] = 'manual'): Promise<string> {
    const o = this.opts;
    if (o.checkpoint === undefined) throw new Error('Trainer.save: no checkpoint.dir configured');
    const { join } = await import('node:path');
    const dir = join(o.checkpoint.dir, `step-${String(this.step).padStart(8, '0')}`);
    const extra: Record<string, tf.Tensor> = {};
    const owned: tf.Tensor[] = [];
    const add = (prefix: string, sd: Record<string, tf.Tensor>, own: boolean) => {
      for (const [k, t] of Object.entries(sd)) {
        extra[`${prefix}${k}`] = t;
        if (own) owned.push(t);
      }
    };
    add('adamw/', this.optimizer.stateDict(), true);
    if (o.momentum) add('momentum/', o.momentum.stateDict(), false);
    for (const [name, s] of Object.entries(o.state ?? {})) add(`state/${name}/`, s.stateDict(), true);
    const state: _SavedState = {
      step: this.step,
      skippedSteps: this.skippedSteps,
      data: o.data.getPosition(),
      rngs: Object.fromEntries(Object.entries(o.rngs ?? {}).map(([k, r]) => [k, r.getState()])),
    };
    try {
      await saveCheckpoint(dir, {
        model: o.model.stateDict(),
        optimizer: extra,
        config: o.config ?? {},
        state,
      });
    } finally {
      tf.dispose(owned);
    }
    this.emit('checkpoint', { step: this.step, dir, reason });
    this.metrics?.write({ type: 'checkpoint', step: this.step, dir, reason });
    return dir;
  }

  /**
   * Restores from `dir`, or from the newest complete checkpoint under `checkpoint.dir`; returns the
   * directory used, or undefined when there is none (a fresh start).
   * @example
   * ```ts
   * const from = await trainer.resume(); // 'runs/a/step-00000200' or undefined
   * ```
   */
  async resume(dir?: string): Promise<string | undefined> {
    const o = this.opts;
    const from = dir ?? (o.checkpoint ? await latestCheckpoint(o.checkpoint.dir) : undefined);
    if (from === undefined || from === null) return undefined;
    // A NaN or Inf in saved weights would poison every later step: refuse it, naming the file and tensor.
    const ckpt = await loadCheckpoint(from, { allowNonFinite: false });
    const extra = ckpt.optimizer ?? {};
    const part = (prefix: string) =>
      Object.fromEntries(
        Object.entries(extra)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, t]) => [k.slice(prefix.length), t]),
      );
    try {
      o.model.loadStateDict(ckpt.model);
      this.optimizer.loadStateDict(part('adamw/'));
      o.momentum?.loadStateDict(part('momentum/'));
      for (const [name, s] of Object.entries(o.state ?? {})) s.loadStateDict(part(`state/${name}/`));
    } finally {
      tf.dispose([ckpt.model, extra]);
    }
    const state = ckpt.state as _SavedState;
    this.step = state.step;
    this.skippedSteps = state.skippedSteps;
    o.data.setPosition(state.data as never);
    for (const [k, r] of Object.entries(o.rngs ?? {})) {
      const saved = state.rngs[k];
      if (saved === undefined) throw new Error(`Trainer.resume: ${from} has no state for rng "${k}"`);
      r.setState(saved as Parameters<Rng['setState']>[0]);
    }
    return from;
  }

  /**
   * Trains until `totalSteps` (or a stop request / signal, which checkpoints first).
   * @example
   * ```ts
   * const { step, reason } = await trainer.fit();
   * ```
   */
  async fit(): Promise<DoneEvent> {
    const o = this.opts;
    const ck = o.checkpoint;
    const onSignal = (sig: NodeJS.Signals) => this.requestStop(sig);
    const handle = ck !== undefined && ck.onSignal !== false;
    if (handle) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    const bar = new _ProgressBar(o.progress ?? process.stdout.isTTY === true, o.totalSteps);
    let reason: DoneEvent['reason'] = 'completed';
    try {
      while (this.step < o.totalSteps) {
        const e = await this.trainStep();
        if (e) bar.update(this.step, e.loss, e.lr, e.stepsPerSecond);
        // Let the event loop run: signal handlers and listeners fire between steps, not after the run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (o.evaluate && this.step % o.evaluate.every === 0) {
          const metrics = await o.evaluate.fn(this.step);
          this.emit('eval', { step: this.step, metrics });
          this.metrics?.write({ type: 'eval', step: this.step, ...metrics });
        }
        if (this.stopSignal !== undefined) {
          if (ck) await this.save('signal');
          reason = 'interrupted';
          break;
        }
        if (ck?.every && this.step % ck.every === 0) await this.save('periodic');
      }
      if (reason === 'completed' && ck && !(ck.every && this.step % ck.every === 0)) await this.save('final');
    } finally {
      bar.stop();
      if (handle) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      this.stopSignal = undefined;
    }
    const done: DoneEvent = { step: this.step, reason, skippedSteps: this.skippedSteps };
    this.emit('done', done);
    this.metrics?.write({ type: 'done', ...done });
    return done;
  }

  /** Frees the optimizer state (the model and data stay the caller's). */
  dispose(): void {
    this.optimizer.dispose();
  }
}

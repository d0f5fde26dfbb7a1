import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Module, Rng, type RngState, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { alphaRamp, itcLoss, l2Normalize, Temperature } from '../objectives/itc.js';
import { MomentumModel } from '../objectives/momentum.js';
import { FeatureQueue } from '../objectives/queue.js';
import type { ResumableData } from './data.js';
import { type LossOutput, type StepEvent, Trainer, type TrainerOptions } from './trainer.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

const B = 4;
const N = 12;

/** Two linear towers and a learnable temperature: the smallest model with every kind of state. */
class TwoTower extends Module {
  readonly img: Linear;
  readonly txt: Linear;
  readonly temp: Temperature;
  constructor(rng: Rng) {
    super();
    this.img = this.registerModule('img', new Linear(6, 8, { rng }));
    this.txt = this.registerModule('txt', new Linear(5, 8, { rng }));
    this.temp = this.registerModule('temp', new Temperature(0.1));
  }
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** N fixed pairs, shuffled per epoch by an Rng whose state is the data position. */
class PairData implements ResumableData<Batch> {
  private readonly xs: number[][];
  private readonly ys: number[][];
  private order: number[] = [];
  private index = 0;
  private epoch = 0;
  private readonly rng = new Rng(5);
  constructor() {
    const r = new Rng(123);
    this.xs = Array.from({ length: N }, () => Array.from({ length: 6 }, () => r.normal()));
    this.ys = this.xs.map((x) => Array.from({ length: 5 }, (_, j) => (x[j] as number) + 0.3 * r.normal()));
    this.reshuffle();
  }
  private reshuffle(): void {
    this.order = this.rng.shuffle([...Array(N).keys()]);
    this.index = 0;
  }
  next(): Batch {
    if (this.index + B > N) {
      this.epoch++;
      this.reshuffle();
    }
    const ids = this.order.slice(this.index, this.index + B);
    this.index += B;
    return {
      x: tf.tensor2d(ids.map((i) => this.xs[i] as number[])),
      y: tf.tensor2d(ids.map((i) => this.ys[i] as number[])),
    };
  }
  getPosition(): { order: number[]; index: number; epoch: number; rng: RngState } {
    return { order: [...this.order], index: this.index, epoch: this.epoch, rng: this.rng.getState() };
  }
  setPosition(p: { order: number[]; index: number; epoch: number; rng: RngState }): void {
    this.order = [...p.order];
    this.index = p.index;
    this.epoch = p.epoch;
    this.rng.setState(p.rng);
  }
}

/** Builds model, momentum copy, queues, rng, data and trainer from scratch (seeded by `seed`). */
function build(seed: number, dir: string, totalSteps: number, extra: Partial<TrainerOptions<Batch>> = {}) {
  const model = new TwoTower(new Rng(seed));
  const copy = new TwoTower(new Rng(seed + 1));
  const momentum = new MomentumModel(model, copy, { m: 0.9 });
  const iq = new FeatureQueue({ size: 8, dim: 8, batchSize: B, rng: new Rng(seed + 2) });
  const tq = new FeatureQueue({ size: 8, dim: 8, batchSize: B, rng: new Rng(seed + 3) });
  const jitter = new Rng(seed + 4);
  const data = new PairData();
  const lossFn = (b: Batch, step: number): LossOutput => {
    const imgM = tf.keep(l2Normalize(copy.img.forward(b.x))); // [B, 8]
    const txtM = tf.keep(l2Normalize(copy.txt.forward(b.y))); // [B, 8]
    const out = itcLoss({
      imageEmbeds: l2Normalize(model.img.forward(b.x)),
      textEmbeds: l2Normalize(model.txt.forward(b.y)),
      temperature: model.temp.value(),
      imageEmbedsM: imgM,
      textEmbedsM: txtM,
      imageQueue: iq.features,
      textQueue: tq.features,
      alpha: alphaRamp(step, 3),
    });
    const scale = 1 + 0.1 * jitter.uniform(); // an rng consumed per micro-batch
    return {
      losses: { itc: tf.mul(out.losses.itc as tf.Scalar, scale) as tf.Scalar },
      logs: out.logs,
      after: (applied) => {
        if (applied) {
          iq.enqueue(imgM);
          tq.enqueue(txtM);
        }
        tf.dispose([imgM, txtM]);
      },
    };
  };
  const trainer = new Trainer<Batch>({
    model,
    lossFn,
    data,
    totalSteps,
    lr: { lr: 0.05, warmupSteps: 2 },
    gradAccumSteps: 2,
    clipNorm: 1,
    momentum,
    state: { imageQueue: iq, textQueue: tq },
    rngs: { jitter },
    afterStep: () => model.temp.clamp(),
    checkpoint: { dir },
    progress: false,
    ...extra,
  });
  const snapshot = () => {
    const all: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(model.stateDict())) all[`model.${k}`] = Array.from(t.dataSync());
    for (const [k, t] of Object.entries(copy.stateDict())) all[`momentum.${k}`] = Array.from(t.dataSync());
    all.iq = Array.from(iq.features.dataSync());
    all.tq = Array.from(tq.features.dataSync());
    return all;
  };
  const dispose = () => {
    trainer.dispose();
    model.dispose();
    copy.dispose();
    iq.dispose();
    tq.dispose();
  };
  return { trainer, model, snapshot, dispose };
}

function maxDiff(a: Record<string, number[]>, b: Record<string, number[]>): number {
  let m = 0;
  for (const [k, va] of Object.entries(a)) {
    const vb = b[k];
    if (vb === undefined || vb.length !== va.length) return Number.POSITIVE_INFINITY;
    va.forEach((x, i) => {
      m = Math.max(m, Math.abs(x - (vb[i] as number)));
    });
  }
  return m;
}

describe('Trainer', () => {
  it('resumes exactly: 9 straight steps == 4 steps, SIGTERM checkpoint, fresh build, load, 5 more', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vlp-trainer-'));
    const straight = build(0, join(root, 'a'), 9);
    const losses: number[] = [];
    straight.trainer.on('step', (e) => losses.push(e.loss));
    const start = straight.snapshot();
    await straight.trainer.fit();
    const want = straight.snapshot();
    straight.dispose();
    expect(losses).toHaveLength(9);
    expect(maxDiff(start, want)).toBeGreaterThan(1e-2); // training moved every kind of state

    const first = build(0, join(root, 'b'), 9);
    const events: string[] = [];
    first.trainer.on('step', (e: StepEvent) => {
      if (e.step === 4) process.emit('SIGTERM'); // what `kill -TERM` delivers, handled in-process
    });
    first.trainer.on('checkpoint', (e) => events.push(`${e.reason}@${e.step}`));
    const done1 = await first.trainer.fit();
    expect(done1).toEqual({ step: 4, reason: 'interrupted', skippedSteps: 0 });
    expect(events).toEqual(['signal@4']);
    expect(process.listenerCount('SIGTERM')).toBe(0);
    first.dispose();

    const second = build(77, join(root, 'b'), 9); // other seeds: everything must come from the checkpoint
    const from = await second.trainer.resume();
    expect(from).toMatch(/step-00000004$/);
    const resumedLosses: number[] = [];
    second.trainer.on('step', (e) => resumedLosses.push(e.loss));
    const done2 = await second.trainer.fit();
    expect(done2.step).toBe(9);
    const got = second.snapshot();
    second.dispose();
    const diff = maxDiff(want, got);
    console.log(
      `kill-and-resume: max |straight - resumed| over ${Object.keys(want).length} tensors = ${diff}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-6);
    resumedLosses.forEach((l, i) => {
      expect(l).toBeCloseTo(losses[i + 4] as number, 6);
    });
  });

  it('checkpoints on a real SIGINT delivered to the process and resumes to the same weights', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vlp-trainer-sig-'));
    const straight = build(3, join(root, 'a'), 6);
    await straight.trainer.fit();
    const want = straight.snapshot();
    straight.dispose();
    const first = build(3, join(root, 'b'), 6);
    first.trainer.on('step', (e) => {
      if (e.step === 2) process.kill(process.pid, 'SIGINT');
    });
    const done = await first.trainer.fit();
    expect(done.reason).toBe('interrupted');
    expect(done.step).toBeGreaterThanOrEqual(2);
    expect(done.step).toBeLessThan(6);
    first.dispose();
    const second = build(50, join(root, 'b'), 6);
    expect(await second.trainer.resume()).toMatch(new RegExp(`step-0*${done.step}$`));
    await second.trainer.fit();
    expect(maxDiff(want, second.snapshot())).toBeLessThanOrEqual(1e-6);
    second.dispose();
  });

  it('skips non-finite steps with a message, stops after too many, and leaks no tensors per step', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vlp-trainer-nan-'));
    let poison = new Set<number>([1]);
    const base = build(1, root, 6, { checkpoint: undefined, metricsFile: join(root, 'metrics.jsonl') });
    const inner = (base.trainer as unknown as { opts: TrainerOptions<Batch> }).opts.lossFn;
    (base.trainer as unknown as { opts: TrainerOptions<Batch> }).opts.lossFn = (b, step) => {
      const out = inner(b, step);
      if (!poison.has(step)) return out;
      return { ...out, losses: { itc: tf.mul(out.losses.itc as tf.Scalar, Number.NaN) as tf.Scalar } };
    };
    const messages: string[] = [];
    base.trainer.on('nonfinite', (e) => messages.push(e.message));
    await base.trainer.trainStep(); // step 0 (warm-up of kernels and caches)
    const before = base.snapshot();
    const tensors = tf.memory().numTensors;
    const skipped = await base.trainer.trainStep(); // step 1: NaN
    expect(skipped).toBeUndefined();
    expect(maxDiff(before, base.snapshot())).toBe(0); // no update, no EMA, no enqueue
    expect(messages[0]).toMatch(
      /^step 1: non-finite loss \(itc=NaN\); update skipped \(1 in a row, 1 in total/,
    );
    await base.trainer.trainStep();
    await base.trainer.trainStep();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(base.trainer.skippedSteps).toBe(1);
    poison = new Set([5, 6, 7, 8, 9]);
    (base.trainer as unknown as { opts: TrainerOptions<Batch> }).opts.maxNonFiniteSteps = 2;
    await base.trainer.trainStep(); // step 4 fine
    await base.trainer.trainStep(); // step 5 NaN (1 in a row)
    await expect(base.trainer.trainStep()).rejects.toThrow(/2 consecutive non-finite steps/);
    const lines = (await readFile(join(root, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual([
      'step',
      'nonfinite',
      'step',
      'step',
      'step',
      'nonfinite',
      'nonfinite',
    ]);
    base.dispose();
  });

  it('evaluates periodically, checkpoints every N steps and the loss falls', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vlp-trainer-eval-'));
    const t = build(2, root, 12, {
      checkpoint: { dir: root, every: 5 },
      evaluate: { every: 4, fn: (s) => ({ s2: s * 2 }) },
    });
    const evals: number[] = [];
    const ckpts: string[] = [];
    const ls: number[] = [];
    t.trainer.on('eval', (e) => evals.push(e.metrics.s2 as number));
    t.trainer.on('checkpoint', (e) => ckpts.push(`${e.reason}@${e.step}`));
    t.trainer.on('step', (e) => ls.push(e.losses.itc as number));
    await t.trainer.fit();
    expect(evals).toEqual([8, 16, 24]);
    expect(ckpts).toEqual(['periodic@5', 'periodic@10', 'final@12']);
    const head = (ls[0] as number) + (ls[1] as number) + (ls[2] as number);
    const tail = (ls[9] as number) + (ls[10] as number) + (ls[11] as number);
    expect(tail).toBeLessThan(head);
    t.dispose();
  });
});

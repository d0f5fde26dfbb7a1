// Faults inside a training run (issue 10): a disk that fills up while a checkpoint is written (ENOSPC
// injected at the checkpoint writer's fs layer, `node:fs/promises`, after a byte budget: the write lands
// partly, then fails, as on a full disk), NaN / Inf losses under the documented skip policy, and a
// checkpoint holding NaN weights. Each must end in a clear message, the previous checkpoint loadable, and
// a resumed run equal to an uninterrupted one.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LossOutput, type ResumableData, Trainer } from '@vlp/pretrain';
import {
  CheckpointError,
  Linear,
  latestCheckpoint,
  loadCheckpoint,
  Module,
  Rng,
  saveCheckpoint,
  selectBackend,
  verifyCheckpoint,
} from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Figures } from './_figures.js';

/** The simulated disk: writes under `under` may use `budget` more bytes, then fail with ENOSPC. */
const disk = vi.hoisted(() => ({ under: '', budget: Number.POSITIVE_INFINITY, failures: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const enospc = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  const open = async (...args: Parameters<typeof actual.open>) => {
    const handle = await actual.open(...args);
    const [path, flags] = args;
    if (disk.under === '' || typeof path !== 'string' || !path.startsWith(disk.under) || flags !== 'w') {
      return handle;
    }
    return new Proxy(handle, {
      get(target, prop) {
        if (prop === 'writeFile') {
          return async (data: Uint8Array | string) => {
            const bytes = typeof data === 'string' ? Buffer.from(data) : data;
            if (bytes.length <= disk.budget) {
              disk.budget -= bytes.length;
              return target.writeFile(bytes);
            }
            await target.writeFile(bytes.subarray(0, disk.budget)); // what fits lands, then the disk is full
            disk.budget = 0;
            disk.failures++;
            throw enospc();
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

const figures = new Figures('faults');
let root: string;

beforeAll(async () => {
  await selectBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'vlp-faults-'));
});

afterAll(async () => {
  figures.write();
  if (root) await rm(root, { recursive: true, force: true });
});

class Regressor extends Module {
  readonly fc: Linear;
  constructor(seed: number) {
    super();
    this.fc = this.registerModule('fc', new Linear(4, 3, { rng: new Rng(seed) }));
  }
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** 32 fixed pairs y = A x + noise, visited in order; the position is one index. */
class Pairs implements ResumableData<Batch> {
  private i = 0;
  private readonly xs: number[][];
  private readonly ys: number[][];
  constructor() {
    const r = new Rng(9);
    this.xs = Array.from({ length: 32 }, () => Array.from({ length: 4 }, () => r.normal()));
    this.ys = this.xs.map((x) => [x[0]! - x[1]!, 2 * x[2]!, x[3]! + 0.1 * r.normal()]);
  }
  next(): Batch {
    const ids = [0, 1, 2, 3].map((k) => (this.i * 4 + k) % 32);
    this.i++;
    return {
      x: tf.tensor2d(ids.map((k) => this.xs[k]!)), // [4, 4]
      y: tf.tensor2d(ids.map((k) => this.ys[k]!)), // [4, 3]
    };
  }
  getPosition(): number {
    return this.i;
  }
  setPosition(p: number): void {
    this.i = p;
  }
}

function build(dir: string | undefined, totalSteps: number, poison: (step: number) => number = () => 1) {
  const model = new Regressor(1);
  const lossFn = (b: Batch, step: number): LossOutput => {
    const err = tf.sub(model.fc.forward(b.x), b.y); // [4, 3]
    const mse = tf.mul(tf.mean(tf.square(err)), poison(step)) as tf.Scalar;
    return { losses: { mse }, logs: {} };
  };
  const trainer = new Trainer<Batch>({
    model,
    lossFn,
    data: new Pairs(),
    totalSteps,
    lr: { lr: 0.05 },
    progress: false,
    ...(dir ? { checkpoint: { dir, every: 2 } } : {}),
  });
  const weights = () => Object.values(model.stateDict()).flatMap((t) => Array.from(t.dataSync()));
  const dispose = () => {
    trainer.dispose();
    model.dispose();
  };
  return { trainer, model, weights, dispose };
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));

describe('disk full while checkpointing', () => {
  it('ENOSPC at four points of a save: a CheckpointError naming the file, the previous checkpoint intact, resume equals an uninterrupted run', async () => {
    const straight = build(join(root, 'straight'), 8);
    await straight.trainer.fit();
    const want = straight.weights();
    straight.dispose();
    const sizes = (await verifyCheckpoint(join(root, 'straight', 'step-00000002'))).files;
    const model = sizes['model.safetensors']!.bytes;
    const opt = sizes['optimizer.safetensors']!.bytes;
    const rest = sizes['config.json']!.bytes + sizes['trainer_state.json']!.bytes;
    const points: [string, number, RegExp][] = [
      ['nothing fits', 0, /model\.safetensors/],
      ['half of model.safetensors', Math.floor(model / 2), /model\.safetensors/],
      ['half of optimizer.safetensors', model + Math.floor(opt / 2), /optimizer\.safetensors/],
      ['all but the manifest', model + opt + rest + 10, /manifest\.json/],
    ];
    for (const [what, budget, file] of points) {
      const dir = join(root, `full-${budget}`);
      const run = build(dir, 8);
      disk.under = dir;
      disk.budget = Number.POSITIVE_INFINITY;
      run.trainer.on('checkpoint', (e) => {
        if (e.step === 4) disk.budget = budget; // the disk fills up after step 4's checkpoint
      });
      const error = await run.trainer.fit().then(
        () => null,
        (e: unknown) => e,
      );
      run.dispose();
      expect(error, what).toBeInstanceOf(CheckpointError);
      const msg = (error as CheckpointError).message;
      expect(msg).toMatch(file);
      expect(msg).toMatch(
        /step-00000006\/.*: cannot write \(ENOSPC: no space left on device, write\); the previous .* is untouched/,
      );
      // The failed save left no temp file and no manifest; the previous checkpoint verifies and is the newest.
      const files6 = await readdir(join(dir, 'step-00000006'));
      expect(files6.filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(files6).not.toContain('manifest.json');
      await verifyCheckpoint(join(dir, 'step-00000004'));
      expect(await latestCheckpoint(dir)).toBe(join(dir, 'step-00000004'));
      // Space is freed; a fresh process resumes from step 4 and ends where the uninterrupted run did.
      disk.budget = Number.POSITIVE_INFINITY;
      const again = build(dir, 8);
      expect(await again.trainer.resume()).toBe(join(dir, 'step-00000004'));
      await again.trainer.fit();
      const diff = maxDiff(want, again.weights());
      again.dispose();
      expect(diff, what).toBeLessThanOrEqual(1e-6);
      figures.count(
        'disk full during a checkpoint write (ENOSPC)',
        `Trainer.save (${what})`,
        'CheckpointError; previous intact; resumed',
      );
    }
    disk.under = '';
    expect(disk.failures).toBe(points.length);
    figures.crashesSurvived = points.length;
    figures.filesLost = 0; // every previous checkpoint verified and loaded above
  });
});

describe('non-finite losses and checkpoints', () => {
  it('NaN, +Inf and -Inf losses are skipped with the documented message; too many in a row stop the run', async () => {
    const values = new Map<number, number>([
      [1, Number.NaN],
      [3, Number.POSITIVE_INFINITY],
      [4, Number.NEGATIVE_INFINITY],
    ]);
    const run = build(undefined, 8, (s) => values.get(s) ?? 1);
    const messages: string[] = [];
    let last = run.weights();
    const unchanged: number[] = [];
    run.trainer.on('step', () => {
      last = run.weights();
    });
    run.trainer.on('nonfinite', (e) => {
      messages.push(e.message);
      unchanged.push(maxDiff(last, run.weights())); // a skipped step must not move a weight
    });
    const done = await run.trainer.fit();
    expect(done).toEqual({ step: 8, reason: 'completed', skippedSteps: 3 });
    expect(messages).toEqual([
      'step 1: non-finite loss (mse=NaN); update skipped (1 in a row, 1 in total; stopping after 5 in a row)',
      'step 3: non-finite loss (mse=Infinity); update skipped (1 in a row, 2 in total; stopping after 5 in a row)',
      'step 4: non-finite loss (mse=-Infinity); update skipped (2 in a row, 3 in total; stopping after 5 in a row)',
    ]);
    expect(unchanged).toEqual([0, 0, 0]);
    expect(run.weights().every(Number.isFinite)).toBe(true);
    for (const m of messages) {
      figures.count(
        `${/\(mse=([^)]+)\)/.exec(m)?.[1]} loss`,
        'Trainer (skip policy)',
        'skipped with message',
      );
    }
    run.dispose();

    const stop = build(undefined, 20, (s) => (s >= 2 ? Number.NaN : 1));
    (stop.trainer as unknown as { opts: { maxNonFiniteSteps: number } }).opts.maxNonFiniteSteps = 3;
    await expect(stop.trainer.fit()).rejects.toThrow(
      /^Trainer: 3 consecutive non-finite steps, last: step 4: non-finite loss \(mse=NaN\); update skipped \(3 in a row, 3 in total; stopping after 3 in a row\)\. Lower the lr, clip gradients, or check the data\.$/,
    );
    stop.dispose();
    figures.count(
      'NaN loss, every step',
      'Trainer (skip policy)',
      'stopped after maxNonFiniteSteps with message',
    );
  });

  it('a checkpoint holding NaN / Inf weights is refused at resume, naming the file and the tensor', async () => {
    for (const [k, bad] of [Number.NaN, Number.POSITIVE_INFINITY].entries()) {
      const dir = join(root, `poisoned-${k}`);
      const src = build(undefined, 1);
      const sd = src.model.stateDict();
      const w = sd['fc.weight'] as tf.Tensor;
      const values = Array.from(w.dataSync());
      values[5] = bad;
      const poisoned = tf.tensor(values, w.shape);
      await saveCheckpoint(join(dir, 'step-00000002'), {
        model: { ...sd, 'fc.weight': poisoned },
        config: {},
        state: { step: 2, skippedSteps: 0, data: 2, rngs: {} },
      });
      poisoned.dispose();
      src.dispose();
      const run = build(dir, 4);
      const n = tf.memory().numTensors;
      const error = await run.trainer.resume().then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(CheckpointError);
      expect(error?.message).toBe(
        `${join(dir, 'step-00000002', 'model.safetensors')}: tensor "fc.weight" has non-finite values (${bad} at index 5)`,
      );
      expect(tf.memory().numTensors).toBe(n);
      expect(run.trainer.step).toBe(0);
      run.dispose();
      figures.count(
        `${bad} weight in the checkpoint to resume`,
        'Trainer.resume',
        'CheckpointError naming file and tensor',
      );
    }
    // And the loader on its own still reads such a file when asked to (inspection, repair).
    const ck = await loadCheckpoint(join(root, 'poisoned-0', 'step-00000002'));
    expect(Number.isNaN(ck.model['fc.weight']!.dataSync()[5])).toBe(true);
    tf.dispose([...Object.values(ck.model), ...Object.values(ck.optimizer ?? {})]);
  });
});

// The process the kill -9 suite kills: a tiny two-tower contrastive model (two Linear towers, a learnable
// temperature, ALBEF's momentum copy and feature queues, a jitter Rng) trained by the real Trainer on the
// cpu backend with a checkpoint every few steps. It resumes from the newest complete checkpoint in its
// directory, prints one JSON line `{"resumedFrom": ...}`, and trains to the end; the final checkpoint is
// what the test compares with an uninterrupted run. Bundled by esbuild and run with plain node.
// Usage: node train-child.mjs <runDir> <totalSteps> <checkpointEvery>
import * as tf from '@tensorflow/tfjs-core';
import {
  alphaRamp,
  FeatureQueue,
  itcLoss,
  type LossOutput,
  l2Normalize,
  MomentumModel,
  type ResumableData,
  Temperature,
  Trainer,
} from '@vlp/pretrain';
import { Linear, Module, Rng, type RngState, selectBackend } from '@vlp/tensor-core';

const B = 8;
const N = 48;
const DX = 24;
const DY = 16;
const D = 32;

class TwoTower extends Module {
  readonly img: Linear;
  readonly txt: Linear;
  readonly temp: Temperature;
  constructor(rng: Rng) {
    super();
    this.img = this.registerModule('img', new Linear(DX, D, { rng }));
    this.txt = this.registerModule('txt', new Linear(DY, D, { rng }));
    this.temp = this.registerModule('temp', new Temperature(0.1));
  }
}

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}
interface Position {
  order: number[];
  index: number;
  rng: RngState;
}

/** N fixed noisy pairs, reshuffled per epoch by an Rng that is part of the data position. */
class PairData implements ResumableData<Batch> {
  private readonly xs: number[][];
  private readonly ys: number[][];
  private order: number[] = [];
  private index = 0;
  private readonly rng = new Rng(5);
  constructor() {
    const r = new Rng(123);
    this.xs = Array.from({ length: N }, () => Array.from({ length: DX }, () => r.normal()));
    this.ys = this.xs.map((x) => Array.from({ length: DY }, (_, j) => (x[j] as number) + 0.3 * r.normal()));
    this.reshuffle();
  }
  private reshuffle(): void {
    this.order = this.rng.shuffle([...Array(N).keys()]);
    this.index = 0;
  }
  next(): Batch {
    if (this.index + B > N) this.reshuffle();
    const ids = this.order.slice(this.index, this.index + B);
    this.index += B;
    return {
      x: tf.tensor2d(ids.map((i) => this.xs[i] as number[])), // [B, DX]
      y: tf.tensor2d(ids.map((i) => this.ys[i] as number[])), // [B, DY]
    };
  }
  getPosition(): Position {
    return { order: [...this.order], index: this.index, rng: this.rng.getState() };
  }
  setPosition(p: Position): void {
    this.order = [...p.order];
    this.index = p.index;
    this.rng.setState(p.rng);
  }
}

async function main(): Promise<void> {
  const [dir, totalArg, everyArg] = process.argv.slice(2);
  if (dir === undefined || totalArg === undefined || everyArg === undefined) {
    throw new Error('usage: train-child <runDir> <totalSteps> <checkpointEvery>');
  }
  await selectBackend('cpu');
  const model = new TwoTower(new Rng(0));
  const copy = new TwoTower(new Rng(1));
  const momentum = new MomentumModel(model, copy, { m: 0.9 });
  const iq = new FeatureQueue({ size: 16, dim: D, batchSize: B, rng: new Rng(2) });
  const tq = new FeatureQueue({ size: 16, dim: D, batchSize: B, rng: new Rng(3) });
  const jitter = new Rng(4);
  const lossFn = (b: Batch, step: number): LossOutput => {
    const imgM = tf.keep(l2Normalize(copy.img.forward(b.x))); // [B, D]
    const txtM = tf.keep(l2Normalize(copy.txt.forward(b.y))); // [B, D]
    const out = itcLoss({
      imageEmbeds: l2Normalize(model.img.forward(b.x)),
      textEmbeds: l2Normalize(model.txt.forward(b.y)),
      temperature: model.temp.value(),
      imageEmbedsM: imgM,
      textEmbedsM: txtM,
      imageQueue: iq.features,
      textQueue: tq.features,
      alpha: alphaRamp(step, 4),
    });
    const scale = 1 + 0.1 * jitter.uniform();
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
    data: new PairData(),
    totalSteps: Number(totalArg),
    lr: { lr: 0.05, warmupSteps: 2 },
    clipNorm: 1,
    momentum,
    state: { imageQueue: iq, textQueue: tq },
    rngs: { jitter },
    afterStep: () => model.temp.clamp(),
    checkpoint: { dir, every: Number(everyArg) },
    metricsFile: `${dir}/metrics.jsonl`,
    progress: false,
  });
  const from = await trainer.resume();
  process.stdout.write(`${JSON.stringify({ resumedFrom: from ?? null })}\n`);
  const done = await trainer.fit();
  process.stdout.write(`${JSON.stringify({ done })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

// Quick start for @vlp/pretrain: ingest a tiny corpus (with a broken file among it), stream mixed batches,
// train two linear towers with ITC + a momentum model + feature queues, stop, and resume exactly.
// Run after a build:
//   pnpm --filter @vlp/pretrain build && node packages/pretrain/examples/quickstart.mjs
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CorpusReader,
  FeatureQueue,
  ingest,
  itcLoss,
  l2Normalize,
  MomentumModel,
  mapData,
  readManifest,
  Temperature,
  Trainer,
} from '@vlp/pretrain';
import { Linear, Module, Rng, selectBackend } from '@vlp/tensor-core';
import { imagesToTensor, loadImage } from '@vlp/vision';
import sharp from 'sharp';

await selectBackend('cpu');
const root = await mkdtemp(join(tmpdir(), 'vlp-pretrain-'));

// 1. A corpus: eight coloured squares with captions, plus one corrupt file and one empty caption.
const colours = {
  red: [255, 0, 0],
  green: [0, 160, 0],
  blue: [0, 0, 255],
  yellow: [255, 220, 0],
  black: [0, 0, 0],
  white: [255, 255, 255],
  purple: [128, 0, 128],
  orange: [255, 140, 0],
};
await mkdir(join(root, 'img'));
const lines = [];
for (const [name, [r, g, b]] of Object.entries(colours)) {
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g, b } } })
    .png()
    .toFile(join(root, 'img', `${name}.png`));
  lines.push(JSON.stringify({ image: `img/${name}.png`, caption: [`a ${name} square`, `${name}`] }));
}
await writeFile(join(root, 'img', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
lines.push(
  JSON.stringify({ image: 'img/broken.png', caption: 'broken' }),
  JSON.stringify({ image: 'img/red.png', caption: '' }),
);
await writeFile(join(root, 'pairs.jsonl'), `${lines.join('\n')}\n`);
const { path } = await ingest([{ kind: 'jsonl', name: 'squares', path: join(root, 'pairs.jsonl') }], {
  outDir: join(root, 'corpus'),
});
const manifest = await readManifest(path);
console.log(
  'counts',
  manifest.sources[0].counts,
  'skipped',
  manifest.skipped.map((s) => s.reason),
);

// 2. Two towers: mean colour -> 8-d, character trigram hash of the caption -> 8-d.
class Towers extends Module {
  constructor(rng) {
    super();
    this.img = this.registerModule('img', new Linear(3, 8, { rng }));
    this.txt = this.registerModule('txt', new Linear(32, 8, { rng }));
    this.temp = this.registerModule('temp', new Temperature(0.1));
  }
}
const hashText = (s) => {
  const v = new Float32Array(32);
  for (let i = 0; i + 3 <= s.length; i++)
    v[(s.charCodeAt(i) * 31 + s.charCodeAt(i + 1) * 7 + s.charCodeAt(i + 2)) % 32] += 1;
  return Array.from(v);
};

function build(seed) {
  const batchSize = 4;
  const reader = new CorpusReader(manifest, { batchSize, seed: 1, dir: join(root, 'corpus') });
  const data = mapData(reader, async (b) => {
    const images = await Promise.all(
      b.pairs.map(async (p) => loadImage(await reader.readImage(p.image), { imageSize: 8 })),
    );
    const pixels = imagesToTensor(images, 'clip'); // [B, 8, 8, 3]
    const x = tf.mean(pixels, [1, 2]); // [B, 3]
    pixels.dispose();
    return { x, y: tf.tensor2d(b.pairs.map((p) => hashText(p.caption))) }; // [B, 3], [B, 32]
  });
  const model = new Towers(new Rng(seed));
  const copy = new Towers(new Rng(seed + 1));
  const momentum = new MomentumModel(model, copy, { m: 0.995 });
  const iq = new FeatureQueue({ size: 8, dim: 8, batchSize, rng: new Rng(2) });
  const tq = new FeatureQueue({ size: 8, dim: 8, batchSize, rng: new Rng(3) });
  const lossFn = (b) => {
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
      alpha: 0.4,
    });
    return {
      ...out,
      after: (ok) => {
        if (ok) {
          iq.enqueue(imgM);
          tq.enqueue(txtM);
        }
        tf.dispose([imgM, txtM]);
      },
    };
  };
  const trainer = new Trainer({
    model,
    lossFn,
    data,
    totalSteps: 60,
    lr: { lr: 0.05, warmupSteps: 5 },
    clipNorm: 1,
    momentum,
    state: { imageQueue: iq, textQueue: tq },
    afterStep: () => model.temp.clamp(),
    checkpoint: { dir: join(root, 'run'), every: 20 },
    metricsFile: join(root, 'run', 'metrics.jsonl'),
  });
  return { trainer, model };
}

// 3. Train, interrupt at step 30 (as Ctrl-C would), then resume in a fresh build.
const first = build(0);
first.trainer.on('step', (e) => {
  if (e.step % 10 === 0)
    console.log(
      `step ${e.step} loss ${e.loss.toFixed(4)} acc ${e.logs.acc.toFixed(2)} lr ${e.lr.toExponential(2)}`,
    );
  if (e.step === 30) first.trainer.requestStop();
});
console.log('first run:', await first.trainer.fit());
const second = build(99);
console.log('resumed from', await second.trainer.resume());
second.trainer.on('step', (e) => {
  if (e.step % 10 === 0) console.log(`step ${e.step} loss ${e.loss.toFixed(4)} acc ${e.logs.acc.toFixed(2)}`);
});
console.log('second run:', await second.trainer.fit());

// Fine-tuning on real emoji (emoji-datasource-google 64 px PNGs, via @vlp/pretrain's catalogue): a
// folder-per-class set of six visually distinct subcategories, a frozen cavl-tiny image tower with
// Adapter II (+ Adapter I) and a linear head against full fine-tuning of the same tower; frozen weights
// stay bit-identical, adapters and head move, and no tensor leaks.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, loadEmojiCatalog, type VlpModel } from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachAdapterII } from '../adapters/adapter-ii.js';
import { parameterCounts } from '../adapters/freeze.js';
import { disposeTaskData, imageClassificationData, type TaskData } from './data.js';
import { evaluateTask, type FineTuneReport, fineTune } from './finetune.js';
import { type LabelledImage, loadImageFolder, splitPerClass } from './folder.js';
import { ImageClassifier } from './models.js';

/** Subcategories (emoji-datasource names) as classes; `face-` gathers every smiley-face subcategory. */
const CLASSES: Record<string, (sub: string) => boolean> = {
  flag: (s) => s === 'country-flag',
  face: (s) => s.startsWith('face-'),
  mammal: (s) => s === 'animal-mammal',
  alphanum: (s) => s === 'alphanum',
  heart: (s) => s === 'heart',
  clock: (s) => s === 'time',
};
const PER_CLASS = 36;
/**
 * The comparison's backbone. VLP_FINETUNE_RECIPE=cavl-small (ViT width 384, 6 blocks, 128 px) repeats it
 * at a size where the adapters are a few percent of the tower; minutes, not part of the default suite.
 */
const RECIPE = process.env.VLP_FINETUNE_RECIPE ?? 'cavl-tiny';
const EPOCHS = RECIPE === 'cavl-tiny' ? 12 : 4;

/** Copies up to PER_CLASS google emoji per class into root/<class>/<file>.png; returns root. */
function emojiFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'vlp-finetune-'));
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  for (const [name, match] of Object.entries(CLASSES)) {
    mkdirSync(join(root, name));
    const picked = records.filter((r) => r.images.google !== undefined && match(r.subcategory));
    const stride = Math.max(1, Math.floor(picked.length / PER_CLASS));
    for (const r of picked.filter((_, i) => i % stride === 0).slice(0, PER_CLASS)) {
      copyFileSync(r.images.google as string, join(root, name, r.file));
    }
  }
  return root;
}

function backbone(recipe = 'cavl-tiny'): VlpModel {
  return createModel(recipe, {}, new Rng(0), { vocabSize: 64, batchSize: 8 });
}

let train: TaskData;
let test: TaskData;
let trainItems: LabelledImage[] = [];
let numClasses = 0;
let backend = '';

beforeAll(async () => {
  // onnxruntime's CPU kernels when the native binding loads (about 8x the pure-JS backend here).
  backend = await selectBackend('ort')
    .catch(() => selectBackend('cpu'))
    .then((b) => b.name);
  const folder = loadImageFolder(emojiFolder());
  numClasses = folder.classes.length;
  const split = splitPerClass(folder.items, 0.25, 0);
  trainItems = split.train;
  const probe = backbone(RECIPE);
  train = await imageClassificationData(split.train, probe.towers.vision);
  test = await imageClassificationData(split.test, probe.towers.vision);
  probe.dispose();
});

describe('fineTune', () => {
  it('moves only adapters and head; the frozen backbone stays bit-identical; no tensor leak', async () => {
    const model = backbone();
    const clf = new ImageClassifier(model.towers.vision, {
      numClasses,
      adapterI: { hidden: 8 },
      rng: new Rng(1),
    });
    attachAdapterII(clf.encoder, { bottleneck: 4, rng: new Rng(2) });
    const snapshot = new Map(
      clf.namedParameters({ includeFrozen: true }).map(([n, v]) => [n, v.dataSync().slice()]),
    );
    const small = await imageClassificationData(trainItems.slice(0, 8), clf.encoder);
    const opts = { train: small, mode: 'adapters', batchSize: 8, lr: 1e-2 } as const;
    const before = tf.memory().numTensors;
    // Two steps: the zero-initialised up-projections move first, then everything below them gets gradient.
    const report = await fineTune(clf, { ...opts, epochs: 2 });
    expect(tf.memory().numTensors).toBe(before);
    let frozen = 0;
    let moved = 0;
    for (const [name, v] of clf.namedParameters({ includeFrozen: true })) {
      const same = Array.from(v.dataSync()).every((x, i) => Object.is(x, snapshot.get(name)?.[i]));
      if (v.trainable) {
        expect(same, `${name} should have moved`).toBe(false);
        moved++;
      } else {
        expect(same, `${name} should be bit-identical`).toBe(true);
        frozen++;
      }
    }
    // 4 Adapter II x (down, up) x (weight, bias) + Adapter I 3 Linears x 2 + head 2.
    expect(moved).toBe(16 + 6 + 2);
    expect(frozen).toBeGreaterThan(20);
    expect(report.trainableParams).toBe(parameterCounts(clf).trainable);
    expect(report.epochs.map((e) => Number.isFinite(e.loss))).toEqual([true, true]);
    disposeTaskData(small);
    model.dispose();
    clf.dispose();
  });

  it(
    'classifies held-out emoji by subcategory well above chance; adapters vs full fine-tuning',
    async () => {
      const n = train.targets.shape[0] as number;
      const chance = 1 / numClasses;
      const run = async (mode: 'adapters' | 'full'): Promise<FineTuneReport> => {
        const model = backbone(RECIPE);
        const clf = new ImageClassifier(model.towers.vision, {
          numClasses,
          ...(mode === 'adapters' ? { adapterI: { hidden: 16 } } : {}),
          rng: new Rng(3),
        });
        if (mode === 'adapters') attachAdapterII(clf.encoder, { bottleneck: 8, rng: new Rng(4) });
        const accBefore = evaluateTask(clf, test);
        const r = await fineTune(clf, {
          train,
          test,
          mode,
          epochs: EPOCHS,
          batchSize: 16,
          lr: mode === 'adapters' ? 5e-3 : 1e-3,
          onEpoch: (e) =>
            process.stderr.write(
              `${mode} epoch ${e.epoch}: loss ${e.loss.toFixed(3)} ${e.seconds.toFixed(2)} s\n`,
            ),
        });
        console.log(
          `${RECIPE} ${mode}: ${r.trainableParams}/${r.totalParams} trainable params, ${r.secondsPerEpoch.toFixed(2)} s/epoch ` +
            `(${n} images, ${backend} backend, noisy), held-out accuracy ${accBefore.toFixed(3)} -> ${r.accuracy?.toFixed(3)} (chance ${chance.toFixed(3)})`,
        );
        clf.dispose();
        model.dispose();
        return r;
      };
      const adapters = await run('adapters');
      const full = await run('full');
      expect(adapters.accuracy).toBeGreaterThan(2.5 * chance);
      expect(full.accuracy).toBeGreaterThan(2.5 * chance);
      expect(adapters.trainableParams).toBeLessThan(0.25 * full.trainableParams);
    },
    RECIPE === 'cavl-tiny' ? 120_000 : 1_800_000,
  );
});

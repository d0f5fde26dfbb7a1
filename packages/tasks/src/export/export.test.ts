// ONNX export parity on real emoji PNGs: ViT and ResNet image towers and the BERT text tower (with their
// projections) run through onnxruntime-node match the TensorFlow.js model within 1e-4; zero-shot labelling
// of a folder gives the same labels on both; the exported files round-trip through loadOnnxEmbedder.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, loadEmojiCatalog, type RecipeOverrides, type VlpModel } from '@vlp/pretrain';
import { BatchNorm2d, Rng, selectBackend } from '@vlp/tensor-core';
import { trainWordPiece, type WordPieceTokenizer } from '@vlp/text';
import { loadImages, normalizeInto, type RgbImage } from '@vlp/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { labelFolder } from '../label/label.js';
import { readLabelled } from '../label/output.js';
import { ZeroShotClassifier } from '../zeroshot/classifier.js';
import { vlpEmbedder } from '../zeroshot/embedder.js';
import { exportImageTower, exportTowers } from './export.js';
import { loadOnnxEmbedder } from './onnx-embedder.js';
import { OnnxTower } from './onnx-tower.js';
import { writeSidecar } from './sidecar.js';

const N_IMAGES = 12;

let names: string[];
let paths: string[];
let tokenizer: WordPieceTokenizer;

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) => {
    const other = b[i] as Float32Array;
    expect(row.length).toBe(other.length);
    for (let k = 0; k < row.length; k++) m = Math.max(m, Math.abs((row[k] as number) - (other[k] as number)));
  });
  return m;
}

/** Random BatchNorm statistics and affine parameters, so folding BN into the convs is really exercised. */
function randomiseBatchNorms(model: VlpModel, seed: number): void {
  const rng = new Rng(seed);
  for (const [, m] of model.towers.vision.namedModules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const c = m.channels;
    const u = (lo: number, hi: number) => tf.tensor1d(Array.from({ length: c }, () => rng.uniform(lo, hi)));
    m.runningMean.assign(u(-0.5, 0.5));
    m.runningVar.assign(u(0.3, 2));
    m.weight.assign(u(0.5, 1.5));
    m.bias.assign(u(-0.3, 0.3));
  }
}

beforeAll(async () => {
  await selectBackend('cpu');
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  const picked = records.filter((r) => r.images.google !== undefined);
  const stride = Math.floor(picked.length / N_IMAGES);
  const chosen = Array.from({ length: N_IMAGES }, (_, i) => picked[i * stride]!);
  names = chosen.map((r) => r.name.toLowerCase());
  paths = chosen.map((r) => r.images.google as string);
  tokenizer = trainWordPiece(
    records.slice(0, 400).map((r) => r.name.toLowerCase()),
    { vocabSize: 300 },
  ).tokenizer;
});

/**
 * Adds N(0, 0.2) noise to every tower parameter: at init a tiny tower barely depends on its input, which
 * would make a 1e-4 parity check nearly vacuous; these weights spread embeddings of different inputs apart.
 */
function perturb(model: VlpModel, seed: number): void {
  model.towers.namedParameters().forEach(([, v], i) => {
    tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.2, 'float32', seed + i))));
  });
}

async function parity(recipe: string, prepare?: (m: VlpModel) => void, overrides: RecipeOverrides = {}) {
  const model = createModel(recipe, overrides, new Rng(7), { vocabSize: tokenizer.vocabSize, batchSize: 8 });
  perturb(model, 11);
  prepare?.(model);
  const dir = await mkdtemp(join(tmpdir(), `vlp-export-${recipe}-`));
  const tensors = tf.memory().numTensors;
  const files = await exportTowers(model, dir, { tokenizer });
  expect(tf.memory().numTensors).toBe(tensors); // export reads weights, creates no tensors
  const ref = vlpEmbedder({ model, tokenizer });
  const onnx = await loadOnnxEmbedder(dir);
  try {
    const { images, skipped } = await loadImages(paths, { ...ref.imageLoad, concurrency: 2 });
    expect(skipped).toEqual([]);
    expect(onnx.imageLoad).toEqual(ref.imageLoad);
    const refImages = await ref.embedImages(images);
    const refTexts = await ref.embedTexts(names);
    const imgDiff = maxAbsDiff(await onnx.embedImages(images), refImages);
    const txtDiff = maxAbsDiff(await onnx.embedTexts(names), refTexts);
    // Not vacuous: embeddings of different inputs differ by far more than the tolerance.
    expect(maxAbsDiff(refImages.slice(1), refImages.slice(0, -1))).toBeGreaterThan(0.1);
    expect(maxAbsDiff(refTexts.slice(1), refTexts.slice(0, -1))).toBeGreaterThan(0.1);
    return { model, dir, files, ref, onnx, images, refImages, imgDiff, txtDiff };
  } catch (err) {
    await onnx.dispose();
    throw err;
  }
}

describe('exportTowers', () => {
  it('ViT and text towers with projections match TensorFlow.js within 1e-4 (albef-tiny)', async () => {
    const { model, onnx, files, imgDiff, txtDiff } = await parity('albef-tiny');
    console.log(`albef-tiny parity: image ${imgDiff.toExponential(2)}, text ${txtDiff.toExponential(2)}`);
    expect(files.imageSidecar.architecture).toBe('vit');
    expect(files.textSidecar.text?.tokenizer).toBe('tokenizer.json');
    expect(onnx.dim).toBe(model.recipe.embedDim);
    expect(imgDiff).toBeLessThan(1e-4);
    expect(txtDiff).toBeLessThan(1e-4);
    await onnx.dispose();
    model.dispose();
  });

  it('ResNet tower with BatchNorm folded and random running statistics matches within 1e-4 (pixelbert-tiny)', async () => {
    const { model, onnx, files, images, refImages, dir, imgDiff, txtDiff } = await parity(
      'pixelbert-tiny',
      (m) => randomiseBatchNorms(m, 3),
    );
    // Opset 18 (ReduceMean takes its axes as an input there) gives the same embeddings.
    const v18 = exportImageTower(model.towers.vision, model.towers.visionProj, { opset: 18 });
    const file18 = join(dir, 'image18.onnx');
    await writeFile(file18, v18.onnx);
    await writeSidecar(file18, v18.sidecar);
    const tower18 = await OnnxTower.load(file18);
    const per = 32 * 32 * 3;
    const buf = new Float32Array(images.length * per);
    images.forEach((im, k) => {
      normalizeInto(im, buf, k * per, 'imagenet');
    });
    expect(maxAbsDiff(await tower18.embedPixels(buf, images.length), refImages)).toBeLessThan(1e-4);
    await tower18.dispose();
    console.log(`pixelbert-tiny parity: image ${imgDiff.toExponential(2)}, text ${txtDiff.toExponential(2)}`);
    expect(files.imageSidecar.architecture).toBe('cnn');
    expect(files.imageSidecar.image?.normalization.preset).toBe('imagenet');
    expect(imgDiff).toBeLessThan(1e-4);
    expect(txtDiff).toBeLessThan(1e-4);
    await onnx.dispose();
    model.dispose();
  });

  it("ResNet tower with pool 'flatten' (the head over the whole map) matches within 1e-4", async () => {
    const image = { name: 'resnet-tiny', overrides: { pool: 'flatten' as const, dim: 48 } };
    const { model, onnx, files, imgDiff } = await parity('cavl-tiny', (m) => randomiseBatchNorms(m, 5), {
      image,
    });
    console.log(`resnet flatten parity: image ${imgDiff.toExponential(2)}`);
    expect(files.imageSidecar.architecture).toBe('cnn');
    expect(imgDiff).toBeLessThan(1e-4);
    await onnx.dispose();
    model.dispose();
  });

  it("the demo's towers (ResNet head as its own projection, mean-pooled text) match within 1e-4", async () => {
    const overrides: RecipeOverrides = {
      image: { name: 'resnet-tiny', overrides: { stemStride: 2, pool: 'flatten', dim: 40 } },
      text: {
        name: 'bert-tiny',
        overrides: { dim: 32, heads: 2, mlpDim: 64, dropout: 0, maxPositions: 32, pooling: 'mean' },
      },
      embedDim: 40,
      imageProjection: false,
    };
    const { model, onnx, files, imgDiff, txtDiff } = await parity(
      'cavl-tiny',
      (m) => randomiseBatchNorms(m, 9),
      overrides,
    );
    console.log(`demo towers parity: image ${imgDiff.toExponential(2)}, text ${txtDiff.toExponential(2)}`);
    expect(model.towers.visionProj).toBeUndefined();
    // no projection: the image graph's embedding is the head's `cls`, which the loader normalises
    expect(files.imageSidecar.embeddingOutput).toBe('cls');
    expect(files.imageSidecar.normalized).toBe(false);
    expect(imgDiff).toBeLessThan(1e-4);
    // the names have different lengths: the masked mean over padded rows is really exercised
    expect(new Set(names.map((n) => tokenizer.encode(n).inputIds.length)).size).toBeGreaterThan(1);
    expect(txtDiff).toBeLessThan(1e-4);
    await onnx.dispose();
    model.dispose();
  });

  it('zero-shot labels (classifier and labelFolder) on the ONNX towers equal those of the tfjs model', async () => {
    const { model, onnx, ref, images, dir } = await parity('cavl-tiny');
    const labels = names.slice(0, 6);
    const zsRef = await ZeroShotClassifier.create(ref, { labels });
    const zsOnnx = await ZeroShotClassifier.create(onnx, { labels });
    const a = await zsRef.classify(images as RgbImage[], { topK: 2 });
    const b = await zsOnnx.classify(images as RgbImage[], { topK: 2 });
    expect(b.map((p) => p.labels[0]?.label)).toEqual(a.map((p) => p.labels[0]?.label));
    expect(new Set(a.map((p) => p.labels[0]?.label)).size).toBeGreaterThan(1); // not one label for all
    b.forEach((p, i) => {
      expect(p.labels[0]?.score).toBeCloseTo(a[i]?.labels[0]?.score ?? Number.NaN, 3);
    });
    // The same through labelFolder on a folder of the PNGs.
    const folder = join(dir, 'photos');
    await mkdir(folder);
    await Promise.all(paths.map((p, i) => copyFile(p, join(folder, `${String(i).padStart(2, '0')}.png`))));
    const output = join(dir, 'labels.jsonl');
    const summary = await labelFolder({ dir: folder, embedder: onnx, labels, output, topK: 2, batchSize: 5 });
    expect(summary.labelled).toBe(N_IMAGES);
    const { rows } = await readLabelled(output);
    const byPath = new Map(rows.map((r) => [r.path, r.label]));
    expect(paths.map((_, i) => byPath.get(`${String(i).padStart(2, '0')}.png`))).toEqual(
      a.map((p) => p.labels[0]?.label),
    );
    await onnx.dispose();
    model.dispose();
  });

  it('refuses a tokenizer whose vocabulary does not fit the text encoder', async () => {
    const model = createModel('cavl-tiny', {}, new Rng(0), {
      vocabSize: tokenizer.vocabSize + 5,
      batchSize: 8,
    });
    const dir = await mkdtemp(join(tmpdir(), 'vlp-export-vocab-'));
    await expect(exportTowers(model, dir, { tokenizer })).rejects.toThrow(
      `tokenizer has ${tokenizer.vocabSize} tokens, the text encoder ${tokenizer.vocabSize + 5}`,
    );
    model.dispose();
  });
});

// Loaders on hand-written fixtures with real emoji PNGs: VQA questions + annotations (answer
// normalisation, vocabulary and soft scores checked by hand), NLVR2 JSON Lines, folder per class; every
// bad input names its file. Then one short adaptive fine-tuning run of the VQA and NLVR2 heads.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, loadEmojiCatalog, trainCaptionTokenizer } from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachAdapterII } from '../adapters/adapter-ii.js';
import { disposeTaskData, imageClassificationData, nlvr2Data, vqaData } from './data.js';
import { fineTune } from './finetune.js';
import { loadImageFolder, splitPerClass } from './folder.js';
import { PairClassifier, VqaClassifier } from './models.js';
import { loadNlvr2 } from './nlvr2.js';
import { buildAnswerVocab, loadVqa, normalizeAnswer, vqaTargets } from './vqa.js';

let dir = '';
/** Three real emoji PNGs: a heart, a car, a dog. */
let png: { heart: string; car: string; dog: string };

beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'vlp-loaders-'));
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  const find = (name: string) => {
    const r = records.find((x) => x.name === name && x.images.google !== undefined);
    if (!r) throw new Error(`no emoji "${name}"`);
    return r.images.google as string;
  };
  png = { heart: find('red heart'), car: find('automobile'), dog: find('dog') };
});

function write(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

function vqaFixture(): { questions: string; annotations: string; imageRoot: string } {
  const imageRoot = join(dir, 'vqa-images');
  mkdirSync(imageRoot, { recursive: true });
  copyFileSync(png.heart, join(imageRoot, '1.png'));
  copyFileSync(png.car, join(imageRoot, '2.png'));
  copyFileSync(png.dog, join(imageRoot, '3.png'));
  const questions = write('q.json', {
    questions: [
      { image_id: 1, question: 'What colour is the heart?', question_id: 10 },
      { image_id: 2, question: 'How many wheels can you see?', question_id: 11 },
      { image_id: 3, question: 'Is it a dog?', question_id: 12 },
    ],
  });
  const answers = (xs: string[]) => xs.map((answer, i) => ({ answer, answer_id: i + 1 }));
  const annotations = write('a.json', {
    annotations: [
      {
        question_id: 10,
        image_id: 1,
        answers: answers(['Red', 'red', 'red.', 'RED', 'pink', 'red', 'red', 'dark red', 'red', 'the red']),
      },
      {
        question_id: 11,
        image_id: 2,
        answers: answers(['two', '2', '2', 'three', '2', 'two', '2', '2', '2', '4']),
      },
      {
        question_id: 12,
        image_id: 3,
        answers: answers(['yes', 'yes', 'no', 'yes', 'no', 'yes', 'no', 'yes', 'no', 'yes']),
      },
    ],
  });
  return { questions, annotations, imageRoot };
}

describe('VQA loader', () => {
  it('normalises answers like the VQA evaluation', () => {
    expect(normalizeAnswer('Two.')).toBe('2');
    expect(normalizeAnswer('The Red  one!')).toBe('red 1');
    expect(normalizeAnswer('2.5')).toBe('2.5');
    expect(normalizeAnswer('1,000')).toBe('1000');
    expect(normalizeAnswer("it's a dog")).toBe('its dog');
  });

  it('builds the answer vocabulary and soft scores (checked by hand)', () => {
    const qs = loadVqa(vqaFixture());
    expect(qs.map((q) => [q.questionId, q.imagePath.endsWith(`${q.imageId}.png`)])).toEqual([
      [10, true],
      [11, true],
      [12, true],
    ]);
    // red 8, 2 8, yes 6, no 4, then the singletons 3, 4, dark red, pink (count desc, then alphabetical).
    const vocab = buildAnswerVocab(qs);
    expect(vocab.answers).toEqual(['2', 'red', 'yes', 'no', '3', '4', 'dark red', 'pink']);
    expect(vocab.counts).toEqual([8, 8, 6, 4, 1, 1, 1, 1]);
    expect(buildAnswerVocab(qs, { minCount: 2 }).answers).toEqual(['2', 'red', 'yes', 'no']);
    expect(buildAnswerVocab(qs, { maxAnswers: 3 }).answers).toEqual(['2', 'red', 'yes']);
    const third = Math.fround(1 / 3);
    expect(Array.from(vqaTargets(qs[0] as never, vocab))).toEqual([0, 1, 0, 0, 0, 0, third, third]);
    expect(Array.from(vqaTargets(qs[1] as never, vocab))).toEqual([1, 0, 0, 0, third, third, 0, 0]);
    expect(Array.from(vqaTargets(qs[2] as never, vocab))).toEqual([0, 0, 1, 1, 0, 0, 0, 0]); // 6/3 and 4/3 capped
    expect(Array.from(vqaTargets(qs[2] as never, vocab, 'top'))).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    // Only answers inside a smaller vocabulary count.
    expect(Array.from(vqaTargets(qs[0] as never, buildAnswerVocab(qs, { minCount: 2 })))).toEqual([
      0, 1, 0, 0,
    ]);
  });

  it('accepts COCO file names from data_subtype', () => {
    const root = join(dir, 'coco');
    mkdirSync(root, { recursive: true });
    copyFileSync(png.dog, join(root, 'COCO_val2014_000000000042.jpg'));
    const questions = write('coco-q.json', {
      data_subtype: 'val2014',
      questions: [{ image_id: 42, question: 'What animal?', question_id: 420 }],
    });
    const [q] = loadVqa({ questions, imageRoot: root });
    expect(q?.imagePath).toBe(join(root, 'COCO_val2014_000000000042.jpg'));
    expect(q?.answers).toEqual([]);
  });

  it('names the file on bad JSON, a wrong shape, an unknown question and a missing image', () => {
    const f = vqaFixture();
    const bad = write('bad.json', '{"questions": [');
    expect(() => loadVqa({ ...f, questions: bad })).toThrow(`VQA questions ${bad}: not valid JSON`);
    const shape = write('shape.json', { questions: [{ image_id: 1, question_id: 5 }] });
    expect(() => loadVqa({ ...f, questions: shape })).toThrow(
      new RegExp(`${shape}: unexpected shape: questions.0.question`),
    );
    const orphan = write('orphan.json', { annotations: [{ question_id: 77, answers: [{ answer: 'x' }] }] });
    expect(() => loadVqa({ ...f, annotations: orphan })).toThrow(
      `${orphan}: question_id 77 is not in ${f.questions}`,
    );
    const missing = write('missing.json', { questions: [{ image_id: 99, question: 'q?', question_id: 1 }] });
    expect(() => loadVqa({ questions: missing, imageRoot: f.imageRoot })).toThrow(
      new RegExp(`${missing}: image of image_id 99 .*not found; tried ${join(f.imageRoot, '99.png')}`),
    );
    expect(() => loadVqa({ ...f, questions: join(dir, 'nope.json') })).toThrow(/nope\.json: file not found/);
  });
});

describe('NLVR2 loader', () => {
  function fixture(): { file: string; imageRoot: string } {
    const imageRoot = join(dir, 'nlvr2');
    mkdirSync(join(imageRoot, '7'), { recursive: true });
    copyFileSync(png.heart, join(imageRoot, 'dev-1-0-img0.png'));
    copyFileSync(png.heart, join(imageRoot, 'dev-1-0-img1.png'));
    copyFileSync(png.car, join(imageRoot, '7', 'train-5-2-img0.png'));
    copyFileSync(png.dog, join(imageRoot, '7', 'train-5-2-img1.png'));
    copyFileSync(png.dog, join(imageRoot, 'left.png'));
    const lines = [
      { identifier: 'dev-1-0-0', sentence: 'Both pictures show a heart.', label: 'True' },
      { identifier: 'train-5-2-3', sentence: 'There are two dogs.', label: 'False', directory: 7 },
      {
        identifier: 'x-1',
        sentence: 'A dog and a heart.',
        label: true,
        left_image: 'left.png',
        right_image: 'dev-1-0-img0.png',
      },
    ];
    return { file: write('nlvr2.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`), imageRoot };
  }

  it('reads JSON Lines with derived, per-directory and explicit image paths', () => {
    const f = fixture();
    const ex = loadNlvr2(f);
    expect(ex.map((e) => [e.identifier, e.label])).toEqual([
      ['dev-1-0-0', true],
      ['train-5-2-3', false],
      ['x-1', true],
    ]);
    expect(ex[1]?.images).toEqual([
      join(f.imageRoot, '7', 'train-5-2-img0.png'),
      join(f.imageRoot, '7', 'train-5-2-img1.png'),
    ]);
    expect(ex[2]?.images).toEqual([join(f.imageRoot, 'left.png'), join(f.imageRoot, 'dev-1-0-img0.png')]);
    // A JSON array holds the same records.
    const arr = write('nlvr2-array.json', `[${readFileSync(f.file, 'utf8').trim().split('\n').join(',')}]`);
    expect(loadNlvr2({ ...f, file: arr })).toEqual(ex);
  });

  it('names the file and line on a bad record and a missing image', () => {
    const f = fixture();
    const bad = write(
      'bad.jsonl',
      '{"identifier":"a-1","sentence":"s","label":"True"}\n{"identifier":"b-1","sentence":"s","label":"maybe"}\n',
    );
    expect(() => loadNlvr2({ ...f, file: bad })).toThrow(new RegExp(`NLVR2 ${bad}: line 2: label`));
    const broken = write('broken.jsonl', '{"identifier":\n');
    expect(() => loadNlvr2({ ...f, file: broken })).toThrow(`NLVR2 ${broken}: line 1 is not valid JSON`);
    const missing = write('missing.jsonl', '{"identifier":"dev-9-0-0","sentence":"s","label":"False"}\n');
    expect(() => loadNlvr2({ ...f, file: missing })).toThrow(
      `NLVR2 ${missing}: image of "dev-9-0-0" not found; tried ${join(f.imageRoot, 'dev-9-0-img0.png')}`,
    );
  });
});

describe('image folder loader', () => {
  it('labels classes by sorted folder name and names bad inputs', async () => {
    const root = join(dir, 'folder');
    for (const c of ['dog', 'car']) mkdirSync(join(root, c), { recursive: true });
    copyFileSync(png.dog, join(root, 'dog', 'a.png'));
    copyFileSync(png.dog, join(root, 'dog', 'b.png'));
    copyFileSync(png.car, join(root, 'car', 'a.png'));
    writeFileSync(join(root, 'car', 'notes.txt'), 'not an image');
    const ds = loadImageFolder(root);
    expect(ds.classes).toEqual(['car', 'dog']);
    expect(ds.items.map((i) => [i.path.slice(root.length + 1), i.label])).toEqual([
      ['car/a.png', 0],
      ['dog/a.png', 1],
      ['dog/b.png', 1],
    ]);
    const split = splitPerClass(ds.items, 0.5, 0);
    expect([split.train.length, split.test.length]).toEqual([2, 1]);
    expect(() => loadImageFolder(join(dir, 'absent'))).toThrow(/absent does not exist/);
    mkdirSync(join(root, 'empty'));
    expect(() => loadImageFolder(root)).toThrow(`class folder ${join(root, 'empty')} has no images`);
    // A truncated PNG fails the data build, naming the file.
    const bytes = readFileSync(png.dog);
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const vision = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: 32, batchSize: 2 });
    await expect(imageClassificationData([{ path: cut, label: 0 }], vision)).rejects.toThrow(cut);
    vision.dispose();
  });
});

describe('VQA and NLVR2 heads', () => {
  it('fine-tune adaptively on the fixtures with finite losses and no tensor leak', async () => {
    const qs = loadVqa(vqaFixture());
    const vocab = buildAnswerVocab(qs);
    const tok = trainCaptionTokenizer([...qs.map((q) => q.question), 'both pictures show a heart'], 80);
    const before = tf.memory().numTensors;
    const model = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 3 });
    const vqa = new VqaClassifier(model, { numAnswers: vocab.answers.length, rng: new Rng(1) });
    attachAdapterII(vqa.backbone.towers, { bottleneck: 4 });
    const data = await vqaData(qs, vocab, model, tok);
    expect(data.targets.shape).toEqual([3, 8]);
    const r = await fineTune(vqa, {
      train: data,
      test: data,
      mode: 'adapters',
      epochs: 3,
      batchSize: 3,
      lr: 1e-2,
    });
    expect(r.epochs.every((e) => Number.isFinite(e.loss))).toBe(true);
    expect(r.epochs[2]?.loss).toBeLessThan(r.epochs[0]?.loss as number);
    // VQA accuracy: the soft score of the predicted answer, within [0, 1].
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.accuracy).toBeLessThanOrEqual(1);
    expect(r.trainableParams).toBeLessThan(r.totalParams / 2);
    disposeTaskData(data);
    vqa.dispose();

    const pairModel = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 3 });
    const nlvr = new PairClassifier(pairModel, { rng: new Rng(2) });
    attachAdapterII(nlvr.backbone.towers, { bottleneck: 4 });
    const ex = loadNlvr2({
      file: write(
        'pairs.jsonl',
        `${JSON.stringify({ identifier: 'p-0', sentence: 'both pictures show a heart', label: true, left_image: png.heart, right_image: png.heart })}\n${JSON.stringify({ identifier: 'p-1', sentence: 'both pictures show a heart', label: false, left_image: png.heart, right_image: png.dog })}\n`,
      ),
      imageRoot: dir,
    });
    const pairs = await nlvr2Data(ex, pairModel, tok);
    expect(Array.from(pairs.targets.dataSync())).toEqual([1, 0]);
    const p = await fineTune(nlvr, {
      train: pairs,
      test: pairs,
      mode: 'adapters',
      epochs: 20,
      batchSize: 2,
      lr: 1e-2,
    });
    expect(p.epochs.every((e) => Number.isFinite(e.loss))).toBe(true);
    expect(p.accuracy).toBe(1); // two examples, twenty steps: memorised
    disposeTaskData(pairs);
    nlvr.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// VQA as classification over an answer vocabulary (Antol et al. 2015; Goyal et al. 2017, VQA v2; the
// classifier formulation of Teney et al. 2018 that ALBEF/SOHO/Pixel-BERT report on). Reads the official
// pair of files, questions `{questions: [{image_id, question, question_id}], data_subtype?}` and
// annotations `{annotations: [{question_id, image_id, answers: [{answer}], multiple_choice_answer}]}`,
// normalises answers (a subset of the official evaluation's rules, below), builds the vocabulary and the
// soft targets min(1, #humans who gave the answer / 3) (the usual approximation of the official accuracy,
// which averages that over the 10 leave-one-out subsets of the 10 human answers).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { _readJson } from './_json.js';

const QuestionsSchema = z.object({
  data_subtype: z.string().optional(),
  questions: z.array(
    z.object({
      image_id: z.union([z.number(), z.string()]),
      question: z.string(),
      question_id: z.union([z.number(), z.string()]),
    }),
  ),
});

const AnnotationsSchema = z.object({
  annotations: z.array(
    z.object({
      question_id: z.union([z.number(), z.string()]),
      image_id: z.union([z.number(), z.string()]).optional(),
      answers: z.array(z.object({ answer: z.string() })),
      multiple_choice_answer: z.string().optional(),
    }),
  ),
});

/**
 * One question with its image and the (normalised) human answers.
 * @example
 * ```ts
 * const q: VqaQuestion = { questionId: 1, imageId: 7, question: 'what colour is it?', imagePath: '/v/7.png', answers: ['red', 'red', 'orange'] };
 * ```
 */
export interface VqaQuestion {
  questionId: number | string;
  imageId: number | string;
  question: string;
  imagePath: string;
  /** Normalised human answers (empty when no annotations were given, e.g. test-dev). */
  answers: string[];
}

/**
 * Options of {@link loadVqa}.
 * @example
 * ```ts
 * const opts: LoadVqaOptions = { questions: 'v2_OpenEnded_mscoco_val2014_questions.json',
 *   annotations: 'v2_mscoco_val2014_annotations.json', imageRoot: 'val2014' };
 * ```
 */
export interface LoadVqaOptions {
  /** Questions JSON. */
  questions: string;
  /** Annotations JSON (answers); omit for unlabelled splits. */
  annotations?: string;
  /** Folder of the images. */
  imageRoot: string;
  /**
   * File of an image, relative to `imageRoot` or absolute. Default: COCO's `COCO_<data_subtype>_<id as 12
   * digits>.jpg` when the questions file has `data_subtype`, else `<id>.png` / `<id>.jpg`, whichever exists.
   */
  imagePath?: (imageId: number | string, dataSubtype: string | undefined) => string;
}

const NUMBERS: Record<string, string> = {
  none: '0',
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
};
const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * The official VQA evaluation's answer normalisation, in part: lower case, punctuation removed (a full
 * stop inside a number like 2.5 kept, commas in 1,000 dropped), number words zero..ten to digits, articles
 * dropped, whitespace collapsed. Not done: the contraction table ("dont" -> "don't").
 * @example
 * ```ts
 * normalizeAnswer('Two.'); // '2'
 * normalizeAnswer('The Red  one!'); // 'red 1'
 * ```
 */
export function normalizeAnswer(answer: string): string {
  const s = answer
    .toLowerCase()
    .replace(/(\d),(\d)/g, '$1$2')
    .replace(/(?<!\d)\.|\.(?!\d)/g, ' ')
    .replace(/[;/\\[\](){}<>@#$%^&*_\-+=~`|!?,:"]/g, ' ')
    .replace(/'/g, '');
  return s
    .split(/\s+/)
    .filter((w) => w !== '' && !ARTICLES.has(w))
    .map((w) => NUMBERS[w] ?? w)
    .join(' ');
}

function _imagePath(
  opts: LoadVqaOptions,
  id: number | string,
  subtype: string | undefined,
): { path: string; tried: string[] } {
  const resolve = (p: string) => (p.startsWith('/') ? p : join(opts.imageRoot, p));
  if (opts.imagePath) {
    const p = resolve(opts.imagePath(id, subtype));
    return { path: p, tried: [p] };
  }
  const candidates = [
    ...(subtype !== undefined && /^\d+$/.test(String(id))
      ? [`COCO_${subtype}_${String(id).padStart(12, '0')}.jpg`]
      : []),
    `${id}.png`,
    `${id}.jpg`,
  ].map(resolve);
  return { path: candidates.find((p) => existsSync(p)) ?? (candidates[0] as string), tried: candidates };
}

/**
 * Reads VQA-format questions (and annotations), resolving and checking every image. Throws, naming the
 * file, on unreadable JSON, a wrong shape, an annotation for an unknown question, or a missing image.
 * @example
 * ```ts
 * const qs = loadVqa({ questions: 'q.json', annotations: 'a.json', imageRoot: 'images' });
 * const vocab = buildAnswerVocab(qs, { minCount: 2 });
 * ```
 */
export function loadVqa(opts: LoadVqaOptions): VqaQuestion[] {
  const qf = _readJson(opts.questions, QuestionsSchema, 'VQA questions');
  const answers = new Map<string, string[]>();
  if (opts.annotations !== undefined) {
    const af = _readJson(opts.annotations, AnnotationsSchema, 'VQA annotations');
    const known = new Set(qf.questions.map((q) => String(q.question_id)));
    for (const a of af.annotations) {
      if (!known.has(String(a.question_id))) {
        throw new Error(
          `VQA annotations ${opts.annotations}: question_id ${a.question_id} is not in ${opts.questions}`,
        );
      }
      answers.set(
        String(a.question_id),
        a.answers.map((x) => normalizeAnswer(x.answer)).filter((x) => x !== ''),
      );
    }
  }
  return qf.questions.map((q) => {
    const { path, tried } = _imagePath(opts, q.image_id, qf.data_subtype);
    if (!existsSync(path)) {
      throw new Error(
        `VQA questions ${opts.questions}: image of image_id ${q.image_id} (question ${q.question_id}) not found; tried ${tried.join(', ')}`,
      );
    }
    return {
      questionId: q.question_id,
      imageId: q.image_id,
      question: q.question,
      imagePath: path,
      answers: answers.get(String(q.question_id)) ?? [],
    };
  });
}

/**
 * The answers a classifier predicts, most frequent first (ties alphabetical), and their indices.
 * @example
 * ```ts
 * const v: AnswerVocab = buildAnswerVocab(questions);
 * v.index.get('yes'); // 0
 * ```
 */
export interface AnswerVocab {
  answers: string[];
  index: Map<string, number>;
  /** How many human answers (over all questions) each vocabulary answer got. */
  counts: number[];
}

/**
 * Builds the answer vocabulary from human answers: every normalised answer given at least `minCount`
 * times over the set, at most `maxAnswers` of them (VQA v2 classifiers keep the ~3k answers seen 9+ times).
 * @example
 * ```ts
 * const vocab = buildAnswerVocab(train, { minCount: 9, maxAnswers: 3129 });
 * ```
 */
export function buildAnswerVocab(
  questions: readonly VqaQuestion[],
  opts: { minCount?: number; maxAnswers?: number } = {},
): AnswerVocab {
  const freq = new Map<string, number>();
  for (const q of questions) for (const a of q.answers) freq.set(a, (freq.get(a) ?? 0) + 1);
  const kept = [...freq]
    .filter(([, n]) => n >= (opts.minCount ?? 1))
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, opts.maxAnswers ?? Number.POSITIVE_INFINITY);
  if (kept.length === 0)
    throw new Error('buildAnswerVocab: no answer reaches minCount; are annotations given?');
  return {
    answers: kept.map(([a]) => a),
    index: new Map(kept.map(([a], i) => [a, i])),
    counts: kept.map(([, n]) => n),
  };
}

/**
 * Target scores over the vocabulary for one question. `'soft'`: min(1, count / 3) per answer, VQA's
 * "3 of 10 humans agree = fully right"; `'top'`: 1 on the most frequent human answer (ties: the earlier
 * vocabulary entry) when it is in the vocabulary. Answers outside the vocabulary get no target.
 * @example
 * ```ts
 * vqaTargets({ ...q, answers: ['red', 'red', 'orange'] }, vocab); // red 0.667, orange 0.333
 * ```
 */
export function vqaTargets(q: VqaQuestion, vocab: AnswerVocab, mode: 'soft' | 'top' = 'soft'): Float32Array {
  const out = new Float32Array(vocab.answers.length);
  const counts = new Map<number, number>();
  for (const a of q.answers) {
    const i = vocab.index.get(a);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  if (mode === 'soft') {
    for (const [i, n] of counts) out[i] = Math.min(1, n / 3);
    return out;
  }
  let best = -1;
  let bestN = 0;
  for (const [i, n] of [...counts].sort((x, y) => x[0] - y[0])) {
    if (n > bestN) {
      best = i;
      bestN = n;
    }
  }
  if (best >= 0) out[best] = 1;
  return out;
}

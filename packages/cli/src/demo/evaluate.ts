// The demo's evaluation protocol (docs/demo/PROTOCOL.md), run on the Apple-style pictures training never
// saw: zero-shot classification into the 9 categories and the ~100 subcategories with prompt ensembles
// (CLIP, Radford et al. 2021), image -> name and name -> image retrieval among all names (R@1 / R@5 / R@10),
// and the held-out concepts (subcategories absent from training) classified zero-shot among themselves.
// Everything is saved per picture (`predictions.json`), and the figures are recomputed from that file
// alone (`summarisePredictions`): accuracy from the confusion matrix, R@K from the ranks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CATEGORY_PROMPTS, subcategoryName } from '@vlp/pretrain';
import { type Embedder, recallAtK, retrievalRanks, shiftAveraged, ZeroShotClassifier } from '@vlp/tasks';
import { loadImages } from '@vlp/vision';
import { z } from 'zod';

/**
 * Prompt templates of the demo's zero-shot tasks. The training captions are bare names ("waving hand"),
 * so the bare name leads; the other two wrap it the way emoji are talked about.
 *
 * @example
 * ```ts
 * DEMO_TEMPLATES.map((t) => t.replace('{}', 'flag')); // ['flag', 'an emoji of a flag', 'a picture of a flag']
 * ```
 */
export const DEMO_TEMPLATES: readonly string[] = ['{}', 'an emoji of a {}', 'a picture of a {}'];

const EvalRowSchema = z.object({
  image: z.string(),
  name: z.string(),
  category: z.string(),
  subcategory: z.string(),
  heldOut: z.boolean(),
});

/** One evaluation picture as `eval.jsonl` lists it. */
export type EvalRow = z.infer<typeof EvalRowSchema>;

const PredictionSchema = z.object({
  image: z.string(),
  name: z.string(),
  heldOut: z.boolean(),
  /** Indices into `categories` / `subcategories` / `heldOutLabels` (-1: not a held-out picture). */
  category: z.number().int(),
  /** The protocol's category prediction (see `categoryVia`). */
  categoryPred: z.number().int(),
  /** The category whose own prompt scores highest (-1 in files written before it was recorded). */
  categoryPromptPred: z.number().int().default(-1),
  subcategory: z.number().int(),
  subcategoryPred: z.number().int(),
  heldOutTruth: z.number().int(),
  heldOutPred: z.number().int(),
  /** 0-based rank of the picture's own name among all names, and of the picture for its name. */
  i2tRank: z.number().int().nonnegative(),
  t2iRank: z.number().int().nonnegative(),
});

/**
 * Everything the evaluation decided, per picture; the report's figures derive from this alone.
 *
 * @example
 * ```ts
 * const p = DemoPredictionsSchema.parse(JSON.parse(readFileSync('vlp-demo/predictions.json', 'utf8')));
 * ```
 */
export const DemoPredictionsSchema = z.object({
  format: z.literal('vlp-demo-predictions'),
  templates: z.array(z.string()),
  /**
   * How `categoryPred` was made: 'subcategories', the category of the best subcategory prompt (CHiLS,
   * Novack et al. 2023), or 'prompts', the best category prompt.
   */
  categoryVia: z.enum(['subcategories', 'prompts']).default('prompts'),
  /** Each picture's embedding averaged over its shifts within +-`viewShift` px (0: the picture alone). */
  viewShift: z.number().int().nonnegative().default(0),
  /** Category keys (emoji-datasource's names) and the prompt names used for them. */
  categories: z.array(z.string()),
  categoryPrompts: z.array(z.string()),
  subcategories: z.array(z.string()),
  subcategoryPrompts: z.array(z.string()),
  heldOutLabels: z.array(z.string()),
  rows: z.array(PredictionSchema),
});

/** See {@link DemoPredictionsSchema}. */
export type DemoPredictions = z.infer<typeof DemoPredictionsSchema>;

/**
 * The figures of one evaluation (percentages) plus the chance levels they compare with.
 *
 * @example
 * ```ts
 * const m: DemoMetrics = summarisePredictions(predictions);
 * m.category.accuracy; // e.g. 55.1
 * ```
 */
export interface DemoMetrics {
  pictures: number;
  category: {
    accuracy: number;
    chance: number;
    classes: number;
    confusion: number[][];
    /** How the predictions were made (`DemoPredictions.categoryVia`). */
    via: 'subcategories' | 'prompts';
    /** Accuracy of the category prompts alone, when recorded. */
    promptAccuracy?: number;
  };
  subcategory: { accuracy: number; chance: number; classes: number };
  heldOut: { accuracy: number; chance: number; classes: number; pictures: number };
  imageToName: { r1: number; r5: number; r10: number; candidates: number };
  nameToImage: { r1: number; r5: number; r10: number; candidates: number };
}

/**
 * `n x n` confusion matrix: rows are the true class, columns the predicted one.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(truth: readonly number[], pred: readonly number[], n: number): number[][] {
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  truth.forEach((t, i) => {
    const p = pred[i] ?? -1;
    if (t < 0 || t >= n || p < 0 || p >= n) throw new RangeError(`class index out of range at row ${i}`);
    (m[t] as number[])[p] = ((m[t] as number[])[p] ?? 0) + 1;
  });
  return m;
}

/** Top-1 accuracy in percent from a confusion matrix (its trace over its sum). */
function _accuracy(m: readonly (readonly number[])[]): number {
  let hit = 0;
  let all = 0;
  m.forEach((row, i) => {
    row.forEach((v, j) => {
      all += v;
      if (i === j) hit += v;
    });
  });
  return all === 0 ? 0 : (100 * hit) / all;
}

/**
 * The report's figures, recomputed from saved predictions: accuracies from confusion matrices, R@K from
 * ranks. Chance is 1 / classes for classification and K / candidates for retrieval's R@1.
 *
 * @example
 * ```ts
 * const m = summarisePredictions(JSON.parse(await readFile('vlp-demo/predictions.json', 'utf8')));
 * console.log(m.imageToName.r1, m.category.accuracy);
 * ```
 */
export function summarisePredictions(p: DemoPredictions): DemoMetrics {
  const rows = p.rows;
  const cat = confusionMatrix(
    rows.map((r) => r.category),
    rows.map((r) => r.categoryPred),
    p.categories.length,
  );
  const direct = rows.every((r) => r.categoryPromptPred >= 0)
    ? _accuracy(
        confusionMatrix(
          rows.map((r) => r.category),
          rows.map((r) => r.categoryPromptPred),
          p.categories.length,
        ),
      )
    : undefined;
  const sub = confusionMatrix(
    rows.map((r) => r.subcategory),
    rows.map((r) => r.subcategoryPred),
    p.subcategories.length,
  );
  const held = rows.filter((r) => r.heldOut && r.heldOutTruth >= 0);
  const heldM = confusionMatrix(
    held.map((r) => r.heldOutTruth),
    held.map((r) => r.heldOutPred),
    p.heldOutLabels.length,
  );
  const i2t = recallAtK(rows.map((r) => r.i2tRank));
  const t2i = recallAtK(rows.map((r) => r.t2iRank));
  const r = (x: Record<string, number>) => ({ r1: x.r1 ?? 0, r5: x.r5 ?? 0, r10: x.r10 ?? 0 });
  return {
    pictures: rows.length,
    category: {
      accuracy: _accuracy(cat),
      chance: 100 / p.categories.length,
      classes: p.categories.length,
      confusion: cat,
      via: p.categoryVia,
      ...(direct !== undefined ? { promptAccuracy: direct } : {}),
    },
    subcategory: {
      accuracy: _accuracy(sub),
      chance: 100 / p.subcategories.length,
      classes: p.subcategories.length,
    },
    heldOut: {
      accuracy: _accuracy(heldM),
      chance: p.heldOutLabels.length === 0 ? 0 : 100 / p.heldOutLabels.length,
      classes: p.heldOutLabels.length,
      pictures: held.length,
    },
    imageToName: { ...r(i2t), candidates: rows.length },
    nameToImage: { ...r(t2i), candidates: rows.length },
  };
}

/**
 * Reads a corpus's `eval.jsonl`, failing with the file and line on a bad row.
 *
 * @example
 * ```ts
 * const rows = await readEvalRows('vlp-demo/corpus'); // 1,903 Apple pictures with the defaults
 * ```
 */
export async function readEvalRows(corpusDir: string): Promise<EvalRow[]> {
  const path = join(corpusDir, 'eval.jsonl');
  return _parseJsonlRows(await readFile(path, 'utf8'), path, EvalRowSchema).map((r) => r.row);
}

/**
 * Internal: the non-empty lines of a corpus's JSON Lines file `text` (read from `path`), each validated by
 * `schema`, with its 1-based line number. Fails with `path:line` and the problem on a line that is not JSON
 * or not a row. Shared by `readEvalRows` and `withClassCaptions`.
 */
export function _parseJsonlRows<S extends z.ZodType>(
  text: string,
  path: string,
  schema: S,
): Array<{ row: z.infer<S>; line: number }> {
  const out: Array<{ row: z.infer<S>; line: number }> = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(`${path}:${i + 1}: ${r.error.issues[0]?.message ?? 'bad row'}`);
    out.push({ row: r.data, line: i + 1 });
  });
  return out;
}

/** Label index of each row's class, and the distinct classes in first-seen order. */
function _classes(keys: readonly string[]): { labels: string[]; index: number[] } {
  const labels = [...new Set(keys)];
  const at = new Map(labels.map((l, i) => [l, i]));
  return { labels, index: keys.map((k) => at.get(k) as number) };
}

/** Prompt names made distinct (two slugs may read the same): the later ones get their slug appended. */
function _distinct(names: readonly string[], keys: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n, i) => {
    const name = seen.has(n) ? `${n} (${keys[i]})` : n;
    seen.add(name);
    return name;
  });
}

function _argmax(embeds: readonly Float32Array[], zs: ZeroShotClassifier): number[] {
  return zs.classifyEmbeddings(embeds, 1).map((p) => zs.labels.indexOf(p.labels[0]?.label ?? ''));
}

/**
 * Runs the protocol on the evaluation pictures of `corpusDir` with `embedder` and returns the per-picture
 * predictions. `viewShift` > 0 embeds each picture as the mean over its whole-pixel shifts within that many
 * pixels (`shiftAveraged`; default 0). `categoryVia` 'subcategories' (the default) predicts a picture's category
 * as the category of its best subcategory prompt (CHiLS, Novack et al. 2023: the finer names say more than
 * "object" or "symbol or sign"); 'prompts' as the best category prompt. Both are kept in the predictions.
 * `onProgress(done, total)` reports pictures embedded.
 *
 * @example
 * ```ts
 * const predictions = await evaluateDemo(vlpEmbedder({ model, tokenizer }), 'vlp-demo/corpus');
 * summarisePredictions(predictions).category.accuracy;
 * ```
 */
export async function evaluateDemo(
  embedder: Embedder,
  corpusDir: string,
  opts: {
    templates?: readonly string[];
    viewShift?: number;
    categoryVia?: 'subcategories' | 'prompts';
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<DemoPredictions> {
  const templates = [...(opts.templates ?? DEMO_TEMPLATES)];
  const viewShift = opts.viewShift ?? 0;
  const categoryVia = opts.categoryVia ?? 'subcategories';
  const views = shiftAveraged(embedder, { shift: viewShift });
  const rows = await readEvalRows(corpusDir);
  if (rows.length === 0) throw new Error(`${join(corpusDir, 'eval.jsonl')}: no evaluation pictures`);
  const paths = rows.map((r) => join(corpusDir, r.image));
  const imageEmbeds: Float32Array[] = [];
  const chunk = 256;
  for (let i = 0; i < paths.length; i += chunk) {
    const { images, skipped } = await loadImages(paths.slice(i, i + chunk), embedder.imageLoad);
    const bad = skipped[0];
    if (bad !== undefined) throw new Error(`${bad.path}: ${bad.message}`);
    imageEmbeds.push(...(await views.embedImages(images)));
    opts.onProgress?.(Math.min(i + chunk, paths.length), paths.length);
  }

  const cats = _classes(rows.map((r) => r.category));
  const catPrompts = cats.labels.map((c) => CATEGORY_PROMPTS[c] ?? c.toLowerCase());
  const catZs = await ZeroShotClassifier.create(embedder, {
    labels: _distinct(catPrompts, cats.labels),
    templates,
  });
  const catPred = _argmax(imageEmbeds, catZs);

  const subs = _classes(rows.map((r) => r.subcategory));
  const subPrompts = _distinct(subs.labels.map(subcategoryName), subs.labels);
  const subZs = await ZeroShotClassifier.create(embedder, { labels: subPrompts, templates });
  const subPred = _argmax(imageEmbeds, subZs);
  // each subcategory belongs to one category in emoji-datasource
  const parentOf = new Map(rows.map((r) => [r.subcategory, cats.labels.indexOf(r.category)]));
  const viaSub = subPred.map((k) => parentOf.get(subs.labels[k] ?? '') ?? -1);
  const catPredicted = categoryVia === 'subcategories' ? viaSub : catPred;

  const heldSlugs = [...new Set(rows.filter((r) => r.heldOut).map((r) => r.subcategory))];
  let heldPred: number[] = [];
  const heldIdx = rows.map((r) => (r.heldOut ? heldSlugs.indexOf(r.subcategory) : -1));
  const heldPrompts = _distinct(heldSlugs.map(subcategoryName), heldSlugs);
  if (heldSlugs.length > 1) {
    const heldZs = await ZeroShotClassifier.create(embedder, { labels: heldPrompts, templates });
    const picked = rows.map((r, i) => (r.heldOut ? i : -1)).filter((i) => i >= 0);
    const preds = _argmax(
      picked.map((i) => imageEmbeds[i] as Float32Array),
      heldZs,
    );
    heldPred = rows.map(() => -1);
    picked.forEach((row, k) => {
      heldPred[row] = preds[k] ?? -1;
    });
  } else heldPred = rows.map(() => -1);

  // Names are unique among the evaluation pictures, so name n describes picture n.
  const nameEmbeds = await embedder.embedTexts(rows.map((r) => r.name));
  const { t2i, i2t } = await retrievalRanks({
    imageEmbeds,
    textEmbeds: nameEmbeds,
    textImage: rows.map((_, i) => i),
  });

  return {
    format: 'vlp-demo-predictions',
    templates,
    viewShift,
    categoryVia,
    categories: cats.labels,
    categoryPrompts: [...catZs.labels],
    subcategories: subs.labels,
    subcategoryPrompts: subPrompts,
    heldOutLabels: heldSlugs.length > 1 ? heldPrompts : [],
    rows: rows.map((r, i) => ({
      image: r.image,
      name: r.name,
      heldOut: r.heldOut,
      category: cats.index[i] as number,
      categoryPred: catPredicted[i] as number,
      categoryPromptPred: catPred[i] as number,
      subcategory: subs.index[i] as number,
      subcategoryPred: subPred[i] as number,
      heldOutTruth: heldSlugs.length > 1 ? (heldIdx[i] as number) : -1,
      heldOutPred: heldPred[i] as number,
      i2tRank: i2t[i] as number,
      t2iRank: t2i[i] as number,
    })),
  };
}

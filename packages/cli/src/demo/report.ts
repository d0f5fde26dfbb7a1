// The demo report: `report.md` (figures against issue 8's targets and the PyTorch yardstick, settings, the
// exact command, machine facts), `summary.json` (the same figures as data), `loss.png` (loss per objective
// from metrics.jsonl) and `confusion.png` (9-category confusion matrix).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Recipe } from '@vlp/pretrain';
import { writeFileAtomic } from '@vlp/tensor-core';
import { AUGMENT_DEFAULTS, type AugmentOptions } from './augment.js';
import type { DemoMetrics } from './evaluate.js';
import { confusionPlot, type LossPoint, lossPlot } from './plots.js';
import { DEMO_DEFAULTS } from './recipe.js';

/**
 * Issue 8's targets for the default run, and what the PyTorch tiny-CLIP yardstick reached in 20 minutes.
 *
 * @example
 * ```ts
 * DEMO_TARGETS.category.target; // 50
 * ```
 */
export const DEMO_TARGETS = {
  category: { target: 50, yardstick: 32.5 },
  subcategory: { target: 15, yardstick: 6.5 },
  imageToNameR1: { target: 40, yardstick: 32.8 },
  imageToNameR5: { target: 70, yardstick: 64.2 },
  /** Held-out concepts: "well above chance", read as at least twice chance. */
  heldOutOverChance: 2,
} as const;

/**
 * Everything the report states besides the metrics themselves.
 *
 * @example
 * ```ts
 * await writeDemoReport('vlp-demo', info); // report.md, summary.json, loss.png, confusion.png
 * ```
 */
export interface DemoReportInfo {
  metrics: DemoMetrics;
  /** Names of the confusion matrix's rows and columns. */
  categoryLabels: string[];
  recipe: Recipe;
  settings: {
    steps: number;
    stepReached: number;
    stopped: string;
    batchSize: number;
    lr: number;
    imageSize: number;
    seed: number;
    vocabSize: number;
    minutes: number;
    mix: Record<string, number>;
    subset?: number | undefined;
    augment?: boolean;
    /** The augmentation's settings when `augment` is on. */
    augmentation?: AugmentOptions;
    classCaptions?: boolean;
    /** Evaluation views: each picture's shifts within +-viewShift px (0 or absent: the picture alone). */
    viewShift?: number;
    resumed: boolean;
  };
  corpus: { pairs: number; icons: number; glosses: number };
  machine: { backend: string; cpus: number; cpuModel: string; memoryGiB: number; node: string };
  seconds: { corpus: number; training: number; evaluation: number; total: number };
  command: string;
}

/**
 * Loss points from a Trainer metrics file: one per step and objective (a resumed run may have re-logged
 * steps after its checkpoint; the last record of a step wins).
 *
 * @example
 * ```ts
 * const points = await readLossPoints('vlp-demo/metrics.jsonl'); // [{ step: 1, objective: 'itc', loss: 4.8 }, ...]
 * ```
 */
export async function readLossPoints(path: string): Promise<LossPoint[]> {
  if (!existsSync(path)) return [];
  const byStep = new Map<number, Record<string, number>>();
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: { type?: string; step?: number; loss?: number; losses?: Record<string, number> };
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not JSON`);
    }
    if (rec.type !== 'step' || typeof rec.step !== 'number') return;
    // An objective whose stream had no sample in this batch logs 0: not a point of its curve.
    const losses = Object.entries(rec.losses ?? {}).filter(([, v]) => v !== 0);
    byStep.set(rec.step, { total: rec.loss ?? Number.NaN, ...Object.fromEntries(losses) });
  });
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([step, losses]) =>
      Object.entries(losses)
        .filter(([, v]) => Number.isFinite(v))
        .map(([objective, loss]) => ({ step, objective, loss })),
    );
}

const _f = (x: number) => x.toFixed(1);
const _mark = (ok: boolean) => (ok ? 'met' : '**missed**');

function _mean(points: readonly LossPoint[], objective: string, from: number, to: number): number {
  const xs = points
    .filter((p) => p.objective === objective && p.step >= from && p.step <= to)
    .map((p) => p.loss);
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * The Markdown report (pure: no file access).
 *
 * @example
 * ```ts
 * const md = formatDemoReport(info, points);
 * ```
 */
export function formatDemoReport(info: DemoReportInfo, points: readonly LossPoint[]): string {
  const m = info.metrics;
  const s = info.settings;
  const t = DEMO_TARGETS;
  const last = points.reduce((a, p) => Math.max(a, p.step), 0);
  const objectives = [...new Set(points.map((p) => p.objective))];
  const curve = objectives
    .map((o) => {
      const a = _mean(points, o, 1, 25);
      const b = _mean(points, o, Math.max(1, last - 24), last);
      return `| ${o} | ${a.toFixed(3)} | ${b.toFixed(3)} |`;
    })
    .join('\n');
  const heldOk = m.heldOut.accuracy >= t.heldOutOverChance * m.heldOut.chance;
  const subset = s.subset !== undefined ? ` (subset: ${s.subset} emoji per category, a test run)` : '';
  return `# vlp demo report

Zero-shot evaluation on the **Apple** emoji style, which training never saw (protocol: docs/demo/PROTOCOL.md).
${m.pictures} pictures${subset}.

## Figures

| task | ours | target | yardstick (PyTorch tiny CLIP, 20 min) | chance |
|---|---|---|---|---|
| category, ${m.category.classes} classes, top-1 %${m.category.via === 'subcategories' ? ' (through the subcategories)' : ''} | ${_f(m.category.accuracy)} | >= ${t.category.target} (${_mark(m.category.accuracy >= t.category.target)}) | ${t.category.yardstick} | ${_f(m.category.chance)} |
${
  m.category.via === 'subcategories' && m.category.promptAccuracy !== undefined
    ? `| category from the category prompts alone | ${_f(m.category.promptAccuracy)} | | | ${_f(m.category.chance)} |
`
    : ''
}| subcategory, ${m.subcategory.classes} classes, top-1 % | ${_f(m.subcategory.accuracy)} | >= ${t.subcategory.target} (${_mark(m.subcategory.accuracy >= t.subcategory.target)}) | ${t.subcategory.yardstick} | ${_f(m.subcategory.chance)} |
| image -> name R@1 % (${m.imageToName.candidates} names) | ${_f(m.imageToName.r1)} | >= ${t.imageToNameR1.target} (${_mark(m.imageToName.r1 >= t.imageToNameR1.target)}) | ${t.imageToNameR1.yardstick} | ${_f(100 / m.imageToName.candidates)} |
| image -> name R@5 % | ${_f(m.imageToName.r5)} | >= ${t.imageToNameR5.target} (${_mark(m.imageToName.r5 >= t.imageToNameR5.target)}) | ${t.imageToNameR5.yardstick} | ${_f(500 / m.imageToName.candidates)} |
| image -> name R@10 % | ${_f(m.imageToName.r10)} | | | ${_f(1000 / m.imageToName.candidates)} |
| name -> image R@1 / R@5 / R@10 % | ${_f(m.nameToImage.r1)} / ${_f(m.nameToImage.r5)} / ${_f(m.nameToImage.r10)} | | | ${_f(100 / m.nameToImage.candidates)} / ${_f(500 / m.nameToImage.candidates)} / ${_f(1000 / m.nameToImage.candidates)} |
| held-out concepts, ${m.heldOut.classes} classes (${m.heldOut.pictures} pictures), top-1 % | ${_f(m.heldOut.accuracy)} | well above chance, read as >= ${t.heldOutOverChance}x (${_mark(heldOk)}) | | ${_f(m.heldOut.chance)} |

Every figure is recomputed from \`predictions.json\` (accuracy from the confusion matrix, R@K from the ranks).

![loss](loss.png)

![confusion](confusion.png)

## Loss (mean of the first and last 25 logged steps)

| objective | start | end |
|---|---|---|
${curve}

## Settings

- Command: \`${info.command}\`
- Recipe **${info.recipe.name}** (${info.recipe.method}): ${info.recipe.description ?? ''}
- Image tower ${info.recipe.image.name} ${JSON.stringify(info.recipe.image.overrides)}${info.recipe.imageProjection === false ? ' (its head is the embedding)' : ''}, text tower ${info.recipe.text.name} ${JSON.stringify(info.recipe.text.overrides)}, embedding ${info.recipe.embedDim}, objectives ${JSON.stringify(info.recipe.objectives)}
- Steps ${s.stepReached} of ${s.steps} (${s.stopped}${s.resumed ? ', resumed from a checkpoint' : ''}), batch ${s.batchSize}, peak lr ${s.lr} (AdamW, cosine with 5% warm-up, weight decay 0.02, clip 5), image size ${s.imageSize} px${s.augment ? ` with augmentation ${_augmentText(s.augmentation)}` : ''}, seed ${s.seed}, WordPiece vocabulary ${s.vocabSize}
- Captions: name (about ${Math.round(100 * DEMO_DEFAULTS.nameShare)}% of draws), Unicode name, short names, tags${s.classCaptions ? ", and the picture's category and subcategory names" : ''}
- Evaluation: ${s.viewShift ? `each picture embedded as the mean over its ${(2 * s.viewShift + 1) ** 2} shifts within +-${s.viewShift} px` : 'each picture embedded as it is'}
- Batch mix (pairs : icons : glosses) ${s.mix.pairs ?? 0} : ${s.mix.images ?? 0} : ${s.mix.texts ?? 0}; corpus ${info.corpus.pairs} pairs, ${info.corpus.icons} icons, ${info.corpus.glosses} glosses
- Budget ${s.minutes} min; took: corpus ${_f(info.seconds.corpus)} s, training ${_f(info.seconds.training)} s, evaluation ${_f(info.seconds.evaluation)} s, total ${_f(info.seconds.total)} s

## Machine

${info.machine.cpus} x ${info.machine.cpuModel}, ${info.machine.memoryGiB.toFixed(0)} GiB, Node ${info.machine.node}, tfjs backend \`${info.machine.backend}\`.
`;
}

/**
 * Writes report.md, summary.json, loss.png and confusion.png into `out` (metrics.jsonl is read from there).
 *
 * @example
 * ```ts
 * await writeDemoReport('vlp-demo', info);
 * ```
 */
export async function writeDemoReport(out: string, info: DemoReportInfo): Promise<void> {
  const points = await readLossPoints(join(out, 'metrics.jsonl'));
  await writeFileAtomic(join(out, 'loss.png'), await lossPlot(points));
  await writeFileAtomic(
    join(out, 'confusion.png'),
    await confusionPlot(
      info.categoryLabels,
      info.metrics.category.confusion,
      'Category confusion on the Apple style (rows: true, columns: predicted)',
    ),
  );
  await writeFileAtomic(
    join(out, 'summary.json'),
    JSON.stringify({ ...info, metrics: info.metrics }, null, 2),
  );
  await writeFileAtomic(join(out, 'report.md'), formatDemoReport(info, points));
}

/** The augmentation in words: "(shift +-2 px, crop scale 0.9-1, brightness / contrast jitter 0.1)". */
function _augmentText(given: AugmentOptions | undefined): string {
  const a = { ...AUGMENT_DEFAULTS, ...given };
  const parts: string[] = [];
  if (a.shift > 0) parts.push(`shift +-${a.shift} px`);
  if (a.minScale < 1) parts.push(`crop scale ${a.minScale}-1`);
  parts.push(`brightness / contrast jitter ${a.jitter}`);
  return `(${parts.join(', ')})`;
}

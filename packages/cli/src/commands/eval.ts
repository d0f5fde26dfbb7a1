// `vlp eval`: how good a trained model (or the colour baseline) is. Two benchmarks: zero-shot accuracy
// over a labelled folder (one sub-folder per class, the folder name is the class; top-1 / top-5 against
// chance, per class), or image-text retrieval Recall@1/5/10 both ways over a Karpathy-split JSON (the
// COCO / Flickr30K protocol ALBEF reports).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Embedder,
  evaluateKarpathy,
  type RetrievalMetrics,
  walkImages,
  ZeroShotClassifier,
} from '@vlp/tasks';
import { releaseBackends } from '@vlp/tensor-core';
import { loadImages } from '@vlp/vision';
import type { Command } from 'commander';
import { _int, _loadEmbedder, _Progress } from './_common.js';

/**
 * Zero-shot accuracy over a labelled folder.
 *
 * @example
 * ```ts
 * const r: FolderAccuracy = await evaluateFolder(embedder, 'emoji-by-colour');
 * console.log(r.top1, r.chance);
 * ```
 */
export interface FolderAccuracy {
  classes: string[];
  images: number;
  skipped: number;
  top1: number;
  /** Top-5 accuracy (top-k with k = classes when fewer than 5). */
  top5: number;
  chance: number;
  perClass: Record<string, { n: number; top1: number }>;
}

/** A folder name as a prompt: "red_heart" and "red-heart" read "red heart". */
const _prompt = (name: string) => name.replace(/[_-]+/g, ' ').trim();

/**
 * Classifies every image under `dir/<class>/` among the class names, in batches (bounded memory).
 *
 * @example
 * ```ts
 * const { top1 } = await evaluateFolder(colourEmbedder(), 'by-colour', { batchSize: 32 });
 * ```
 */
export async function evaluateFolder(
  embedder: Embedder,
  dir: string,
  opts: { batchSize?: number; concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<FolderAccuracy> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    throw new Error(`${dir}: cannot list the labelled folder (${(e as NodeJS.ErrnoException).code})`);
  }
  const items: Array<[string, number]> = [];
  const classes: string[] = [];
  for (const name of entries) {
    const before = items.length;
    for await (const p of walkImages(join(dir, name))) items.push([p, classes.length]);
    if (items.length > before) classes.push(name);
  }
  if (classes.length < 2)
    throw new Error(
      `${dir}: needs at least two sub-folders of images (one per class), found ${classes.length}`,
    );
  const k = Math.min(5, classes.length);
  const zs = await ZeroShotClassifier.create(embedder, { labels: classes.map(_prompt) });
  const batchSize = opts.batchSize ?? 32;
  const perClass: FolderAccuracy['perClass'] = Object.fromEntries(classes.map((c) => [c, { n: 0, top1: 0 }]));
  let top1 = 0;
  let topK = 0;
  let skipped = 0;
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = items.slice(start, start + batchSize);
    const loaded = await loadImages(
      batch.map(([p]) => p),
      { ...embedder.imageLoad, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) },
    );
    skipped += loaded.skipped.length;
    const preds = await zs.classify(loaded.images, { topK: k });
    preds.forEach((p, j) => {
      const truth = batch[loaded.indices[j] ?? -1]?.[1] ?? -1;
      const want = _prompt(classes[truth] ?? '');
      const stats = perClass[classes[truth] ?? ''];
      if (stats) stats.n++;
      if (p.labels[0]?.label === want) {
        top1++;
        if (stats) stats.top1++;
      }
      if (p.labels.some((l) => l.label === want)) topK++;
    });
    opts.onProgress?.(Math.min(start + batchSize, items.length), items.length);
  }
  const n = items.length - skipped;
  for (const s of Object.values(perClass)) s.top1 = s.n > 0 ? s.top1 / s.n : 0;
  return {
    classes,
    images: n,
    skipped,
    top1: n > 0 ? top1 / n : 0,
    top5: n > 0 ? topK / n : 0,
    chance: 1 / classes.length,
    perClass,
  };
}

const _pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function _formatFolder(r: FolderAccuracy): string {
  const k = Math.min(5, r.classes.length);
  const lines = [
    `zero-shot over ${r.images} images in ${r.classes.length} classes: top-1 ${_pct(r.top1)} ` +
      `(chance ${_pct(r.chance)}), top-${k} ${_pct(r.top5)}` +
      (r.skipped > 0 ? `; ${r.skipped} unreadable images left out` : ''),
  ];
  for (const c of r.classes) {
    const s = r.perClass[c];
    if (s) lines.push(`  ${c}: ${_pct(s.top1)} of ${s.n}`);
  }
  return lines.join('\n');
}

function _formatRetrieval(m: RetrievalMetrics): string {
  const row = (name: string, r: Record<string, number>) =>
    `${name}  R@1 ${r.r1?.toFixed(1)}  R@5 ${r.r5?.toFixed(1)}  R@10 ${r.r10?.toFixed(1)}`;
  const lines = [
    `retrieval over ${m.images} images and ${m.texts} captions (recall in %):`,
    row('image->text', m.i2t),
    row('text->image', m.t2i),
    `mean ${m.mean.toFixed(1)}`,
  ];
  if (m.skipped.length > 0)
    lines.push(`${m.skipped.length} unreadable images left out (first: ${m.skipped[0]?.path})`);
  return lines.join('\n');
}

/**
 * Adds `eval <model> (--folder DIR | --karpathy FILE)` to a program.
 *
 * @example
 * ```ts
 * await registerEval(new Command('vlp')).parseAsync(['node', 'vlp', 'eval', 'runs/albef', '--folder', 'by-class']);
 * ```
 */
export function registerEval(program: Command): Command {
  program
    .command('eval')
    .description(
      'zero-shot accuracy over a labelled folder, or retrieval R@1/5/10 over a Karpathy-split JSON',
    )
    .argument('<model>', 'trained-model directory (from vlp pretrain), or "colour" for the colour baseline')
    .option('--folder <dir>', 'labelled folder: one sub-folder of images per class, named by the class')
    .option('--karpathy <file>', 'Karpathy-split JSON (dataset_coco.json / dataset_flickr30k.json)')
    .option('--image-root <dir>', 'images of the Karpathy JSON (default: its folder)')
    .option('--split <name>', 'Karpathy split', 'test')
    .option('--rerank <k>', 're-rank the top k by the ITM head when the model has one', _int(0), 0)
    .option('--batch-size <n>', 'images per batch (folder mode)', _int(1), 32)
    .option('--backend <name>', 'compute backend (default auto; see vlp doctor)')
    .option('--json', 'print the metrics as JSON')
    .addHelpText(
      'after',
      `
Examples:
  vlp eval runs/albef-tiny --folder emoji-by-category/
  vlp eval runs/albef-tiny --karpathy dataset_flickr30k.json --image-root flickr30k-images --rerank 16`,
    )
    .action(
      async (
        model: string,
        o: {
          folder?: string;
          karpathy?: string;
          imageRoot?: string;
          split: string;
          rerank: number;
          batchSize: number;
          backend?: string;
          json?: boolean;
        },
      ) => {
        if ((o.folder === undefined) === (o.karpathy === undefined))
          throw new Error('pass exactly one of --folder DIR and --karpathy FILE');
        const { embedder, dispose, describe } = await _loadEmbedder(model, o.backend);
        try {
          if (o.folder !== undefined) {
            const bar = new _Progress('evaluating', '{value}/{total}');
            const r = await evaluateFolder(embedder, o.folder, {
              batchSize: o.batchSize,
              onProgress: (done, total) => bar.update(done, total, {}),
            });
            bar.stop();
            console.log(o.json === true ? JSON.stringify(r) : `${describe}\n${_formatFolder(r)}`);
          } else if (o.karpathy !== undefined) {
            const m = await evaluateKarpathy({
              embedder,
              file: o.karpathy,
              split: o.split,
              rerankTopK: o.rerank,
              ...(o.imageRoot !== undefined ? { root: o.imageRoot } : {}),
            });
            if (m.images === 0) throw new Error(`${o.karpathy}: no readable image in split "${o.split}"`);
            console.log(o.json === true ? JSON.stringify(m) : `${describe}\n${_formatRetrieval(m)}`);
          }
        } finally {
          dispose();
          await releaseBackends();
        }
      },
    );
  return program;
}

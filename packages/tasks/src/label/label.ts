// Zero-shot labelling of an image folder, the job users come for: list the images (paths only), skip those
// the output already holds, then stream fixed-size batches through parallel decoding (the next batch decodes
// while the current one is embedded), the zero-shot classifier, the output file (one fsync'd append per
// batch) and optionally copy / move into one folder per label. Memory is bounded by two batches of decoded
// images whatever the folder size; unreadable images become skipped rows with a reason.
import { access, mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type LoadedImages, loadImages } from '@vlp/vision';
import { type ClassEmbeddingCache, ZeroShotClassifier } from '../zeroshot/classifier.js';
import type { Embedder } from '../zeroshot/embedder.js';
import { hasCopy, type OrganiseMode, organiseFile } from './organise.js';
import { type LabelRow, LabelWriter, outputFormat, readLabelled } from './output.js';
import { walkImages } from './walk.js';

/**
 * Progress after each batch: counts over this run plus what an earlier run had already done.
 *
 * @example
 * ```ts
 * const onProgress = (p: LabelProgress) => bar.update(p.done, { rate: p.imagesPerSecond.toFixed(1) });
 * ```
 */
export interface LabelProgress {
  /** Images in the folder. */
  total: number;
  /** Rows in the output, this run's and earlier runs'. */
  done: number;
  /** Images labelled / skipped in this run. */
  labelled: number;
  skipped: number;
  /** This run's throughput (decode + embed + write). */
  imagesPerSecond: number;
  /** Seconds left at that rate (Infinity before the first batch). */
  etaSeconds: number;
}

/**
 * Options of {@link labelFolder}.
 *
 * @example
 * ```ts
 * const opts: LabelFolderOptions = { dir: 'photos', embedder, labels: ['cat', 'dog'], output: 'labels.csv' };
 * ```
 */
export interface LabelFolderOptions {
  dir: string;
  embedder: Embedder;
  labels: readonly string[];
  /** Prompt templates (default the zero-shot defaults). */
  templates?: readonly string[];
  /** Top score under this gives label 'unknown' (default 0: never). */
  threshold?: number;
  /** Labels and scores kept per image (default 3). */
  topK?: number;
  /** `.csv` or `.jsonl`; appended to, and read first to resume. */
  output: string;
  /** Images per batch (default 32). */
  batchSize?: number;
  /** Decodes in flight (default: cores, at most 8). */
  concurrency?: number;
  /** Copy each labelled image into `copyTo/<label>/`. */
  copyTo?: string;
  /** Move each labelled image into `moveTo/<label>/` (needs `yes` or a `confirm` that says yes). */
  moveTo?: string;
  yes?: boolean;
  /** Asked before moving when `yes` is not set. */
  confirm?: (question: string) => Promise<boolean>;
  onProgress?: (p: LabelProgress) => void;
  /** Stops between batches; what was written stays, a rerun resumes. */
  signal?: AbortSignal;
  cache?: ClassEmbeddingCache;
  /** Re-rank the top k labels by ITM when the embedder has a head (default 0). */
  rerankTopK?: number;
}

/**
 * What a run did.
 *
 * @example
 * ```ts
 * const s: LabelSummary = await labelFolder(opts);
 * console.log(`${s.labelled} labelled, ${s.skipped} skipped, ${s.resumed} already done`);
 * ```
 */
export interface LabelSummary {
  total: number;
  /** Rows an earlier run had written (skipped by this one). */
  resumed: number;
  labelled: number;
  skipped: number;
  unknown: number;
  /** Images per label decided in this run (including 'unknown'). */
  perLabel: Record<string, number>;
  /**
   * Images an earlier run labelled but did not copy / move, copied / moved now: the tail of the last batch
   * of a killed run (its rows reach the disk before its files move), or every image when the earlier run
   * had no copy / move.
   */
  reorganised: number;
  /** Bytes of a torn last line dropped from the output before resuming. */
  tornBytes: number;
  aborted: boolean;
  output: string;
}

function _rel(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

function _inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || !(r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r));
}

/**
 * Copies / moves what a killed run labelled but did not sort yet. Walks the rows backwards: the unsorted
 * ones are a tail of the last batch, so the first row found already sorted ends the walk.
 */
async function _finishOrganise(
  dir: string,
  rows: readonly LabelRow[],
  dest: string,
  mode: OrganiseMode,
): Promise<number> {
  let n = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i] as LabelRow;
    if (row.status !== 'ok') continue;
    const src = join(dir, row.path);
    const present = await access(src).then(
      () => true,
      () => false,
    );
    if (!present) {
      if (mode === 'move') break; // moved already
      continue; // a copy source the user removed since: nothing to copy
    }
    if (mode === 'copy' && (await hasCopy(src, dest, row.label))) break;
    await organiseFile(src, dest, row.label, mode);
    n++;
  }
  return n;
}

/**
 * Labels every image under `dir` with its zero-shot top-k, resumably. See the module comment for the
 * guarantees; paths in the output are relative to `dir` with '/' separators.
 *
 * @example
 * ```ts
 * const summary = await labelFolder({
 *   dir: 'photos', embedder: colourEmbedder(), labels: ['red', 'green', 'blue'],
 *   output: 'labels.csv', threshold: 0.3, topK: 2, copyTo: 'sorted',
 *   onProgress: (p) => console.log(`${p.done}/${p.total} ${p.imagesPerSecond.toFixed(1)} img/s`),
 * });
 * ```
 */
export async function labelFolder(options: LabelFolderOptions): Promise<LabelSummary> {
  const { embedder, signal } = options;
  const dir = resolve(options.dir);
  const output = resolve(options.output);
  const batchSize = options.batchSize ?? 32;
  const topK = options.topK ?? 3;
  const threshold = options.threshold ?? 0;
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  if (options.copyTo !== undefined && options.moveTo !== undefined)
    throw new Error('copyTo and moveTo exclude each other');
  const bad = options.labels.find((l) => l.trim() === '' || /[|\r\n]/.test(l));
  if (bad !== undefined && outputFormat(output) === 'csv')
    throw new Error(
      `label ${JSON.stringify(bad)} cannot be written to ${output}: empty, or holds '|' or a line break`,
    );
  const dest = options.copyTo ?? options.moveTo;
  const mode: OrganiseMode = options.moveTo !== undefined ? 'move' : 'copy';
  if (options.moveTo !== undefined && options.yes !== true) {
    const question = `Move labelled images out of ${dir} into ${resolve(options.moveTo)}?`;
    const ok = options.confirm ? await options.confirm(question) : false;
    if (!ok) throw new Error(`moving needs confirmation (pass yes / --yes): ${question}`);
  }

  const classifier = await ZeroShotClassifier.create(embedder, {
    labels: options.labels,
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.rerankTopK ? { rerankTopK: options.rerankTopK } : {}),
  });
  await mkdir(dirname(output), { recursive: true });
  const previous = await readLabelled(output);
  const done = new Set(previous.rows.map((r) => r.path));
  const reorganised = dest === undefined ? 0 : await _finishOrganise(dir, previous.rows, dest, mode);
  const exclude = dest !== undefined ? [resolve(dest)] : [];
  const todo: string[] = [];
  let total = 0;
  for await (const path of walkImages(dir, { exclude })) {
    if (path === output || exclude.some((d) => _inside(path, d))) continue;
    total++;
    if (!done.has(_rel(dir, path))) todo.push(path);
  }
  // With move, files a previous run moved out are no longer listed but are in the output.
  const resumed = previous.rows.length;
  total = Math.max(total, todo.length + resumed);

  const summary: LabelSummary = {
    total,
    resumed,
    labelled: 0,
    skipped: 0,
    unknown: 0,
    perLabel: {},
    reorganised,
    tornBytes: previous.tornBytes,
    aborted: false,
    output,
  };
  const loadOptions = {
    ...embedder.imageLoad,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
  const decode = (start: number): Promise<LoadedImages> | undefined =>
    start < todo.length ? loadImages(todo.slice(start, start + batchSize), loadOptions) : undefined;
  const writer = await LabelWriter.open(output);
  const started = performance.now();
  try {
    let next = decode(0);
    for (let start = 0; next !== undefined; start += batchSize) {
      const loaded = await next;
      if (signal?.aborted) {
        summary.aborted = true;
        break;
      }
      next = decode(start + batchSize); // overlap the next decode with this batch's embedding
      const preds = loaded.images.length > 0 ? await classifier.classify(loaded.images, { topK }) : [];
      const rows: LabelRow[] = [];
      const moves: Array<[string, string]> = [];
      preds.forEach((p, k) => {
        const path = loaded.paths[k] as string;
        const top = p.labels[0];
        const label = top !== undefined && top.score >= threshold ? top.label : 'unknown';
        rows.push({
          path: _rel(dir, path),
          status: 'ok',
          label,
          labels: p.labels.map((l) => l.label),
          scores: p.labels.map((l) => l.score),
        });
        summary.perLabel[label] = (summary.perLabel[label] ?? 0) + 1;
        if (label === 'unknown') summary.unknown++;
        moves.push([path, label]);
      });
      for (const s of loaded.skipped)
        rows.push({
          path: _rel(dir, s.path),
          status: 'skipped',
          label: '',
          labels: [],
          scores: [],
          reason: s.reason,
        });
      // The rows reach the disk before any file is copied or moved: a kill in between leaves files
      // labelled but not yet sorted, never sorted but unlabelled (which a rerun could not find).
      await writer.append(rows);
      if (dest !== undefined) for (const [path, label] of moves) await organiseFile(path, dest, label, mode);
      summary.labelled += preds.length;
      summary.skipped += loaded.skipped.length;
      const elapsed = (performance.now() - started) / 1000;
      const thisRun = summary.labelled + summary.skipped;
      const rate = elapsed > 0 ? thisRun / elapsed : 0;
      options.onProgress?.({
        total,
        done: resumed + thisRun,
        labelled: summary.labelled,
        skipped: summary.skipped,
        imagesPerSecond: rate,
        etaSeconds: rate > 0 ? (todo.length - thisRun) / rate : Number.POSITIVE_INFINITY,
      });
    }
    if (signal?.aborted && summary.labelled + summary.skipped < todo.length) summary.aborted = true;
    await next?.catch(() => undefined); // an abandoned prefetch must not reject unobserved
  } finally {
    await writer.close();
  }
  return summary;
}

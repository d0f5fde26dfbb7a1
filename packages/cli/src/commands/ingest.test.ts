// `vlp ingest` on real emoji PNGs: a JSONL of pairs with a missing image, a truncated PNG, a line that is
// not JSON and an empty caption; an image folder with a duplicate; a text file. The manifest holds exactly
// the good entries and the report names every skip by reason.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readManifest } from '@vlp/pretrain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColourEmoji, colourEmoji, runVlp } from './_test-emoji.js';
import { _parseSources } from './ingest.js';

let root = '';
let picked: ColourEmoji[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-cli-ingest-'));
  picked = colourEmoji().slice(0, 8);
  const img = join(root, 'img');
  await mkdir(img);
  for (const e of picked.slice(0, 5)) await copyFile(e.path, join(img, basename(e.path)));
  const png = await readFile(picked[0]?.path ?? '');
  await writeFile(join(img, 'truncated.png'), png.subarray(0, 100));
  const lines = [
    ...picked.slice(0, 5).map((e) => JSON.stringify({ image: basename(e.path), caption: e.captions })),
    JSON.stringify({ image: 'missing.png', caption: 'a ghost' }),
    JSON.stringify({ image: 'truncated.png', caption: 'half a heart' }),
    '{"image": "broken',
    JSON.stringify({ image: basename(picked[1]?.path ?? ''), caption: '   ' }),
  ];
  await writeFile(join(root, 'pairs.jsonl'), `${lines.join('\n')}\n`);
  await mkdir(join(root, 'icons'));
  for (const e of picked.slice(5)) await copyFile(e.path, join(root, 'icons', basename(e.path)));
  await copyFile(picked[5]?.path ?? '', join(root, 'icons', 'copy-of-first.png'));
  await writeFile(join(root, 'names.txt'), 'red apple\n\ngreen frog\nblue whale\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vlp ingest', () => {
  it('writes the manifest and reports every skip by reason', async () => {
    const out = join(root, 'corpus');
    const { out: text } = await runVlp([
      'ingest',
      `jsonl:${join(root, 'pairs.jsonl')}`,
      `images:${join(root, 'icons')}`,
      `texts:${join(root, 'names.txt')}`,
      '--image-root',
      join(root, 'img'),
      '--out',
      out,
    ]);
    const m = await readManifest(join(out, 'manifest.json'));
    expect([m.pairs.length, m.images.length, m.texts.length]).toEqual([5, 3, 3]);
    expect(m.sources.map((s) => [s.name, s.kind, s.counts.pairs, s.counts.images, s.counts.texts])).toEqual([
      ['pairs', 'jsonl', 5, 0, 0],
      ['icons', 'images', 0, 3, 0],
      ['names', 'texts', 0, 0, 3],
    ]);
    const reasons = m.skipped.map((s) => s.reason).sort();
    expect(reasons).toEqual(['empty-caption', 'not-found', 'parse-error', 'truncated']);
    expect(m.duplicates.length).toBe(1);
    expect(text).toContain(`wrote ${join(out, 'manifest.json')}`);
    expect(text).toMatch(/^pairs\s+jsonl\s+5\s+0\s+0\s+4\s+0\s+0$/m);
    expect(text).toContain('skipped 4:');
    for (const r of reasons) expect(text).toContain(`  ${r} (1)`);
    expect(text).toContain('missing.png');

    const { out: json } = await runVlp([
      'ingest',
      `jsonl:${join(root, 'pairs.jsonl')}`,
      '--image-root',
      join(root, 'img'),
      '--out',
      join(root, 'corpus2'),
      '--json',
    ]);
    const parsed = JSON.parse(json) as { skipped: unknown[]; sources: Array<{ counts: { pairs: number } }> };
    expect([parsed.skipped.length, parsed.sources[0]?.counts.pairs]).toEqual([4, 5]);
  });

  it('rejects a source without a known kind, naming it', async () => {
    expect(() => _parseSources(['pairs.jsonl'])).toThrow(/source "pairs.jsonl": expected KIND:PATH/);
    expect(() => _parseSources(['tsv:a.tsv'])).toThrow(/KIND one of jsonl, csv/);
    expect(_parseSources(['jsonl:a/p.jsonl', 'jsonl:b/p.jsonl', 'images:icons/'], 'img')).toEqual([
      { kind: 'jsonl', name: 'p', path: 'a/p.jsonl', imageRoot: 'img' },
      { kind: 'jsonl', name: 'p-2', path: 'b/p.jsonl', imageRoot: 'img' },
      { kind: 'images', name: 'icons', path: 'icons/' },
    ]);
    await expect(
      runVlp(['ingest', `jsonl:${join(root, 'nope.jsonl')}`, '--out', join(root, 'c3')]),
    ).rejects.toThrow(/nope\.jsonl/);
  });
});

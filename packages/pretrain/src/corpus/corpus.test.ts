import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pack } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from './ingest.js';
import { type CorpusManifest, readImageBytes, readManifest } from './manifest.js';
import { CorpusReader } from './reader.js';

let dir: string;
let red: Buffer;
let blue: Buffer;
const BAD_UTF8 = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
const HUGE = 'x'.repeat(1024 * 1024);

async function tarOf(entries: Array<[string, Buffer | string]>): Promise<Buffer> {
  const p = pack();
  for (const [name, data] of entries) p.entry({ name }, typeof data === 'string' ? Buffer.from(data) : data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlp-corpus-'));
  const img = (r: number, g: number, b: number) =>
    sharp({ create: { width: 12, height: 10, channels: 3, background: { r, g, b } } });
  red = await img(255, 0, 0).png().toBuffer();
  blue = await img(0, 0, 255).jpeg().toBuffer();
  const green = await img(0, 200, 0).png().toBuffer();
  await mkdir(join(dir, 'img/sub'), { recursive: true });
  await writeFile(join(dir, 'img/red.png'), red);
  await writeFile(join(dir, 'img/blue.jpg'), blue);
  await writeFile(join(dir, 'img/sub/green.png'), green);
  await writeFile(join(dir, 'img/red-copy.png'), red); // duplicate content
  await writeFile(join(dir, 'img/corrupt.jpg'), blue.subarray(0, 40)); // truncated JPEG
  await writeFile(join(dir, 'img/notes.md'), 'not an image');
});

const reasons = (m: CorpusManifest, source: string) =>
  m.skipped
    .filter((s) => s.source === source)
    .map((s) => s.reason)
    .sort();

describe('ingest', () => {
  it('reads JSONL with broken entries: corrupt, missing, empty, non-UTF-8, huge, duplicate', async () => {
    const lines = [
      JSON.stringify({ image: 'img/red.png', caption: ['a red square', 'red'] }),
      JSON.stringify({ image: 'img/blue.jpg', caption: 'a blue square' }),
      JSON.stringify({ image: 'img/corrupt.jpg', caption: 'broken' }),
      JSON.stringify({ image: 'img/missing.png', caption: 'gone' }),
      JSON.stringify({ image: 'img/sub/green.png', caption: '   ' }),
      JSON.stringify({ image: 'img/red-copy.png', caption: 'crimson' }),
      JSON.stringify({ image: 'img/sub/green.png', caption: HUGE }),
      '{not json',
    ];
    const bytes = Buffer.concat([
      Buffer.from(`${lines.join('\n')}\n`),
      Buffer.from('{"image": "img/red.png", "caption": "'),
      BAD_UTF8,
      Buffer.from('"}\n'),
    ]);
    await writeFile(join(dir, 'pairs.jsonl'), bytes);
    const { manifest, path } = await ingest(
      [{ kind: 'jsonl', name: 'pairs', path: join(dir, 'pairs.jsonl') }],
      {
        outDir: join(dir, 'out-jsonl'),
        maxCaptionChars: 100,
      },
    );
    expect(manifest.sources[0]?.counts).toEqual({
      pairs: 3,
      images: 0,
      texts: 0,
      captions: 4,
      skipped: 5,
      truncated: 1,
      duplicates: 1,
    });
    expect(reasons(manifest, 'pairs')).toEqual([
      'empty-caption',
      'non-utf8',
      'not-found',
      'parse-error',
      'truncated',
    ]);
    const red0 = manifest.pairs[0];
    expect(red0?.image).toEqual({ path: '../img/red.png' });
    expect(red0?.captions).toEqual(['a red square', 'red', 'crimson']); // duplicate's caption merged
    expect(manifest.pairs[2]?.captions[0]).toHaveLength(100);
    expect(manifest.notes[0]?.note).toBe(`truncated from ${HUGE.length} to 100 chars`);
    expect(manifest.duplicates).toEqual([
      { sha256: red0?.sha256, kept: '../img/red.png', duplicate: '../img/red-copy.png' },
    ]);
    const { createHash } = await import('node:crypto');
    expect(red0?.sha256).toBe(createHash('sha256').update(red).digest('hex'));
    const back = await readManifest(path);
    expect(back.pairs.length).toBe(3);
  });

  it('reads CSV (quoted fields), Karpathy JSON (splits) and COCO captions JSON', async () => {
    const csv = Buffer.concat([
      Buffer.from(
        'image,caption\n"img/red.png","a red, square ""box"""\nimg/blue.jpg,\nimg/sub/green.png,"two\nlines"\nimg/missing.png,x\nimg/blue.jpg,',
      ),
      BAD_UTF8,
      Buffer.from('\n'),
    ]);
    await writeFile(join(dir, 'pairs.csv'), csv);
    await writeFile(
      join(dir, 'karpathy.json'),
      JSON.stringify({
        images: [
          {
            filepath: 'img',
            filename: 'red.png',
            split: 'train',
            sentences: [{ raw: 'red one', tokens: ['red', 'one'] }],
          },
          {
            filepath: 'img',
            filename: 'blue.jpg',
            split: 'test',
            sentences: [{ raw: 'blue one', tokens: [] }, { raw: '' }],
          },
          { filepath: 'img', filename: 'corrupt.jpg', split: 'train', sentences: [{ raw: 'x' }] },
          { filepath: 'img', filename: 'sub/green.png', split: 'val', sentences: [{ raw: 'green' }] },
        ],
      }),
    );
    await writeFile(
      join(dir, 'coco.json'),
      JSON.stringify({
        images: [
          { id: 1, file_name: 'img/red.png' },
          { id: 2, file_name: 'img/blue.jpg' },
          { id: 3, file_name: 'img/nothing.jpg' },
        ],
        annotations: [
          { image_id: 1, caption: 'red c1' },
          { image_id: 1, caption: 'red c2' },
          { image_id: 2, caption: '' },
        ],
      }),
    );
    const { manifest } = await ingest(
      [
        { kind: 'csv', name: 'csv', path: join(dir, 'pairs.csv') },
        { kind: 'karpathy', name: 'karpathy', path: join(dir, 'karpathy.json'), splits: ['train', 'test'] },
        { kind: 'coco', name: 'coco', path: join(dir, 'coco.json') },
      ],
      { outDir: join(dir, 'out-json') },
    );
    // Later duplicates of red (Karpathy, COCO) add their captions to the CSV's red pair.
    expect(manifest.pairs.filter((p) => p.source === 'csv').map((p) => p.captions[0])).toEqual([
      'a red, square "box"',
      'two\nlines',
    ]);
    expect(reasons(manifest, 'csv')).toEqual(['empty-caption', 'non-utf8', 'not-found']);
    // Karpathy: red is a duplicate of the CSV's red (merged there), blue kept with its split, corrupt skipped.
    expect(manifest.pairs.filter((p) => p.source === 'karpathy').map((p) => [p.captions, p.split])).toEqual([
      [['blue one'], 'test'],
    ]);
    expect(reasons(manifest, 'karpathy')).toEqual(['empty-caption', 'truncated']);
    expect(manifest.sources[1]?.counts.duplicates).toBe(1);
    expect(reasons(manifest, 'coco')).toEqual(['empty-caption', 'no-caption']);
    expect(manifest.pairs[0]?.captions).toEqual(['a red, square "box"', 'red one', 'red c1', 'red c2']);
  });

  it('JSON that parses but has the wrong shape is a parse-error skip, never a crash of the whole ingest', async () => {
    await writeFile(join(dir, 'shapes.jsonl'), 'null\n[1, 2]\n"img/red.png"\n42\n');
    await writeFile(
      join(dir, 'shapes-karpathy.json'),
      JSON.stringify({ images: [null, 7, { filename: 'img/red.png', sentences: [{ raw: 'red' }] }] }),
    );
    await writeFile(
      join(dir, 'shapes-coco.json'),
      JSON.stringify({
        images: [null, { id: 1 }, { id: 2, file_name: 'img/blue.jpg' }],
        annotations: [null, { image_id: 2, caption: 'blue' }],
      }),
    );
    const { manifest } = await ingest(
      [
        { kind: 'jsonl', name: 'j', path: join(dir, 'shapes.jsonl') },
        { kind: 'karpathy', name: 'k', path: join(dir, 'shapes-karpathy.json') },
        { kind: 'coco', name: 'c', path: join(dir, 'shapes-coco.json') },
      ],
      { outDir: join(dir, 'out-shapes') },
    );
    expect(reasons(manifest, 'j')).toEqual(['parse-error', 'parse-error', 'parse-error', 'parse-error']);
    expect(reasons(manifest, 'k')).toEqual(['parse-error', 'parse-error']);
    expect(reasons(manifest, 'c')).toEqual(['parse-error', 'parse-error']);
    expect(manifest.pairs.map((p) => p.captions)).toEqual([['red'], ['blue']]);
  });

  it('a missing, empty, cut or corrupt WebDataset shard is a skip naming it; the other shards go on', async () => {
    const whole = await tarOf([
      ['k1.png', red],
      ['k1.txt', 'a red square'],
      ['k2.jpg', blue],
      ['k2.txt', 'a blue square'],
    ]);
    const shard = (name: string, bytes: Buffer) =>
      writeFile(join(dir, name), bytes).then(() => join(dir, name));
    const good = await shard('w-good.tar', whole);
    const empty = await shard('w-empty.tar', Buffer.alloc(0));
    const second = 512 + Math.ceil(red.length / 512) * 512; // header of k1.txt
    const cut = await shard('w-cut.tar', whole.subarray(0, second + 1024)); // ends at a member boundary
    const bad = Buffer.from(whole);
    bad[second] = (bad[second] as number) ^ 0xff; // k1.txt's header no longer matches its checksum
    const corrupt = await shard('w-corrupt.tar', bad);
    const missing = join(dir, 'w-missing.tar');
    const { manifest } = await ingest(
      [{ kind: 'webdataset', name: 'w', path: [missing, empty, cut, corrupt, good] }],
      {
        outDir: join(dir, 'out-shards'),
      },
    );
    const byShard = (f: string) => manifest.skipped.filter((x) => x.path.endsWith(f)).map((x) => x.reason);
    expect(byShard('w-missing.tar')).toEqual(['not-found']);
    expect(byShard('w-empty.tar')).toEqual(['empty-file']);
    expect(byShard('w-cut.tar')).toEqual(['truncated']);
    expect(byShard('w-corrupt.tar')).toEqual(['corrupt']);
    // The cut shard's k1 was whole: kept. The corrupt shard lost k1.txt: k1 has no caption there. The
    // good shard's k1 is a duplicate of the cut shard's; its k2 follows.
    expect(manifest.pairs.map((p) => p.captions[0])).toEqual(['a red square', 'a blue square']);
    expect(manifest.skipped.find((x) => x.path.endsWith('w-corrupt.tar:k1'))?.reason).toBe('no-caption');
  });

  it('reads sidecar folders, WebDataset shards (byte ranges), image folders and text files', async () => {
    const sc = join(dir, 'sidecar');
    await mkdir(sc, { recursive: true });
    await writeFile(join(sc, 'a.png'), red);
    await writeFile(join(sc, 'a.txt'), 'red sidecar\nsecond caption\n');
    await writeFile(join(sc, 'b.jpg'), blue);
    await writeFile(join(sc, 'b.txt'), BAD_UTF8);
    await writeFile(join(sc, 'c.jpg'), blue.subarray(0, 50));
    await writeFile(join(sc, 'c.txt'), 'broken');
    await writeFile(join(sc, 'd.png'), red); // no sidecar
    const shard = await tarOf([
      ['k1.png', red],
      ['k1.txt', 'tar red'],
      ['k2.jpg', blue],
      ['k2.json', JSON.stringify({ caption: 'tar blue' })],
      ['k3.jpg', blue.subarray(0, 30)],
      ['k3.txt', 'broken in tar'],
      ['k4.txt', 'caption without image'],
      ['k5.png', red],
      ['k5.txt', ''],
    ]);
    await writeFile(join(dir, 'shard-000.tar'), shard);
    await writeFile(
      join(dir, 'texts.txt'),
      Buffer.concat([Buffer.from('first passage\n\nsecond passage\n'), BAD_UTF8, Buffer.from(`\n${HUGE}\n`)]),
    );
    const { manifest } = await ingest(
      [
        { kind: 'sidecar', name: 'sidecar', path: sc },
        { kind: 'webdataset', name: 'wds', path: [join(dir, 'shard-000.tar')] },
        { kind: 'images', name: 'photos', path: join(dir, 'img') },
        { kind: 'texts', name: 'texts', path: join(dir, 'texts.txt') },
      ],
      { outDir: dir, maxCaptionChars: 50 },
    );
    // The shard's k1 is the same red image: its caption joins the sidecar pair.
    expect(manifest.pairs.filter((p) => p.source === 'sidecar').map((p) => p.captions)).toEqual([
      ['red sidecar', 'second caption', 'tar red'],
    ]);
    expect(reasons(manifest, 'sidecar')).toEqual(['no-caption', 'non-utf8', 'truncated']);
    const wds = manifest.pairs.filter((p) => p.source === 'wds');
    expect(wds.map((p) => p.captions)).toEqual([['tar blue']]); // k1 duplicates the sidecar's red
    expect(reasons(manifest, 'wds')).toEqual(['empty-caption', 'not-found', 'truncated']);
    const ref = wds[0]?.image;
    expect(ref).toMatchObject({ shard: 'shard-000.tar', member: 'k2.jpg', size: blue.length });
    expect(Buffer.from(await readImageBytes(dir, ref as NonNullable<typeof ref>)).equals(blue)).toBe(true);
    // Folder: red.png, blue.jpg, green.png kept once each (red, blue seen before -> duplicates), corrupt skipped.
    const photos = manifest.sources.find((s) => s.name === 'photos')?.counts;
    expect(photos).toMatchObject({ images: 1, skipped: 1, duplicates: 3 });
    expect(manifest.images[0]?.image).toEqual({ path: 'img/sub/green.png' });
    expect(manifest.texts.map((t) => t.text.slice(0, 14))).toEqual([
      'first passage',
      'second passage',
      'xxxxxxxxxxxxxx',
    ]);
    expect(reasons(manifest, 'texts')).toEqual(['non-utf8']);
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).format).toBe('vlp-corpus');
  });
});

describe('CorpusReader', () => {
  const manifest = (): CorpusManifest => ({
    format: 'vlp-corpus',
    version: 1,
    createdAt: '',
    maxCaptionChars: 10,
    sources: [],
    pairs: Array.from({ length: 7 }, (_, i) => ({
      id: `p${i}`,
      source: 's',
      image: { path: `${i}.png` },
      sha256: 'a'.repeat(64),
      captions: [`c${i}a`, `c${i}b`],
    })),
    images: Array.from({ length: 3 }, (_, i) => ({
      id: `i${i}`,
      source: 'i',
      image: { path: `i${i}.png` },
      sha256: 'b'.repeat(64),
    })),
    texts: Array.from({ length: 4 }, (_, i) => ({ id: `t${i}`, source: 't', text: `text ${i}` })),
    skipped: [],
    notes: [],
    duplicates: [],
  });

  it('mixes streams at the requested ratios and visits every record once per epoch', () => {
    const r = new CorpusReader(manifest(), {
      batchSize: 5,
      mix: { pairs: 0.6, images: 0.2, texts: 0.2 },
      seed: 3,
    });
    const seen: string[] = [];
    const counts = { pairs: 0, images: 0, texts: 0 };
    for (let s = 0; s < 20; s++) {
      const b = r.next();
      counts.pairs += b.pairs.length;
      counts.images += b.images.length;
      counts.texts += b.texts.length;
      seen.push(...b.pairs.map((p) => p.id));
    }
    expect(counts).toEqual({ pairs: 60, images: 20, texts: 20 });
    expect(new Set(seen.slice(0, 7)).size).toBe(7); // first epoch of pairs: a permutation
    expect(seen.slice(0, 7)).not.toEqual(seen.slice(7, 14)); // reshuffled per epoch
  });

  it('resumes exactly from a saved position', () => {
    const opts = { batchSize: 4, mix: { pairs: 0.5, images: 0.25, texts: 0.25 }, seed: 11 };
    const a = new CorpusReader(manifest(), opts);
    for (let s = 0; s < 5; s++) a.next();
    const pos = JSON.parse(JSON.stringify(a.getPosition()));
    const expected = Array.from({ length: 6 }, () => a.next());
    const b = new CorpusReader(manifest(), opts);
    b.setPosition(pos);
    expect(Array.from({ length: 6 }, () => b.next())).toEqual(expected);
    expect(() => new CorpusReader({ ...manifest(), texts: [] }, opts)).toThrow(/asks for texts/);
  });
});

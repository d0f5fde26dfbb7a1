// Bad input, tried for real through the public entry points (issue 10): every file is generated here with
// sharp and node:fs (truncated and bit-flipped JPEG/PNG, zero-byte files, 20000x20000 declarations, CMYK,
// 16-bit, animated, hostile SVG, symlink loops, dangling links, FIFOs, directories named like images,
// unreadable files, non-UTF-8 / 1 MB / empty captions) and pushed through `loadImages` and `ingest` in one
// batch each. The rule checked: each bad case is a clear, typed skip naming its file, the good ones all
// survive, and every input is accounted for (kept + skipped + duplicate == tried, nothing lost).
// Checkpoint files (truncated safetensors, NaN/Inf) and configs (unknown keys, wrong types) go through
// `readSafetensorsFile` / `loadCheckpoint` / `latestCheckpoint` and the four config parsers.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseFusionConfig } from '@vlp/fusion';
import { ingest, parseRecipe } from '@vlp/pretrain';
import {
  CheckpointError,
  latestCheckpoint,
  loadCheckpoint,
  Rng,
  readSafetensorsFile,
  saveCheckpoint,
  selectBackend,
  writeSafetensorsFile,
} from '@vlp/tensor-core';
import { parseTextEncoderConfig } from '@vlp/text';
import { loadImages, parseImageEncoderConfig } from '@vlp/vision';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The decompression-bomb PNG is the vision package's own test fixture (test helpers stay out of its dist).
import { pngDeclaring } from '../../packages/vision/src/_test-fixtures.js';
import { Figures } from './_figures.js';

const figures = new Figures('bad-inputs');
let dir: string;
let server: Server;
const requests: string[] = [];
const isRoot = process.getuid?.() === 0;

/** Expected outcome of one generated image file: a skip reason, or 'loaded' (with its decoded size). */
interface ImageCase {
  file: string;
  kind: string;
  expect: string | ((outcome: string) => boolean);
  size?: [number, number];
}
const imageCases: ImageCase[] = [];

/** A real JPEG with its SOF0 frame header patched to declare w x h. */
function jpegDeclaring(jpeg: Buffer, w: number, h: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(h, i + 5);
      out.writeUInt16BE(w, i + 7);
      return out;
    }
  }
  throw new Error('no SOF marker');
}

/** A w x h image of seeded noise (sharp's own noise generator is not seeded: files would vary per run). */
function noise(w: number, h: number, seed: number) {
  const rng = new Rng(1000 + seed);
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = Math.max(0, Math.min(255, Math.round(128 + 40 * rng.normal())));
  return sharp(px, { raw: { width: w, height: h, channels: 3 } });
}

/** `n` bytes flipped at seeded positions after the first `skip` bytes (the header stays readable). */
function flipBytes(bytes: Buffer, seed: number, n: number, skip: number): Buffer {
  const out = Buffer.from(bytes);
  const rng = new Rng(seed);
  for (let k = 0; k < n; k++) {
    const at = skip + Math.floor(rng.uniform() * (out.length - skip - 2));
    out[at] = (out[at] as number) ^ 0xff;
  }
  return out;
}

async function put(name: string, data: Buffer | string, kind: string, expected: ImageCase['expect']) {
  const file = join(dir, 'img', name);
  await writeFile(file, data);
  imageCases.push({ file, kind, expect: expected });
  return file;
}

beforeAll(async () => {
  await selectBackend('cpu');
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  dir = await mkdtemp(join(tmpdir(), 'vlp-bad-inputs-'));
  await mkdir(join(dir, 'img'), { recursive: true });

  // Good files: each must come out, at its size, whatever sits next to it.
  for (const [i, fmt] of ['jpeg', 'png', 'webp', 'tiff'].entries()) {
    const bytes = await noise(30 + i, 20, i)
      .toFormat(fmt as 'jpeg')
      .toBuffer();
    await put(`good-${i}.${fmt === 'jpeg' ? 'jpg' : fmt}`, bytes, 'good image', 'loaded');
  }
  const jpg = await noise(96, 64, 7).jpeg({ quality: 90 }).toBuffer();
  const png = await noise(96, 64, 8).png().toBuffer();
  // Truncated at nine cut points each.
  for (let k = 1; k <= 9; k++) {
    await put(`cut-${k}.jpg`, jpg.subarray(0, Math.floor((jpg.length * k) / 10)), 'truncated JPEG', (o) =>
      ['truncated', 'corrupt'].includes(o),
    );
    await put(`cut-${k}.png`, png.subarray(0, Math.floor((png.length * k) / 10)), 'truncated PNG', (o) =>
      ['truncated', 'corrupt'].includes(o),
    );
  }
  // Bit flips in the entropy-coded data: a decoder may recover (garbled pixels) or refuse; either way a
  // typed outcome, never a crash.
  for (let s = 0; s < 8; s++) {
    await put(`flip-${s}.jpg`, flipBytes(jpg, s, 24, 700), 'corrupt JPEG (bit flips)', (o) =>
      ['loaded', 'corrupt', 'truncated'].includes(o),
    );
    await put(`flip-${s}.png`, flipBytes(png, 100 + s, 24, 64), 'corrupt PNG (bit flips)', (o) =>
      ['loaded', 'corrupt', 'truncated'].includes(o),
    );
  }
  for (const ext of ['jpg', 'png', 'gif', 'webp'])
    await put(`zero.${ext}`, '', 'zero-byte file', 'empty-file');
  await put('bomb.png', pngDeclaring(20000, 20000), 'declares 20000x20000', 'too-large');
  await put('bomb.jpg', jpegDeclaring(jpg, 20000, 20000), 'declares 20000x20000', 'too-large');
  await put('text.jpg', 'not an image at all\n', 'text named .jpg', 'unsupported-format');
  // Colour spaces, depths and animation: must load as 8-bit RGB at the right size.
  const rb = await noise(24, 16, 3).raw().toBuffer();
  const raw = { raw: { width: 24, height: 16, channels: 3 as const } };
  const c1 = await put(
    'cmyk.jpg',
    await sharp(rb, raw).toColourspace('cmyk').jpeg().toBuffer(),
    'CMYK JPEG',
    'loaded',
  );
  const deep = Buffer.from(new Uint16Array(24 * 16 * 3).fill(0x8080).buffer);
  const c2 = await put(
    'deep16.png',
    await sharp(deep, raw).toColourspace('rgb16').png().toBuffer(),
    '16-bit PNG',
    'loaded',
  );
  const c3 = await put(
    'deep16.tiff',
    await sharp(deep, raw).toColourspace('rgb16').tiff().toBuffer(),
    '16-bit TIFF',
    'loaded',
  );
  const frames = await Promise.all(
    [0, 1, 2].map((k) =>
      sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 80 * k, g: 0, b: 0 } } })
        .png()
        .toBuffer(),
    ),
  );
  const c4 = await put(
    'anim.gif',
    await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer(),
    'animated GIF',
    'loaded',
  );
  const c5 = await put(
    'anim.webp',
    await sharp(frames, { join: { animated: true } })
      .webp()
      .toBuffer(),
    'animated WebP',
    'loaded',
  );
  for (const c of [c1, c2, c3, c4, c5]) {
    const ic = imageCases.find((x) => x.file === c);
    if (ic) ic.size = [24, 16];
  }
  // Hostile SVG: every way of reaching out, aimed at our own server; a file it could read is red.
  const secret = join(dir, 'secret-red.png');
  await writeFile(
    secret,
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .png()
      .toBuffer(),
  );
  const u = (p: string) => `http://127.0.0.1:${port}/${p}`;
  const svg = (body: string, head = '') =>
    `${head}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">${body}</svg>`;
  const hostile: [string, string][] = [
    ['script', svg(`<script>fetch('${u('script')}')</script><rect width="10" height="10" fill="#fff"/>`)],
    ['onload', svg(`<rect width="10" height="10" fill="#fff" onload="fetch('${u('onload')}')"/>`)],
    ['remote-image', svg(`<image href="${u('remote.png')}" width="10" height="10"/>`)],
    ['file-image', svg(`<image xlink:href="file://${secret}" width="10" height="10"/>`)],
    ['relative-image', svg(`<image href="${secret}" width="10" height="10"/>`)],
    ['css-import', svg(`<style>@import url(${u('style.css')});</style>`)],
    ['css-url', svg(`<rect width="10" height="10" fill="url(${u('paint')}#p)"/>`)],
    ['stylesheet-pi', svg('', `<?xml-stylesheet href="${u('pi.css')}"?>`)],
    ['foreign-object', svg(`<foreignObject><iframe src="${u('iframe')}"/></foreignObject>`)],
    ['xinclude', svg(`<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${u('xi')}"/>`)],
    ['char-ref', svg(`<image href="&#104;ttp://127.0.0.1:${port}/charref.png" width="10" height="10"/>`)],
  ];
  for (const [name, text] of hostile) {
    const f = await put(`svg-${name}.svg`, text, 'SVG with external reference or script', 'loaded');
    const ic = imageCases.find((x) => x.file === f);
    if (ic) ic.size = [32, 32]; // vector art is rendered at the target short side
  }
  await put(
    'svg-entity.svg',
    `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file://${secret}">]>${svg('<text>&x;</text>')}`,
    'SVG with external entity',
    'unsafe-svg',
  );
  // File-system oddities.
  const img = (n: string) => join(dir, 'img', n);
  await symlink(img('loop-b.jpg'), img('loop-a.jpg'));
  await symlink(img('loop-a.jpg'), img('loop-b.jpg'));
  imageCases.push({ file: img('loop-a.jpg'), kind: 'symlink loop', expect: 'read-error' });
  imageCases.push({ file: img('loop-b.jpg'), kind: 'symlink loop', expect: 'read-error' });
  await symlink(img('nowhere.jpg'), img('dangling.jpg'));
  imageCases.push({ file: img('dangling.jpg'), kind: 'dangling symlink', expect: 'not-found' });
  await symlink(img('good-0.jpg'), img('link-to-good.jpg'));
  imageCases.push({ file: img('link-to-good.jpg'), kind: 'symlink to a good image', expect: 'loaded' });
  await mkdir(img('folder.jpg'));
  imageCases.push({ file: img('folder.jpg'), kind: 'directory named .jpg', expect: 'read-error' });
  execFileSync('mkfifo', [img('fifo.jpg')]);
  imageCases.push({
    file: img('fifo.jpg'),
    kind: 'FIFO named .jpg (would block a read)',
    expect: 'read-error',
  });
  const locked = await put(
    'locked.png',
    png,
    isRoot ? 'file with mode 000 (root reads it anyway)' : 'unreadable file (mode 000)',
    isRoot ? 'loaded' : 'read-error',
  );
  await chmod(locked, 0o000);
  // Directory loop for the folder walk: img/sub/up -> img.
  await mkdir(img('sub'));
  await symlink(join(dir, 'img'), img('sub/up'));
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  figures.write();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const matches = (c: ImageCase, outcome: string) =>
  typeof c.expect === 'string' ? c.expect === outcome : c.expect(outcome);

describe('images through loadImages: one batch, every case', () => {
  it('every bad file is a typed skip naming it, every good one loads, nothing lost, nothing fetched', async () => {
    const paths = imageCases.map((c) => c.file);
    const result = await loadImages(paths, { imageSize: undefined, maxShortSide: 32, concurrency: 2 });
    expect(result.images.length + result.skipped.length).toBe(paths.length);
    const outcome = new Map<string, string>();
    for (const s of result.skipped) {
      expect(s.message.length).toBeGreaterThan(0);
      outcome.set(s.path, s.reason);
    }
    result.paths.forEach((p, k) => {
      const im = result.images[k];
      expect(im?.data.length).toBe((im?.width ?? 0) * (im?.height ?? 0) * 3);
      outcome.set(p, 'loaded');
    });
    const wrong: string[] = [];
    for (const c of imageCases) {
      const o = outcome.get(c.file) ?? 'LOST';
      figures.count(c.kind, 'loadImages', o);
      if (!matches(c, o)) wrong.push(`${relative(dir, c.file)} [${c.kind}]: ${o}`);
      if (o === 'loaded' && c.size) {
        const im = result.images[result.paths.indexOf(c.file)];
        // maxShortSide 32 never enlarges rasters: these small fixtures keep their size.
        expect([im?.width, im?.height], c.file).toEqual(c.size);
      }
    }
    expect(wrong).toEqual([]);
    // Barrier: our own request is answered after any the decoder could have opened.
    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/barrier`);
    expect(requests).toEqual(['/barrier']);
    requests.length = 0;
    // Bit-flipped JPEGs decode with libjpeg warnings under the default failOn 'error' (as PIL does);
    // failOn 'warning' turns each warning into a typed skip.
    const flipped = imageCases.filter((c) => c.kind === 'corrupt JPEG (bit flips)').map((c) => c.file);
    const strict = await loadImages(flipped, { maxShortSide: 32, failOn: 'warning', concurrency: 2 });
    for (const s of strict.skipped)
      figures.count("corrupt JPEG (bit flips), failOn 'warning'", 'loadImages', s.reason);
    for (const _ of strict.images)
      figures.count("corrupt JPEG (bit flips), failOn 'warning'", 'loadImages', 'loaded');
    console.log(`failOn 'warning': ${strict.skipped.length} of ${flipped.length} bit-flipped JPEGs refused`);
    expect(strict.images).toHaveLength(0); // the flips are seeded: every one of them trips a warning
    // The hostile SVGs rendered white: the red file they point at was never read.
    for (const c of imageCases.filter((x) => x.file.includes('svg-') && x.expect === 'loaded')) {
      const im = result.images[result.paths.indexOf(c.file)];
      expect(Array.from(im?.data.subarray(0, 3) ?? []), c.file).toEqual([255, 255, 255]);
    }
  });
});

describe('ingest: images folder, JSONL, CSV and sidecar captions', () => {
  it('a folder walk reports symlink loops, dangling links, FIFOs; captions of every bad kind are skips', async () => {
    const cap = join(dir, 'cap');
    await mkdir(cap);
    const good = async (name: string, r: number) => {
      await writeFile(
        join(cap, name),
        await sharp({ create: { width: 12, height: 10, channels: 3, background: { r, g: 1, b: 2 } } })
          .png()
          .toBuffer(),
      );
      return name;
    };
    const MB = 'word '.repeat(210_000); // ~1 MB
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
    // [line bytes, kind, expected outcome]
    const rows: [Buffer, string, string][] = [
      [
        Buffer.from(JSON.stringify({ image: await good('a.png', 10), caption: 'a fine caption' })),
        'good pair',
        'pair',
      ],
      [
        Buffer.from(JSON.stringify({ image: await good('b.png', 20), caption: MB })),
        '1 MB caption',
        'pair (truncated)',
      ],
      [
        Buffer.from(JSON.stringify({ image: await good('c.png', 30), caption: '' })),
        'empty caption',
        'empty-caption',
      ],
      [
        Buffer.from(JSON.stringify({ image: await good('d.png', 40), caption: ' \t\n ' })),
        'whitespace caption',
        'empty-caption',
      ],
      [Buffer.from(JSON.stringify({ image: await good('e.png', 50) })), 'missing caption', 'no-caption'],
      [
        Buffer.concat([
          Buffer.from(`{"image": "${await good('f.png', 60)}", "caption": "`),
          bad,
          Buffer.from('"}'),
        ]),
        'non-UTF-8 caption',
        'non-utf8',
      ],
      [
        Buffer.from(JSON.stringify({ image: await good('g.png', 70), caption: 'lone \ud800 surrogate' })),
        'lone surrogate caption',
        'pair',
      ],
      [
        Buffer.from(
          JSON.stringify({ image: await good('h.png', 80), caption: 'nul\u0000 and \u202e rtl 🐈' }),
        ),
        'control characters caption',
        'pair',
      ],
      [Buffer.from(JSON.stringify({ image: 'missing.png', caption: 'gone' })), 'missing image', 'not-found'],
      [
        Buffer.from(JSON.stringify({ image: '../img/loop-a.jpg', caption: 'loop' })),
        'symlink loop image',
        'read-error',
      ],
      [
        Buffer.from(JSON.stringify({ image: '../img/fifo.jpg', caption: 'fifo' })),
        'FIFO image',
        'read-error',
      ],
      [
        Buffer.from(JSON.stringify({ image: '../img/folder.jpg', caption: 'dir' })),
        'directory as image',
        'read-error',
      ],
      [
        Buffer.from(JSON.stringify({ image: '../img/cut-3.jpg', caption: 'cut' })),
        'truncated image',
        'truncated',
      ],
      [
        Buffer.from(JSON.stringify({ image: 42, caption: 'x' })),
        'image field of the wrong type',
        'parse-error',
      ],
      [Buffer.from('{"image": "a.png", "caption": '), 'truncated JSON line', 'parse-error'],
    ];
    await writeFile(join(cap, 'pairs.jsonl'), Buffer.concat(rows.flatMap(([b]) => [b, Buffer.from('\n')])));
    // Sidecar folder: non-UTF-8, empty and missing .txt.
    const side = join(dir, 'side');
    await mkdir(side);
    for (const [n, txt] of [
      ['s1', Buffer.from('a sidecar caption')],
      ['s2', bad],
      ['s3', Buffer.from('')],
      ['s4', undefined],
    ] as const) {
      await writeFile(
        join(side, `${n}.png`),
        await sharp({
          create: { width: 8, height: 8, channels: 3, background: { r: 1, g: n.charCodeAt(1), b: 9 } },
        })
          .png()
          .toBuffer(),
      );
      if (txt !== undefined) await writeFile(join(side, `${n}.txt`), txt);
    }
    const { manifest } = await ingest(
      [
        { kind: 'images', name: 'folder', path: join(dir, 'img') },
        { kind: 'jsonl', name: 'pairs', path: join(cap, 'pairs.jsonl') },
        { kind: 'sidecar', name: 'side', path: side },
      ],
      { outDir: join(dir, 'corpus'), maxCaptionChars: 500 },
    );
    const out = join(dir, 'corpus');
    const where = (p: string) => resolve(out, p);

    // Folder: every image-named entry the walk meets is kept, a duplicate, or a skip with a reason.
    const folder = manifest.sources.find((s) => s.name === 'folder')?.counts;
    const kept = new Set(manifest.images.map((i) => ('path' in i.image ? where(i.image.path) : '')));
    const skippedFolder = new Map(
      manifest.skipped.filter((s) => s.source === 'folder').map((s) => [where(s.path), s.reason]),
    );
    const dupes = new Set(manifest.duplicates.map((d) => where(d.duplicate)));
    const wrong: string[] = [];
    // The folder source takes raster extensions only; a directory named x.jpg is simply walked.
    const walked = imageCases.filter((c) => !c.file.endsWith('.svg') && !c.file.endsWith('folder.jpg'));
    for (const c of walked) {
      const o = kept.has(c.file)
        ? 'loaded'
        : dupes.has(c.file)
          ? 'loaded'
          : (skippedFolder.get(c.file) ?? 'LOST');
      figures.count(c.kind, 'ingest (images folder)', o);
      if (!matches(c, o)) wrong.push(`${relative(dir, c.file)} [${c.kind}]: ${o}`);
    }
    // The directory loop img/sub/up -> img is reported once, not walked forever.
    const loopSkip = manifest.skipped.find((s) => s.source === 'folder' && s.path.endsWith('sub/up'));
    expect(loopSkip?.message).toMatch(/loop|already/);
    figures.count('directory symlink loop', 'ingest (images folder)', loopSkip?.reason ?? 'LOST');
    expect(wrong).toEqual([]);
    expect(folder && folder.images + folder.skipped + folder.duplicates).toBe(walked.length + 1);

    // JSONL: one outcome per line, in order.
    const pairsSkipped = manifest.skipped.filter((s) => s.source === 'pairs');
    const pairOut = new Map<number, string>();
    for (const s of pairsSkipped) pairOut.set(Number(/:(\d+)(#|$)/.exec(s.path)?.[1]), s.reason);
    const pairs = manifest.pairs.filter((p) => p.source === 'pairs');
    const truncatedLines = new Set(
      manifest.notes.filter((n) => n.source === 'pairs').map((n) => Number(/:(\d+)$/.exec(n.path)?.[1])),
    );
    expect(pairs.length + pairsSkipped.length).toBe(rows.length);
    rows.forEach(([, kind, want], i) => {
      const line = i + 1;
      const got = pairOut.get(line) ?? (truncatedLines.has(line) ? 'pair (truncated)' : 'pair');
      figures.count(kind, 'ingest (JSONL)', got);
      expect(`${kind}: ${got}`).toBe(`${kind}: ${want}`);
    });
    const long = pairs.find((p) => p.captions[0]?.startsWith('word word'));
    expect(long?.captions[0]).toHaveLength(500);
    for (const s of manifest.skipped) {
      expect(s.path.length).toBeGreaterThan(0);
      expect(s.message.length).toBeGreaterThan(0);
    }

    // Sidecar: s1 kept; s2 non-UTF-8, s3 empty, s4 without a .txt.
    const sideReasons = manifest.skipped
      .filter((s) => s.source === 'side')
      .map((s) => `${s.path.split('/').pop()}:${s.reason}`)
      .sort();
    expect(sideReasons).toEqual(['s2.png:non-utf8', 's3.png:empty-caption', 's4.png:no-caption']);
    for (const r of ['kept', 'non-utf8', 'empty-caption', 'no-caption'])
      figures.count(
        `sidecar caption (${r === 'kept' ? 'good' : r})`,
        'ingest (sidecar)',
        r === 'kept' ? 'pair' : r,
      );
    expect(manifest.pairs.filter((p) => p.source === 'side')).toHaveLength(1);
  });
});

describe('checkpoint files', () => {
  it('a safetensors file cut at every 5th byte is a CheckpointError naming it; no tensor is left behind', async () => {
    const d = join(dir, 'st');
    await mkdir(d);
    const full = join(d, 'model.safetensors');
    const w = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tf.tensor1d([7, 8, 9, 10], 'int32');
    await writeSafetensorsFile(
      full,
      { 'fc.weight': w, 'fc.bias': b, 'h.half': { tensor: w, dtype: 'F16' } },
      { format: 'pt' },
    );
    tf.dispose([w, b]);
    const bytes = await readFile(full);
    const before = tf.memory().numTensors;
    const cuts: number[] = [];
    for (let n = 0; n < bytes.length; n += 5) cuts.push(n);
    for (const n of cuts) {
      const p = join(d, `cut-${n}.safetensors`);
      await writeFile(p, bytes.subarray(0, n));
      const err = await readSafetensorsFile(p).then(
        (r) => {
          tf.dispose(Object.values(r.tensors));
          return null;
        },
        (e: unknown) => e,
      );
      expect(err, `cut at ${n}`).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).source).toBe(p);
      expect((err as CheckpointError).problem).toMatch(/truncated|header|not sane|JSON|UTF-8|unexpected/);
      figures.count(
        'truncated safetensors',
        'readSafetensorsFile',
        `CheckpointError: ${/^(\w+)/.exec((err as CheckpointError).problem)?.[1]}`,
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    const ok = await readSafetensorsFile(full);
    expect(Array.from(ok.tensors['fc.bias']?.dataSync() ?? [])).toEqual([7, 8, 9, 10]);
    tf.dispose(Object.values(ok.tensors));
  });

  it('NaN / Inf in a checkpoint: refused with the tensor named when asked; a damaged newest checkpoint falls back', async () => {
    const root = join(dir, 'ckpt');
    const good = tf.tensor1d([1, 2, 3]);
    await saveCheckpoint(join(root, 'step-1'), { model: { w: good }, config: {}, state: { step: 1 } });
    for (const [k, bad] of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].entries()) {
      const t = tf.tensor1d([1, bad, 3]);
      const d = join(root, `nonfinite-${k}`);
      await saveCheckpoint(d, { model: { 'layer.w': t }, config: {}, state: { step: 0 } });
      t.dispose();
      const n = tf.memory().numTensors;
      const err = await loadCheckpoint(d, { allowNonFinite: false }).then(
        () => null,
        (e: unknown) => e as CheckpointError,
      );
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err?.message).toMatch(
        new RegExp(
          `model\\.safetensors: tensor "layer\\.w" has non-finite values \\(${String(bad).replace('+', '\\+')} at index 1\\)`,
        ),
      );
      expect(tf.memory().numTensors).toBe(n);
      figures.count(`${String(bad)} in a checkpoint`, 'loadCheckpoint', 'CheckpointError: non-finite');
    }
    // Newest checkpoint (step 2) truncated on disk: resume must pick step 1, and loading step 2 names the file.
    await saveCheckpoint(join(root, 'step-2'), { model: { w: good }, config: {}, state: { step: 2 } });
    good.dispose();
    await truncate(join(root, 'step-2', 'model.safetensors'), 20);
    await expect(loadCheckpoint(join(root, 'step-2'))).rejects.toThrow(/model\.safetensors: size mismatch/);
    expect(await latestCheckpoint(root)).toBe(join(root, 'step-1'));
    figures.count('truncated file in the newest checkpoint', 'latestCheckpoint', 'fell back to previous');
  });
});

describe('configs: unknown keys and wrong types in every preset', () => {
  const parsers: [string, string, (v: unknown, source: string) => unknown][] = [
    ['pretrain', 'recipe', parseRecipe],
    ['vision', 'image encoder', parseImageEncoderConfig],
    ['text', 'text encoder', parseTextEncoderConfig],
    ['fusion', 'fusion', parseFusionConfig],
  ];
  it('each mutation is a clear error naming the source and the field; the unmutated preset parses', async () => {
    const wrongType = (v: unknown): unknown =>
      typeof v === 'string'
        ? 12345
        : typeof v === 'number'
          ? 'twelve'
          : typeof v === 'boolean'
            ? 'yes'
            : 'not-an-object';
    const failures: string[] = [];
    for (const [pkg, what, parse] of parsers) {
      const cdir = resolve(import.meta.dirname, '../../packages', pkg, 'configs');
      for (const file of (await readdir(cdir)).filter((f) => f.endsWith('.json')).sort()) {
        const base = JSON.parse(await readFile(join(cdir, file), 'utf8')) as Record<string, unknown>;
        const source = `${pkg}/configs/${file}`;
        parse(base, source); // the preset itself is valid
        const mutations: [string, Record<string, unknown>, string][] = [
          ['unknown key', { ...base, learningRat: 0.1 }, 'learningRat'],
        ];
        for (const key of Object.keys(base)) {
          mutations.push(['wrong type', { ...base, [key]: wrongType(base[key]) }, key]);
        }
        for (const [kind, value, field] of mutations) {
          let message: string | undefined;
          try {
            parse(value, source);
          } catch (e) {
            message = e instanceof Error ? e.message : String(e);
          }
          figures.count(
            `${what} config: ${kind}`,
            `parse (${pkg})`,
            message === undefined ? 'accepted' : 'error',
          );
          if (message === undefined || !message.includes(source) || !message.includes(field)) {
            failures.push(`${source} ${kind} ${field}: ${message ?? 'accepted'}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

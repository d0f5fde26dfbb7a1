// Property-based fuzzing with fast-check (issue 10) of three parsers that meet untrusted input: the
// WordPiece tokenizer (any Unicode, lone surrogates and control characters included), the corpus manifest
// reader (any JSON, any bytes, and valid manifests with one field mutated), and the safetensors reader
// (any bytes, random headers, and valid files with bytes flipped, cut or inserted). The properties: never
// throw anything but the parser's own clear error, never hang, never half-load; and the invariants that
// do hold (ids in range, masks consistent, decode/encode round trips) hold for every generated case.
// Seeds are fixed so a failure reproduces; fast-check prints the shrunk counter-example.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type CorpusManifest, ingest, readManifest } from '@vlp/pretrain';
import {
  CheckpointError,
  decodeSafetensors,
  encodeSafetensors,
  SAFETENSORS_DTYPES,
  selectBackend,
} from '@vlp/tensor-core';
import { tokenizerFromJson, tokenizerToJson, trainWordPiece, type WordPieceTokenizer } from '@vlp/text';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Figures } from './_figures.js';

const figures = new Figures('properties');
let dir: string;
let tok: WordPieceTokenizer;
const CORPUS = [
  'a dog runs on the grass',
  'two cats sleep on a red sofa',
  'the man rides a bicycle down the street',
  'a woman holds an umbrella in the rain',
  "children play football in the park, don't they?",
  'a plate of food with rice and vegetables!',
];
const WORDS = [
  ...new Set(
    CORPUS.join(' ')
      .split(/[^a-z]+/)
      .filter((w) => w.length > 0),
  ),
];

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'vlp-props-'));
  tok = trainWordPiece(CORPUS, { vocabSize: 120, minFrequency: 1 }).tokenizer;
});

afterAll(async () => {
  figures.write();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Any UTF-16 string: full Unicode, lone surrogates, controls, combining marks, emoji, CJK. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((c) => String.fromCharCode(...c)),
  fc
    .array(
      fc.constantFrom(
        ...WORDS,
        ' ',
        '  ',
        '.',
        ',',
        "'",
        '!',
        '?',
        '[MASK]',
        '[SEP]',
        'é',
        '猫',
        '🐈',
        '\u0301',
        '\t',
        '\n',
      ),
      {
        maxLength: 30,
      },
    )
    .map((p) => p.join('')),
);

describe('tokenizer', () => {
  it('never throws on any Unicode; ids in range; [CLS] ... [SEP]; mask and length consistent', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        anyText,
        fc.option(fc.integer({ min: 3, max: 24 }), { nil: undefined }),
        (text, maxLength) => {
          runs++;
          const e = tok.encode(text, maxLength === undefined ? {} : { maxLength });
          const n = e.inputIds.length;
          expect(n).toBeGreaterThanOrEqual(2);
          if (maxLength !== undefined) expect(n).toBeLessThanOrEqual(maxLength);
          for (const id of e.inputIds) {
            expect(Number.isInteger(id) && id >= 0 && id < tok.vocabSize).toBe(true);
          }
          expect(e.inputIds[0]).toBe(tok.specialIds.cls);
          expect(e.inputIds[n - 1]).toBe(tok.specialIds.sep);
          expect(Array.from(e.attentionMask)).toEqual(new Array(n).fill(1));
          expect(e.tokenTypeIds.length).toBe(n);
        },
      ),
      { seed: 10, numRuns: 400 },
    );
    figures.count(
      'arbitrary Unicode text (lone surrogates, controls, emoji)',
      'tokenizer.encode',
      'held',
      runs,
    );
  });

  it('decode(encode(x)) with [UNK] kept re-encodes to the same ids; whole vocabulary words round-trip exactly', () => {
    let runs = 0;
    fc.assert(
      fc.property(anyText, (text) => {
        runs++;
        const ids = tok.encode(text).inputIds;
        // Inner ids with [UNK] kept as its token text (skipping it, the default, drops unknown words).
        const back = tok.decode(ids.subarray(1, -1), { cleanUp: false, skipSpecialTokens: false });
        expect(Array.from(tok.encode(back).inputIds)).toEqual(Array.from(ids));
      }),
      { seed: 11, numRuns: 400 },
    );
    figures.count('decode then re-encode arbitrary text', 'tokenizer.decode/encode', 'held', runs);
    runs = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }), (words) => {
        runs++;
        const text = words.join(' ');
        expect(tok.decode(tok.encode(text).inputIds)).toBe(text);
      }),
      { seed: 12, numRuns: 300 },
    );
    figures.count('sentence of vocabulary words: exact round trip', 'tokenizer.decode/encode', 'held', runs);
    runs = 0;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: tok.vocabSize - 1 }), { maxLength: 40 }), (ids) => {
        runs++;
        expect(typeof tok.decode(ids)).toBe('string');
      }),
      { seed: 13, numRuns: 300 },
    );
    figures.count('arbitrary in-range ids', 'tokenizer.decode', 'held', runs);
  });

  it('tokenizer.json of any shape: a tokenizer or an Error with a message, never a TypeError', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => {
        runs++;
        try {
          tokenizerFromJson(JSON.stringify(json));
          figures.count('arbitrary tokenizer.json', 'tokenizerFromJson', 'loaded');
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect(e).not.toBeInstanceOf(TypeError);
          expect((e as Error).message.length).toBeGreaterThan(0);
          figures.count('arbitrary tokenizer.json', 'tokenizerFromJson', 'clear error');
        }
      }),
      { seed: 14, numRuns: 300 },
    );
    expect(runs).toBe(300);
    // The tokenizer's own tokenizer.json with one field changed or removed.
    const own = JSON.parse(JSON.stringify(tokenizerToJson(tok))) as unknown;
    const paths = pathsOf(own).filter((p) => p[1] !== 'vocab' || p.length <= 3);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined, freq: 4 }),
        (path, value) => {
          try {
            const t = tokenizerFromJson(JSON.stringify(mutate(own, path, value)));
            for (const id of t.encode('a dog runs on the grass').inputIds)
              expect(id).toBeLessThan(t.vocabSize);
            figures.count('valid tokenizer.json, one field mutated', 'tokenizerFromJson', 'loaded');
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect(e).not.toBeInstanceOf(TypeError);
            figures.count('valid tokenizer.json, one field mutated', 'tokenizerFromJson', 'clear error');
          }
        },
      ),
      { seed: 15, numRuns: 300 },
    );
  });
});

const VALID_MANIFEST: CorpusManifest = {
  format: 'vlp-corpus',
  version: 1,
  createdAt: '2026-11-29T12:00:00.000Z',
  maxCaptionChars: 100,
  sources: [
    {
      name: 's',
      kind: 'jsonl',
      counts: { pairs: 1, images: 1, texts: 1, captions: 1, skipped: 1, truncated: 0, duplicates: 0 },
    },
  ],
  pairs: [{ id: 's/0', source: 's', image: { path: 'a.png' }, sha256: 'a'.repeat(64), captions: ['a dog'] }],
  images: [
    {
      id: 's/1',
      source: 's',
      image: { shard: 'x.tar', member: 'k.jpg', offset: 512, size: 10 },
      sha256: 'b'.repeat(64),
    },
  ],
  texts: [{ id: 's/2', source: 's', text: 'hello' }],
  skipped: [{ source: 's', path: 'b.png', reason: 'corrupt', message: 'bad' }],
  notes: [],
  duplicates: [],
};

/** Every path (as key lists) into a JSON value, the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [];
  const out: (string | number)[][] = [];
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...pathsOf(child, p));
  }
  return out;
}

/** A deep copy of `v` with the value at `path` replaced (or deleted when `value` is undefined). */
function mutate(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

describe('corpus manifest reader', () => {
  const MANIFEST_PATHS = pathsOf(VALID_MANIFEST);
  const check = async (bytes: Uint8Array | string, kind: string): Promise<void> => {
    const path = join(dir, 'manifest.json');
    await writeFile(path, bytes);
    try {
      const m = await readManifest(path);
      expect(m.format).toBe('vlp-corpus');
      figures.count(kind, 'readManifest', 'valid manifest');
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(
        new RegExp(
          `^${path}: (not a readable JSON manifest \\(.+\\)|invalid corpus manifest at \\S*: .+)$`,
          's',
        ),
      );
      figures.count(kind, 'readManifest', 'clear error');
    }
  };
  it('any JSON, any bytes, or a valid manifest with one field changed or removed: a manifest or a clear error', async () => {
    await check(JSON.stringify(VALID_MANIFEST), 'the valid manifest itself');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (j) => check(JSON.stringify(j), 'arbitrary JSON')),
      { seed: 20, numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (b) => check(b, 'arbitrary bytes')),
      { seed: 21, numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...MANIFEST_PATHS),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined, freq: 4 }),
        (path, value) =>
          check(JSON.stringify(mutate(VALID_MANIFEST, path, value)), 'valid manifest, one field mutated'),
      ),
      { seed: 22, numRuns: 300 },
    );
  });
});

describe('safetensors reader', () => {
  const leaks = () => tf.memory().numTensors;
  /** Decodes; on success every tensor is whole (size = product of its header shape); on failure nothing leaks. */
  const check = (bytes: Uint8Array, kind: string): void => {
    const before = leaks();
    let decoded: ReturnType<typeof decodeSafetensors> | undefined;
    try {
      decoded = decodeSafetensors(bytes, { source: 'fuzz.safetensors' });
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      expect((e as CheckpointError).source).toBe('fuzz.safetensors');
      expect(leaks()).toBe(before);
      figures.count(kind, 'decodeSafetensors', 'CheckpointError');
      return;
    }
    for (const t of Object.values(decoded.tensors)) {
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.dataSync().length).toBe(t.size);
    }
    expect(leaks()).toBe(before + Object.keys(decoded.tensors).length);
    tf.dispose(Object.values(decoded.tensors));
    figures.count(kind, 'decodeSafetensors', 'loaded whole');
  };
  /** Safetensors bytes from a header object and a data length (padded with spaces to 8 bytes or not). */
  const withHeader = (header: unknown, dataBytes: number, pad: boolean): Uint8Array => {
    let json = new TextEncoder().encode(JSON.stringify(header));
    if (pad && json.length % 8 !== 0) {
      const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
      padded.set(json);
      json = padded;
    }
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    for (let i = 8 + json.length; i < out.length; i++) out[i] = (i * 37) & 0xff;
    return out;
  };

  it('any bytes: a CheckpointError naming the source or a whole load; never another error, never a leak', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => check(b, 'arbitrary bytes')),
      { seed: 30, numRuns: 300 },
    );
  });

  it('random headers (dtypes, shapes, offsets, metadata) over random data', () => {
    const entry = fc.record({
      dtype: fc.oneof(fc.constantFrom(...SAFETENSORS_DTYPES), fc.string({ maxLength: 4 })),
      shape: fc.array(fc.nat(5), { maxLength: 3 }),
      data_offsets: fc.oneof(
        fc.tuple(fc.nat(64), fc.nat(64)),
        fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()), { maxLength: 3 }),
      ),
    });
    const header = fc.dictionary(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constant('__metadata__')),
      fc.oneof(entry, fc.jsonValue({ maxDepth: 2 })),
      { maxKeys: 4 },
    );
    fc.assert(
      fc.property(header, fc.nat(96), fc.boolean(), (h, n, pad) =>
        check(withHeader(h, n, pad), 'random header'),
      ),
      { seed: 31, numRuns: 400 },
    );
    // Consistent headers (offsets laid end to end) so the decode path itself is fuzzed, not only validation.
    const consistent = fc
      .array(
        fc.record({
          dtype: fc.constantFrom(...SAFETENSORS_DTYPES),
          shape: fc.array(fc.nat(4), { maxLength: 3 }),
        }),
        {
          minLength: 1,
          maxLength: 4,
        },
      )
      .map((entries) => {
        const bytesOf: Record<string, number> = {
          F64: 8,
          I64: 8,
          F32: 4,
          I32: 4,
          F16: 2,
          BF16: 2,
          I16: 2,
          I8: 1,
          U8: 1,
          BOOL: 1,
        };
        let at = 0;
        const h: Record<string, unknown> = {};
        entries.forEach((e, i) => {
          const size = e.shape.reduce((a, b) => a * b, 1) * (bytesOf[e.dtype] ?? 1);
          h[`t${i}`] = { dtype: e.dtype, shape: e.shape, data_offsets: [at, at + size] };
          at += size;
        });
        return { h, at };
      });
    fc.assert(
      fc.property(consistent, fc.boolean(), ({ h, at }, pad) =>
        check(withHeader(h, at, pad), 'consistent random header'),
      ),
      { seed: 32, numRuns: 300 },
    );
  });

  it('valid files with bytes flipped, cut, inserted or the length field rewritten', async () => {
    const a = tf.tensor2d([
      [1.5, -2, 3],
      [4, 5, 6e-3],
    ]);
    const b = tf.tensor1d([1, -7, 300], 'int32');
    const valid = await encodeSafetensors(
      {
        w: a,
        h: { tensor: a, dtype: 'F16' },
        bf: { tensor: a, dtype: 'BF16' },
        i: b,
        u: { tensor: tf.tensor1d([1, 2, 255], 'int32'), dtype: 'U8' },
      },
      { format: 'pt' },
    );
    tf.dispose([a, b]);
    check(valid, 'valid file (control)');
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(valid.length - 1),
        xor: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length - 1) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(valid.length),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
      }),
      fc.record({
        kind: fc.constant('length' as const),
        value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let bytes = Uint8Array.from(valid);
        for (const m of ms) {
          if (m.kind === 'flip' && m.at < bytes.length) bytes[m.at] = (bytes[m.at] as number) ^ m.xor;
          else if (m.kind === 'cut') bytes = bytes.subarray(0, Math.min(m.at, bytes.length));
          else if (m.kind === 'insert') {
            const at = Math.min(m.at, bytes.length);
            const out = new Uint8Array(bytes.length + m.bytes.length);
            out.set(bytes.subarray(0, at));
            out.set(m.bytes, at);
            out.set(bytes.subarray(at), at + m.bytes.length);
            bytes = out;
          } else if (m.kind === 'length' && bytes.length >= 8) {
            new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, m.value, true);
          }
        }
        check(bytes, 'valid file, mutated (flip / cut / insert / length)');
      }),
      { seed: 33, numRuns: 500 },
    );
  });
});

describe('ingest of fuzzed JSONL and CSV sources', () => {
  it('any lines: a line without a skip record became a pair or a duplicate; every skip has a reason; nothing throws', async () => {
    const img = join(dir, 'fuzz-img.png');
    const { default: sharp } = await import('sharp');
    await writeFile(
      img,
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } })
        .png()
        .toBuffer(),
    );
    const imagePath = fc.constantFrom(
      img,
      'fuzz-img.png',
      'missing.png',
      '/dev/zero',
      '/dev/urandom',
      '/proc/self/environ',
      '/',
      '',
      'a\u0000b.png',
      '../../../../etc/passwd',
    );
    const caption = fc.oneof(
      anyText,
      fc.constant(''),
      fc.array(anyText, { maxLength: 3 }),
      fc.integer(),
      fc.constant(null),
    );
    const line = fc.oneof(
      fc.record({ image: imagePath, caption }).map((r) => new TextEncoder().encode(JSON.stringify(r))),
      fc.jsonValue({ maxDepth: 2 }).map((j) => new TextEncoder().encode(JSON.stringify(j))),
      fc.uint8Array({ maxLength: 40 }).map((b) => b.filter((x) => x !== 0x0a)),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), async (lines) => {
        const file = join(dir, `fuzz-${run++}.jsonl`);
        const parts: Uint8Array[] = [];
        for (const l of lines) parts.push(l, new Uint8Array([0x0a]));
        await writeFile(file, Buffer.concat(parts));
        const { manifest } = await ingest([{ kind: 'jsonl', name: 'f', path: file }], {
          outDir: join(dir, 'fuzz-out'),
        });
        const nonEmpty = lines.filter((l) => {
          const end = l.length > 0 && l[l.length - 1] === 0x0d ? l.length - 1 : l.length;
          return end > 0;
        }).length;
        const c = manifest.sources[0]?.counts;
        // A line with a skip record (the line, or one of its captions) may still give a pair; a line
        // without one must have given a pair or a duplicate: nothing vanishes unreported.
        const skippedLines = new Set(manifest.skipped.map((x) => /:(\d+)(#caption\d+)?$/.exec(x.path)?.[1]));
        expect(skippedLines.has(undefined)).toBe(false);
        const accepted = (c?.pairs ?? 0) + (c?.duplicates ?? 0);
        expect(accepted).toBeGreaterThanOrEqual(nonEmpty - skippedLines.size);
        expect(accepted).toBeLessThanOrEqual(nonEmpty);
        for (const s of manifest.skipped) expect(s.reason.length * s.message.length).toBeGreaterThan(0);
        figures.count(
          'fuzzed JSONL source (hostile image paths, any captions, any bytes)',
          'ingest',
          'every line accounted for',
        );
      }),
      { seed: 40, numRuns: 60 },
    );
  });

  it('any CSV bytes: a manifest or an Error naming the file', async () => {
    let run = 0;
    const cell = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('image', 'caption', '"', '""', ',', '\n', '\r\n'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc
            .array(cell, { maxLength: 30 })
            .map((c) => new TextEncoder().encode(`image,caption\n${c.join('')}`)),
        ),
        async (bytes) => {
          const file = join(dir, `fuzz-${run++}.csv`);
          await writeFile(file, bytes);
          try {
            await ingest([{ kind: 'csv', name: 'f', path: file }], { outDir: join(dir, 'fuzz-out') });
            figures.count('fuzzed CSV source', 'ingest', 'manifest');
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message).toContain(file);
            figures.count('fuzzed CSV source', 'ingest', 'Error naming the file');
          }
        },
      ),
      { seed: 41, numRuns: 80 },
    );
  });
});

describe('ingest of damaged WebDataset shards', () => {
  it('a shard cut or bit-flipped anywhere: the good shards still ingest, the bad one is reported', async () => {
    const { pack } = await import('tar-stream');
    const { default: sharp } = await import('sharp');
    const tarOf = async (entries: [string, Uint8Array | string][]) => {
      const p = pack();
      for (const [name, data] of entries)
        p.entry({ name }, typeof data === 'string' ? data : Buffer.from(data));
      p.finalize();
      const chunks: Buffer[] = [];
      for await (const c of p) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    const png = (r: number) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g: 1, b: 2 } } })
        .png()
        .toBuffer();
    const good = join(dir, 'good.tar');
    await writeFile(
      good,
      await tarOf([
        ['a.png', await png(10)],
        ['a.txt', 'a first square'],
      ]),
    );
    const valid = await tarOf([
      ['k1.png', await png(50)],
      ['k1.txt', 'a second square'],
      ['k2.png', await png(90)],
      ['k2.json', '{"caption": "a third square"}'],
    ]);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ cut: fc.nat(valid.length - 1) }),
          fc.record({ flip: fc.nat(valid.length - 1), xor: fc.integer({ min: 1, max: 255 }) }),
        ),
        async (m) => {
          const bytes = Buffer.from(valid);
          const damaged = 'cut' in m ? bytes.subarray(0, m.cut) : bytes;
          if ('flip' in m) damaged[m.flip] = (damaged[m.flip] as number) ^ m.xor;
          const bad = join(dir, `bad-${run++}.tar`);
          await writeFile(bad, damaged);
          const { manifest } = await ingest([{ kind: 'webdataset', name: 'w', path: [good, bad] }], {
            outDir: join(dir, 'wds-out'),
          });
          // The good shard's pair is always there; whatever the damaged one lost is a skip naming it.
          expect(manifest.pairs.some((p) => 'shard' in p.image && p.image.shard.endsWith('good.tar'))).toBe(
            true,
          );
          const fromBad = manifest.pairs.filter(
            (p) => 'shard' in p.image && p.image.shard.endsWith(`bad-${run - 1}.tar`),
          );
          const skippedBad = manifest.skipped.filter((s) => s.path.includes(`bad-${run - 1}.tar`));
          if (fromBad.length < 2) expect(skippedBad.length).toBeGreaterThan(0);
          figures.count(
            `WebDataset shard ${'cut' in m ? 'cut short' : 'with a flipped byte'}`,
            'ingest',
            fromBad.length === 2 ? 'both pairs kept' : `${fromBad.length} pair(s) kept, damage reported`,
          );
        },
      ),
      { seed: 50, numRuns: 60 },
    );
  });
});

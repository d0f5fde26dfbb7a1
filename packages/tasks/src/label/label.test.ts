// labelFolder on real emoji-datasource PNGs in a nested folder with a truncated PNG and a symlink loop:
// every image gets exactly one row, the corrupt one a skipped row; an aborted run (AbortSignal after two
// batches, plus a torn last line) resumes to exactly-once; copy / move keep every file (sha256 multisets)
// and never overwrite.
import { createHash } from 'node:crypto';
import {
  appendFile,
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmojiCatalog } from '@vlp/pretrain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClassEmbeddingCache } from '../zeroshot/classifier.js';
import { colourEmbedder } from '../zeroshot/colour.js';
import { type LabelProgress, labelFolder } from './label.js';
import { organiseFile } from './organise.js';
import { CSV_HEADER, formatRow, type LabelRow, parseRow, readLabelled } from './output.js';
import { walkImages } from './walk.js';

const LABELS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'brown', 'black', 'white'];
const N_GOOD = 30;
let root = '';
let src = '';
/** Relative path -> colour named by the emoji. */
const truth = new Map<string, string>();

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

async function hashes(paths: readonly string[]): Promise<string[]> {
  return (await Promise.all(paths.map(sha))).sort();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-label-'));
  src = join(root, 'in');
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  const picked: Array<[string, string]> = [];
  for (const r of records) {
    const words = r.name.toLowerCase().split(/[^a-z]+/);
    const hits = LABELS.filter((l) => words.includes(l));
    if (hits.length === 1 && r.images.google) picked.push([r.images.google, hits[0] as string]);
  }
  for (const [i, [file, colour]] of picked.slice(0, N_GOOD).entries()) {
    // Three folders deep, and the same basename in two folders so per-label folders see collisions.
    const rel = `${['a', 'b', 'c/d'][i % 3]}/${i % 2 === 0 ? 'same' : `e${i}`}-${Math.floor(i / 6)}.png`;
    await mkdir(join(src, rel, '..'), { recursive: true });
    await copyFile(file, join(src, rel));
    truth.set(rel, colour);
  }
  const png = await readFile(picked[0]?.[0] ?? '');
  await writeFile(join(src, 'b', 'broken.png'), png.subarray(0, png.length >> 1));
  await writeFile(join(src, 'notes.txt'), 'not an image');
  await symlink(src, join(src, 'c', 'loop')); // a cycle the walk must not follow twice
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('walkImages', () => {
  it('lists each image once through a symlink loop, images only', async () => {
    const paths: string[] = [];
    for await (const p of walkImages(src)) paths.push(p);
    expect(paths.length).toBe(N_GOOD + 1);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.some((p) => p.endsWith('.txt'))).toBe(false);
  });

  it('names a missing folder or a file given as the folder', async () => {
    const missing = join(root, 'nope');
    await expect(walkImages(missing).next()).rejects.toThrow(`${missing}: no such folder`);
    await expect(walkImages(join(src, 'notes.txt')).next()).rejects.toThrow(/notes\.txt: not a folder/);
  });
});

describe('output rows', () => {
  it('round-trip through CSV (quoting) and JSONL', () => {
    const row: LabelRow = {
      path: 'a,"b"/c.png',
      status: 'ok',
      label: 'red',
      labels: ['red', 'blue'],
      scores: [0.75, 0.25],
    };
    expect(parseRow(formatRow(row, 'csv').trimEnd(), 'csv')).toEqual(row);
    expect(parseRow(formatRow(row, 'jsonl').trimEnd(), 'jsonl')).toEqual(row);
    expect(
      formatRow(
        { path: 'x.png', status: 'skipped', label: '', labels: [], scores: [], reason: 'truncated' },
        'csv',
      ),
    ).toBe('x.png,skipped,,,,,truncated\n');
  });

  it('resume reads CSV records whose path holds a newline, and drops a torn tail', async () => {
    const file = join(root, 'nl.csv');
    const odd: LabelRow = { path: 'a\nb.png', status: 'ok', label: 'red', labels: ['red'], scores: [1] };
    const plain: LabelRow = { ...odd, path: 'c.png' };
    const body = `${CSV_HEADER}\n${formatRow(odd, 'csv')}${formatRow(plain, 'csv')}`;
    await writeFile(file, `${body}"d\ne.png",o`); // torn inside a quoted newline
    const { rows, tornBytes } = await readLabelled(file);
    expect(rows).toEqual([odd, plain]);
    expect(tornBytes).toBe(Buffer.byteLength('"d\ne.png",o'));
    expect(await readFile(file, 'utf8')).toBe(body);
    await writeFile(file, `${body}c.png,maybe,red\n`);
    await expect(readLabelled(file)).rejects.toThrow(`${file}:5: not a label row`);
  });
});

describe('labelFolder', () => {
  it('labels every image once, reports the corrupt one, and uses unknown under the threshold', async () => {
    const out = join(root, 'run1', 'labels.csv');
    const progress: LabelProgress[] = [];
    const s = await labelFolder({
      dir: src,
      embedder: colourEmbedder(),
      labels: LABELS,
      output: out,
      topK: 3,
      threshold: 0.9,
      batchSize: 8,
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    expect([s.total, s.labelled, s.skipped, s.resumed, s.aborted]).toEqual([N_GOOD + 1, N_GOOD, 1, 0, false]);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe(CSV_HEADER);
    const { rows } = await readLabelled(out);
    expect(rows.length).toBe(N_GOOD + 1);
    expect(new Set(rows.map((r) => r.path)).size).toBe(N_GOOD + 1);
    expect(rows.filter((r) => r.status === 'skipped')).toEqual([
      { path: 'b/broken.png', status: 'skipped', label: '', labels: [], scores: [], reason: 'truncated' },
    ]);
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok.every((r) => r.labels.length === 3 && r.scores.length === 3)).toBe(true);
    // 'unknown' exactly when the top score is under 0.9.
    for (const r of ok) expect(r.label === 'unknown').toBe((r.scores[0] ?? 0) < 0.9);
    expect(s.unknown).toBe(ok.filter((r) => r.label === 'unknown').length);
    const correct = ok.filter((r) => r.labels[0] === truth.get(r.path)).length;
    expect(correct / ok.length).toBeGreaterThan(0.5); // chance 1/9
    // Progress: one event per batch of 8, monotone, ending at the total.
    expect(progress.map((p) => p.done)).toEqual([8, 16, 24, 31]);
    expect(progress.at(-1)?.etaSeconds).toBe(0);
  });

  it('resumes after an abort and a torn last line, labelling every file exactly once', async () => {
    const out = join(root, 'run2', 'labels.jsonl');
    const cache = new ClassEmbeddingCache();
    const controller = new AbortController();
    let batches = 0;
    const first = await labelFolder({
      dir: src,
      embedder: colourEmbedder(),
      labels: LABELS,
      output: out,
      batchSize: 5,
      cache,
      signal: controller.signal,
      onProgress: () => {
        if (++batches === 2) controller.abort();
      },
    });
    expect([first.aborted, first.labelled + first.skipped]).toEqual([true, 10]);
    // A kill in the middle of a write: half a row without its newline.
    await appendFile(out, '{"path":"c/d/same-9.png","status":"o');
    const second = await labelFolder({
      dir: src,
      embedder: colourEmbedder(),
      labels: LABELS,
      output: out,
      batchSize: 5,
      cache,
    });
    expect(second.resumed).toBe(10);
    expect(second.tornBytes).toBe(Buffer.byteLength('{"path":"c/d/same-9.png","status":"o'));
    expect(second.labelled + second.skipped).toBe(N_GOOD + 1 - 10);
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe(''); // ends with a newline
    const paths = lines.filter((l) => l !== '').map((l) => parseRow(l, 'jsonl').path);
    expect(paths.length).toBe(N_GOOD + 1);
    expect(new Set(paths).size).toBe(N_GOOD + 1);
    expect(cache.misses).toBe(1); // class prompts embedded once across both runs
    const third = await labelFolder({ dir: src, embedder: colourEmbedder(), labels: LABELS, output: out });
    expect([third.resumed, third.labelled, third.skipped]).toEqual([N_GOOD + 1, 0, 0]);
  });

  it('copies into one folder per label without overwriting, keeping the sources', async () => {
    const dest = join(root, 'copied');
    await mkdir(join(dest, 'red'), { recursive: true });
    await writeFile(join(dest, 'red', 'same-0.png'), 'already here');
    const before = await hashes(await filesUnder(src));
    const s = await labelFolder({
      dir: src,
      embedder: colourEmbedder(),
      labels: LABELS,
      output: join(root, 'run3', 'labels.csv'),
      copyTo: dest,
      batchSize: 7,
    });
    expect(s.labelled).toBe(N_GOOD);
    expect(await hashes(await filesUnder(src))).toEqual(before);
    const copied = await filesUnder(dest);
    expect(copied.length).toBe(N_GOOD + 1); // + the pre-existing file
    expect(await readFile(join(dest, 'red', 'same-0.png'), 'utf8')).toBe('already here');
    const goodHashes = await hashes([...truth.keys()].map((r) => join(src, r)));
    expect((await hashes(copied)).filter((h) => h !== createHashOf('already here'))).toEqual(goodHashes);
    expect(copied.some((p) => /-\d+-\d+\.png$/.test(p))).toBe(true); // a suffixed name from a collision
  });

  it('moves only with confirmation, keeps every file and never overwrites', async () => {
    const moveSrc = join(root, 'tomove');
    await mkdir(moveSrc);
    for (const rel of truth.keys()) {
      await mkdir(join(moveSrc, rel, '..'), { recursive: true });
      await copyFile(join(src, rel), join(moveSrc, rel));
    }
    await copyFile(join(src, 'b', 'broken.png'), join(moveSrc, 'broken.png'));
    const before = await hashes(await filesUnder(moveSrc));
    const dest = join(moveSrc, 'sorted'); // inside the tree: must not be walked
    const opts = {
      dir: moveSrc,
      embedder: colourEmbedder(),
      labels: LABELS,
      output: join(root, 'run4', 'l.csv'),
      moveTo: dest,
    };
    await expect(labelFolder(opts)).rejects.toThrow(/confirmation/);
    await expect(labelFolder({ ...opts, yes: true, labels: ['a|b', 'c'] })).rejects.toThrow(
      /label "a\|b" cannot be written to .*l\.csv/,
    );
    await expect(labelFolder({ ...opts, confirm: async () => false })).rejects.toThrow(/confirmation/);
    expect(await hashes(await filesUnder(moveSrc))).toEqual(before);
    let asked = '';
    const confirm = async (q: string) => {
      asked = q;
      return true;
    };
    const s = await labelFolder({ ...opts, batchSize: 6, confirm });
    expect(asked).toContain('Move labelled images');
    expect([s.labelled, s.skipped]).toEqual([N_GOOD, 1]);
    const left = (await filesUnder(moveSrc)).filter((p) => !p.startsWith(dest));
    expect(left).toEqual([join(moveSrc, 'broken.png')]); // the unreadable one stays where it was
    expect(await hashes(await filesUnder(moveSrc))).toEqual(before); // same bytes, nothing lost or doubled
  });

  it('finishes moves and copies a killed run had labelled but not yet sorted', async () => {
    for (const mode of ['move', 'copy'] as const) {
      const tree = join(root, `half-${mode}`);
      for (const rel of truth.keys()) {
        await mkdir(join(tree, rel, '..'), { recursive: true });
        await copyFile(join(src, rel), join(tree, rel));
      }
      const before = await hashes(await filesUnder(tree));
      const dest = join(root, `half-${mode}-sorted`);
      const out = join(root, `half-${mode}.jsonl`);
      const controller = new AbortController();
      const base = {
        dir: tree,
        embedder: colourEmbedder(),
        labels: LABELS,
        output: out,
        batchSize: 4,
        yes: true,
      };
      const where = mode === 'move' ? { moveTo: dest } : { copyTo: dest };
      const first = await labelFolder({
        ...base,
        ...where,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      expect(first.labelled).toBe(4);
      // Undo the sorting of the batch's last two rows, as a kill after the append would have left them.
      const { rows } = await readLabelled(out);
      const [r3, r4] = rows.slice(2, 4);
      if (r3 === undefined || r4 === undefined) throw new Error('expected 4 rows');
      for (const [k, r] of [r3, r4].entries()) {
        const want = await sha(join(src, r.path));
        const sorted = await filesUnder(join(dest, r.label));
        const hit = (await Promise.all(sorted.map(async (p) => [p, await sha(p)] as const))).find(
          ([, h]) => h === want,
        );
        if (hit === undefined) throw new Error(`no sorted copy of ${r.path}`);
        if (mode === 'move' && k === 1)
          await link(hit[0], join(tree, r.path)); // killed between link and unlink
        else if (mode === 'move')
          await rename(hit[0], join(tree, r.path)); // killed before the move
        else await rm(hit[0]); // killed before the copy
      }
      const second = await labelFolder({ ...base, ...where });
      expect([second.reorganised, second.resumed, second.labelled]).toEqual([2, 4, N_GOOD - 4]);
      const sortedNow = await filesUnder(dest);
      expect(sortedNow.length).toBe(N_GOOD); // every image sorted exactly once
      expect(await hashes(sortedNow)).toEqual(before);
      expect((await filesUnder(tree)).length).toBe(mode === 'move' ? 0 : N_GOOD);
    }
  });

  it('sorts what an earlier run without --copy-to labelled when a rerun adds it', async () => {
    const out = join(root, 'later-copy.csv');
    const base = { dir: src, embedder: colourEmbedder(), labels: LABELS, output: out };
    await labelFolder(base);
    const dest = join(root, 'later-sorted');
    const s = await labelFolder({ ...base, copyTo: dest });
    expect([s.reorganised, s.labelled, s.resumed]).toEqual([N_GOOD, 0, N_GOOD + 1]);
    expect((await filesUnder(dest)).length).toBe(N_GOOD);
  });

  it('organiseFile takes the next free suffix', async () => {
    const dir = join(root, 'suffix');
    await mkdir(dir);
    await writeFile(join(dir, 'x.png'), 'A');
    const got = [];
    for (let i = 0; i < 3; i++)
      got.push(await organiseFile(join(dir, 'x.png'), join(dir, 'out'), 'a/b', 'copy'));
    expect(got).toEqual(['x.png', 'x-1.png', 'x-2.png'].map((f) => join(dir, 'out', 'a_b', f)));
  });
});

function createHashOf(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

// `vlp label` through createProgram() on real emoji PNGs with the colour baseline: labels from a file, the
// threshold, CSV rows for every image, accuracy well above chance, resuming, copy / move (move refused
// without --yes when nobody can be asked) and clear errors for bad arguments.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLabelled } from '@vlp/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLOURS, colourEmoji, flatFolder, runVlp } from './_test-emoji.js';

let root = '';
let images = '';
let truth = new Map<string, string>();
const N = 40;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-cli-label-'));
  images = join(root, 'images');
  truth = await flatFolder(images, colourEmoji().slice(0, N));
  await writeFile(join(root, 'colours.txt'), `# one colour per line\n${COLOURS.join('\n')}\n\n`);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vlp label', () => {
  it('labels a folder into CSV above chance, then resumes with nothing left to do', async () => {
    const out = join(root, 'labels.csv');
    const args = ['label', 'colour', images, '--labels-file', join(root, 'colours.txt'), '--out', out];
    const first = await runVlp([...args, '--threshold', '0.5', '--batch-size', '16']);
    expect(first.out).toMatch(new RegExp(`^${N} labelled, 0 unreadable, 0 already in`));
    expect(first.out).toMatch(/images\/s/);
    const { rows } = await readLabelled(out);
    expect(rows.map((r) => r.path).sort()).toEqual([...truth.keys()].sort());
    const correct = rows.filter((r) => r.labels[0] === truth.get(r.path)).length;
    expect(correct / N).toBeGreaterThan(0.5); // chance 1/9
    for (const r of rows) expect(r.label === 'unknown').toBe((r.scores[0] ?? 0) < 0.5);
    expect(rows.every((r) => r.labels.length === 3)).toBe(true);
    const again = await runVlp([...args, '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ labelled: 0, resumed: N, total: N });
    expect((await readFile(out, 'utf8')).trimEnd().split('\n').length).toBe(N + 1); // header + N rows
  });

  it('copies into per-label folders, and moves only with --yes', async () => {
    const sorted = join(root, 'sorted');
    const copy = await runVlp([
      'label',
      'colour',
      images,
      '--labels',
      COLOURS.join(','),
      '--out',
      join(root, 'c.jsonl'),
      '--copy-to',
      sorted,
    ]);
    expect(copy.out).toMatch(/per label: /);
    let copied = 0;
    for (const d of await readdir(sorted)) copied += (await readdir(join(sorted, d))).length;
    expect(copied).toBe(N);
    expect((await readdir(images)).length).toBe(N);

    const moved = join(root, 'moved');
    const move = [
      'label',
      'colour',
      images,
      '--labels',
      COLOURS.join(','),
      '--out',
      join(root, 'm.csv'),
      '--move-to',
      moved,
    ];
    await expect(runVlp(move)).rejects.toThrow(/moving needs confirmation \(pass yes \/ --yes\)/);
    expect((await readdir(images)).length).toBe(N);
    await runVlp([...move, '--yes']);
    expect((await readdir(images)).length).toBe(0);
    let n = 0;
    for (const d of await readdir(moved)) n += (await readdir(join(moved, d))).length;
    expect(n).toBe(N);
  });

  it('explains bad arguments', async () => {
    const base = ['label', 'colour', images, '--out', join(root, 'x.csv')];
    await expect(runVlp(base)).rejects.toThrow(/exactly one of --labels/);
    await expect(runVlp([...base, '--labels', 'red'])).rejects.toThrow(/at least two distinct labels/);
    await expect(
      runVlp(['label', 'colour', join(root, 'nowhere'), '--labels', 'a,b', '--out', join(root, 'z.csv')]),
    ).rejects.toThrow(/nowhere: no such folder/);
    await mkdir(join(root, 'empty'));
    expect(
      (
        await runVlp([
          'label',
          'colour',
          join(root, 'empty'),
          '--labels',
          'a,b',
          '--out',
          join(root, 'e.csv'),
        ])
      ).out,
    ).toMatch(/^no images found \(looked for \.jpg/);
    await expect(runVlp([...base, '--labels-file', join(root, 'none.txt')])).rejects.toThrow(
      /none\.txt: cannot read/,
    );
    await expect(
      runVlp(['label', 'colour', images, '--labels', 'a,b', '--out', join(root, 'x.txt')]),
    ).rejects.toThrow(/output must end in \.csv or \.jsonl/);
    await expect(
      runVlp(['label', join(root, 'no-model'), images, '--labels', 'a,b', '--out', join(root, 'y.csv')]),
    ).rejects.toThrow(/no-model": no such directory/);
  });
});

// Acceptance test of resumable labelling: `node packages/cli/dist/main.js label` (a real child process) labels
// a folder of real emoji-datasource PNGs, is SIGKILLed twice mid-way (when the output file, polled, holds
// some rows), and is restarted; the final output holds every image exactly once. In move mode the same
// kills lose no file and duplicate none: file counts and sha256 multisets before and after are equal, and
// each per-label folder holds exactly the images its rows name. Needs the build (`pnpm test` runs it first).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmojiCatalog } from '@vlp/pretrain';
import { readLabelled } from '@vlp/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const LABELS = 'red,orange,yellow,green,blue,purple,brown,black,white,grey';
const N = 300;
let root = '';
let pngs: string[] = [];

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

/** Real emoji PNGs spread over three nested folders, plus one truncated PNG. */
async function makeFolder(dir: string): Promise<string[]> {
  const rels: string[] = [];
  for (const [i, p] of pngs.entries()) {
    const rel = join(['a', 'b', 'b/c'][i % 3] as string, basename(p));
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await copyFile(p, join(dir, rel));
    rels.push(rel);
  }
  const bytes = await readFile(pngs[0] as string);
  await writeFile(join(dir, 'a', 'truncated.png'), bytes.subarray(0, bytes.length >> 1));
  return [...rels, join('a', 'truncated.png')].sort();
}

/** Complete rows in the output so far (a CSV header is not a row; a torn tail is not counted). */
async function rowsIn(out: string): Promise<number> {
  if (!existsSync(out)) return 0;
  const text = await readFile(out, 'utf8');
  const lines = text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l !== '');
  return lines.filter((l) => !l.startsWith('path,status,')).length;
}

function label(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [MAIN, 'label', 'colour', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a run and SIGKILLs it once the output holds at least `atRows` rows (polled, never a fixed sleep). */
async function killedRun(args: readonly string[], out: string, atRows: number): Promise<number> {
  const child = label(args);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done && (await rowsIn(out)) < atRows) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  const { code, signal } = await exited;
  if (signal !== 'SIGKILL')
    throw new Error(`the run ended (code ${code}) before it could be killed:\n${stderr}`);
  return rowsIn(out);
}

/** Runs to completion; returns the JSON summary. */
async function fullRun(args: readonly string[]): Promise<Record<string, unknown>> {
  const child = label([...args, '--json']);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`vlp label exited with ${code}:\n${stderr}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run pnpm build (pnpm test builds first)`);
  root = await mkdtemp(join(tmpdir(), 'vlp-kill-'));
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  pngs = records.flatMap((r) => (r.images.google ? [r.images.google] : [])).slice(0, N);
  expect(pngs.length).toBe(N);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('vlp label killed and restarted', () => {
  it('labels every file exactly once across two SIGKILLs (JSONL output)', async () => {
    const dir = join(root, 'plain');
    const rels = await makeFolder(dir);
    const out = join(root, 'plain.jsonl');
    const args = [dir, '--labels', LABELS, '--out', out, '--batch-size', '2', '--concurrency', '1'];
    const first = await killedRun(args, out, 6);
    const second = await killedRun(args, out, Math.floor(N / 2));
    expect(first).toBeGreaterThanOrEqual(6);
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThan(N + 1);
    const summary = await fullRun(args);
    expect(summary.resumed).toBe(second);
    expect(Number(summary.labelled) + Number(summary.skipped)).toBe(N + 1 - second);
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    const paths = lines.map((l) => (JSON.parse(l) as { path: string }).path).sort();
    expect(paths).toEqual(rels); // every file once, nothing else
    const { rows } = await readLabelled(out);
    expect(rows.filter((r) => r.status === 'skipped').map((r) => r.path)).toEqual(['a/truncated.png']);
  });

  it('stops after the current batch on SIGINT (exit 130), and the rerun completes', async () => {
    const dir = join(root, 'sigint');
    const rels = await makeFolder(dir);
    const out = join(root, 'sigint.csv');
    const args = [dir, '--labels', LABELS, '--out', out, '--batch-size', '2', '--concurrency', '1'];
    const child = label(args);
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    while ((await rowsIn(out)) < 6) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toMatch(/interrupted: run the same command again to resume/);
    const text = await readFile(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true); // a clean stop leaves no torn line
    const done = await rowsIn(out);
    expect(done).toBeLessThan(N + 1);
    const summary = await fullRun(args);
    expect([summary.resumed, summary.tornBytes]).toEqual([done, 0]);
    const { rows } = await readLabelled(out);
    expect(rows.map((r) => r.path).sort()).toEqual(rels);
  });

  it('moves every file exactly once across two SIGKILLs, losing none (CSV output)', async () => {
    const dir = join(root, 'tomove');
    const rels = await makeFolder(dir);
    const before = await Promise.all((await filesUnder(dir)).map(sha));
    const dest = join(root, 'sorted');
    const out = join(root, 'moved.csv');
    const args = [
      dir,
      '--labels',
      LABELS,
      '--out',
      out,
      '--move-to',
      dest,
      '--yes',
      '--batch-size',
      '2',
      '--concurrency',
      '1',
    ];
    const first = await killedRun(args, out, 6);
    const second = await killedRun(args, out, Math.floor(N / 2));
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThan(N + 1);
    await fullRun(args);
    const { rows } = await readLabelled(out);
    expect(rows.map((r) => r.path).sort()).toEqual(rels);
    const left = await filesUnder(dir);
    const sorted = await filesUnder(dest);
    expect(left.map((p) => relative(dir, p))).toEqual(['a/truncated.png']); // the unreadable one stays
    expect(sorted.length).toBe(N);
    const after = await Promise.all([...left, ...sorted].map(sha));
    expect(after.sort()).toEqual(before.sort()); // same bytes: nothing lost, nothing doubled
    const perLabel = new Map<string, number>();
    for (const r of rows) if (r.status === 'ok') perLabel.set(r.label, (perLabel.get(r.label) ?? 0) + 1);
    for (const [l, n] of perLabel) expect((await readdir(join(dest, l))).length, l).toBe(n);
  });
});

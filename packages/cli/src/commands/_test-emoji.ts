// Test fixtures for the CLI tests, from the real emoji-datasource-google PNGs (64 px) that @vlp/pretrain
// resolves: coloured emoji (their name says one colour, the ground truth the colour baseline is scored
// on), laid out as a labelled folder, a flat folder to label, pairs for ingest and a Karpathy JSON; plus
// a driver that runs `createProgram()` and captures what it prints.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadEmojiCatalog } from '@vlp/pretrain';
import { vi } from 'vitest';
import { createProgram } from '../program.js';

export const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'brown', 'black', 'white'];

export interface ColourEmoji {
  /** Absolute path of the 64 px PNG. */
  path: string;
  colour: string;
  name: string;
  captions: string[];
}

/** Google-style emoji whose name holds exactly one colour word, in catalogue order. */
export function colourEmoji(): ColourEmoji[] {
  const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: false });
  const out: ColourEmoji[] = [];
  for (const r of records) {
    const words = r.name.toLowerCase().split(/[^a-z]+/);
    const hits = COLOURS.filter((c) => words.includes(c));
    const path = r.images.google;
    if (hits.length === 1 && path !== undefined)
      out.push({ path, colour: hits[0] as string, name: r.name, captions: r.captions });
  }
  return out;
}

/** Copies emoji into `dir/<colour>/<file>` (a labelled folder). */
export async function labelledFolder(dir: string, items: readonly ColourEmoji[]): Promise<void> {
  for (const e of items) {
    await mkdir(join(dir, e.colour), { recursive: true });
    await copyFile(e.path, join(dir, e.colour, basename(e.path)));
  }
}

/** Copies emoji into `dir/` flat, returning file name -> colour. */
export async function flatFolder(dir: string, items: readonly ColourEmoji[]): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const truth = new Map<string, string>();
  for (const e of items) {
    await copyFile(e.path, join(dir, basename(e.path)));
    truth.set(basename(e.path), e.colour);
  }
  return truth;
}

/** A Karpathy-split JSON over the emoji (all in `split`, captions = the emoji's captions). */
export async function karpathyJson(
  file: string,
  items: readonly ColourEmoji[],
  split = 'test',
): Promise<void> {
  const images = items.map((e, i) => ({
    filename: e.path,
    split,
    imgid: i,
    sentences: e.captions.slice(0, 2).map((raw) => ({ raw })),
  }));
  await writeFile(file, JSON.stringify({ dataset: 'emoji', images }));
}

/** Runs `vlp <args>` in-process; returns what it printed with console.log and process.exitCode. */
export async function runVlp(
  args: readonly string[],
): Promise<{ out: string; exitCode: number | undefined }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await createProgram().parseAsync(['node', 'vlp', ...args]);
    return { out: lines.join('\n'), exitCode: process.exitCode as number | undefined };
  } finally {
    log.mockRestore();
    process.exitCode = before;
  }
}

// Small file-system and sampling helpers shared by the dataset builders: locating an installed npm data
// package (and its version, recorded in every corpus for provenance), atomic writes (temp file + rename,
// so a reader never sees half a file) and a seeded sample that keeps the input order. Internal.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Rng, writeFileAtomic } from '@vlp/tensor-core';

const _require = createRequire(import.meta.url);

/** An installed package's root folder and version; a clear error when it is not installed. */
export function _packageRoot(name: string, root?: string): { root: string; version: string } {
  let dir = root;
  if (dir === undefined) {
    try {
      dir = dirname(_require.resolve(`${name}/package.json`));
    } catch (e) {
      throw new Error(`datasets: the data package "${name}" is not installed (pnpm add -D ${name})`, {
        cause: e,
      });
    }
  }
  const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { version?: string };
  return { root: dir, version: pkg.version ?? 'unknown' };
}

/**
 * Writes `path` through a temp file and a rename: the file is either absent, the old one, or complete. Not
 * fsynced: a corpus is rebuilt from its packages, and thousands of fsyncs would slow the build for nothing.
 */
export function _writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  return writeFileAtomic(path, data, { durable: false });
}

/**
 * sharp, loaded on first use: it is @vlp/vision's dependency and only a dev dependency here, so importing
 * @vlp/pretrain must not require it; building a corpus does.
 */
export async function _sharp(): Promise<typeof import('sharp').default> {
  try {
    return (await import('sharp')).default;
  } catch (e) {
    throw new Error('datasets: building a corpus needs "sharp" (pnpm add sharp)', { cause: e });
  }
}

export const _sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `k` items of `items` drawn without replacement by a seeded shuffle, returned in their input order. */
export function _sampleInOrder<T>(items: readonly T[], k: number, seed: number): T[] {
  if (k >= items.length) return [...items];
  const idx = _shuffledIndices(items.length, seed).slice(0, k);
  idx.sort((a, b) => a - b);
  return idx.map((i) => items[i] as T);
}

/** A seeded Fisher-Yates permutation of 0..n-1 (tensor-core's Rng, so seeds mean the same everywhere). */
export function _shuffledIndices(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  return idx;
}

// Image classification data from a folder per class (torchvision's ImageFolder layout):
// `root/<class>/<image>`, classes sorted by name, plus a seeded per-class held-out split.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Rng } from '@vlp/tensor-core';

/** File extensions taken as images (case-insensitive). */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.svg']);

/**
 * One labelled image.
 * @example
 * ```ts
 * const item: LabelledImage = { path: '/data/pets/cat/001.png', label: 0 };
 * ```
 */
export interface LabelledImage {
  path: string;
  /** Index into the folder's `classes`. */
  label: number;
}

/**
 * A folder-per-class dataset.
 * @example
 * ```ts
 * const ds: ImageFolder = loadImageFolder('/data/pets'); // ds.classes = ['cat', 'dog']
 * ```
 */
export interface ImageFolder {
  root: string;
  /** Class names (sub-folder names), sorted; label i is classes[i]. */
  classes: string[];
  /** Every image, by class then file name. */
  items: LabelledImage[];
}

/**
 * Walks `root/<class>/*` (one level; hidden entries ignored) into a labelled list. Throws, naming the
 * path, when the root is missing or not a folder, has no class folders, or a class folder has no image.
 * @example
 * ```ts
 * const { classes, items } = loadImageFolder('/data/emoji-categories');
 * const { train, test } = splitPerClass(items, 0.25, 0);
 * ```
 */
export function loadImageFolder(root: string): ImageFolder {
  if (!existsSync(root)) throw new Error(`loadImageFolder: ${root} does not exist`);
  if (!statSync(root).isDirectory()) throw new Error(`loadImageFolder: ${root} is not a folder`);
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (classes.length === 0)
    throw new Error(`loadImageFolder: ${root} has no class folders (root/<class>/<image>)`);
  const items: LabelledImage[] = [];
  classes.forEach((name, label) => {
    const dir = join(root, name);
    const files = readdirSync(dir, { withFileTypes: true })
      .filter(
        (f) => f.isFile() && !f.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(f.name).toLowerCase()),
      )
      .map((f) => f.name)
      .sort();
    if (files.length === 0) throw new Error(`loadImageFolder: class folder ${dir} has no images`);
    for (const f of files) items.push({ path: join(dir, f), label });
  });
  return { root, classes, items };
}

/**
 * Seeded split holding out `fraction` of each class (at least one image per class when it has two or
 * more), so a small dataset keeps every class on both sides.
 * @example
 * ```ts
 * const { train, test } = splitPerClass(folder.items, 0.2, 42);
 * ```
 */
export function splitPerClass<T extends { label: number }>(
  items: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`splitPerClass: fraction must be in (0, 1), got ${fraction}`);
  const rng = new Rng(seed);
  const byClass = new Map<number, T[]>();
  for (const it of items) byClass.set(it.label, [...(byClass.get(it.label) ?? []), it]);
  const train: T[] = [];
  const test: T[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const group = rng.shuffle([...(byClass.get(label) ?? [])]);
    const k = group.length < 2 ? 0 : Math.max(1, Math.round(group.length * fraction));
    test.push(...group.slice(0, k));
    train.push(...group.slice(k));
  }
  return { train, test };
}

// Recursive listing of the images under a folder. Symbolic links are followed (to files and folders) but a
// folder is entered once per real identity (device + inode), so link loops end; excluded folders (a copy /
// move destination inside the tree) are never entered. Yields paths in sorted order, one folder at a time,
// so the listing can stream; only the paths are held, never image data.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * File extensions treated as images by default (lower case, with the dot).
 *
 * @example
 * ```ts
 * LABEL_IMAGE_EXTENSIONS.has('.png'); // true
 * ```
 */
export const LABEL_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
  '.bmp',
  '.svg',
]);

/**
 * Options of {@link walkImages}.
 *
 * @example
 * ```ts
 * const opts: WalkOptions = { exclude: ['/data/photos/sorted'], extensions: new Set(['.jpg']) };
 * ```
 */
export interface WalkOptions {
  /** Folders (any path form) whose contents are never listed. */
  exclude?: readonly string[];
  /** Accepted extensions, lower case with the dot (default {@link LABEL_IMAGE_EXTENSIONS}). */
  extensions?: ReadonlySet<string>;
}

async function _identity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined; // a dangling link: nothing to enter
  }
}

/**
 * Image paths under `dir` (joined onto `dir`), depth first in name order, following symlinks safely.
 *
 * @example
 * ```ts
 * for await (const path of walkImages('photos')) console.log(path);
 * ```
 */
export async function* walkImages(dir: string, options: WalkOptions = {}): AsyncGenerator<string> {
  const extensions = options.extensions ?? LABEL_IMAGE_EXTENSIONS;
  const seen = new Set<string>();
  for (const ex of options.exclude ?? []) {
    const id = await _identity(ex);
    if (id !== undefined) seen.add(id);
  }
  const root = await stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${dir}: ${e.code === 'ENOENT' ? 'no such folder' : `cannot read (${e.code})`}`);
  });
  if (!root.isDirectory()) throw new Error(`${dir}: not a folder`);
  const rootId = `${root.dev}:${root.ino}`;
  async function* visit(folder: string, id: string): AsyncGenerator<string> {
    if (seen.has(id)) return;
    seen.add(id);
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return; // unreadable folder (permissions): nothing to label there
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(folder, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const s = await stat(path).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) {
        const sub = await _identity(path);
        if (sub !== undefined) yield* visit(path, sub);
      } else if (isFile && extensions.has(extname(e.name).toLowerCase())) {
        yield path;
      }
    }
  }
  yield* visit(dir, rootId);
}

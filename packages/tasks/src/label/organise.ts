// Copying or moving labelled images into one folder per label without ever overwriting: the destination
// name is claimed atomically (copyFile with COPYFILE_EXCL, or a hard link for a move), and on a collision the
// next free suffix is tried ("cat.png", "cat-1.png", "cat-2.png", ...). A move across file systems falls
// back to an exclusive copy, then removes the source. A move killed between the link and the unlink leaves
// the same file under both names; the rerun sees the destination is the source itself and only unlinks.
// `hasCopy` tells a resumed copy run whether an image was already copied.
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

/**
 * Copy or move.
 *
 * @example
 * ```ts
 * const mode: OrganiseMode = 'copy';
 * ```
 */
export type OrganiseMode = 'copy' | 'move';

/** A label as a folder name: path separators and control characters replaced, never empty or dot-only. */
function _folderName(label: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip
  const s = label.replace(/[/\\\u0000-\u001f:*?"<>|]/g, '_').trim();
  return s === '' || /^\.+$/.test(s) ? '_' : s;
}

async function _claim(src: string, dst: string, mode: OrganiseMode): Promise<void> {
  if (mode === 'copy') return copyFile(src, dst, constants.COPYFILE_EXCL);
  try {
    await link(src, dst); // fails with EEXIST instead of replacing, unlike rename
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw e;
    await copyFile(src, dst, constants.COPYFILE_EXCL);
  }
  await unlink(src);
}

/**
 * Copies or moves `src` into `root/<label>/`, keeping its name or taking the first free `-n` suffix.
 * Returns the destination path.
 *
 * @example
 * ```ts
 * await organiseFile('in/a/cat.png', 'sorted', 'cat', 'copy'); // 'sorted/cat/cat.png'
 * await organiseFile('in/b/cat.png', 'sorted', 'cat', 'copy'); // 'sorted/cat/cat-1.png'
 * ```
 */
export async function organiseFile(
  src: string,
  root: string,
  label: string,
  mode: OrganiseMode,
): Promise<string> {
  const folder = join(root, _folderName(label));
  await mkdir(folder, { recursive: true });
  const ext = extname(src);
  const stem = basename(src, ext);
  for (let n = 0; ; n++) {
    const dst = join(folder, n === 0 ? `${stem}${ext}` : `${stem}-${n}${ext}`);
    try {
      await _claim(src, dst, mode);
      return dst;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (mode === 'move' && (await _sameFile(src, dst))) {
        await unlink(src);
        return dst;
      }
    }
  }
}

async function _sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Whether `root/<label>/` already holds a copy of `src` (same bytes under its name or a `-n` suffix), so
 * a resumed copy run does not copy it twice.
 *
 * @example
 * ```ts
 * if (!(await hasCopy('in/a/cat.png', 'sorted', 'cat'))) await organiseFile('in/a/cat.png', 'sorted', 'cat', 'copy');
 * ```
 */
export async function hasCopy(src: string, root: string, label: string): Promise<boolean> {
  const folder = join(root, _folderName(label));
  const ext = extname(src);
  const stem = basename(src, ext);
  const bytes = await readFile(src);
  for (let n = 0; ; n++) {
    const dst = join(folder, n === 0 ? `${stem}${ext}` : `${stem}-${n}${ext}`);
    let other: Buffer;
    try {
      other = await readFile(dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (bytes.equals(other)) return true;
  }
}

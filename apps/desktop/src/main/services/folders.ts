// The allow-list of folders the user picked. Every path argument from the renderer goes through
// `FolderAccess.resolve`: it must be absolute, it is resolved with realpath (so `..` segments and symlinks
// are followed to where they really lead), and the result must lie inside a granted folder. Anything else,
// including a path that does not exist, fails with the same 403 so nothing outside leaks by its error.
import { randomUUID } from 'node:crypto';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ApiError, type FolderGrant } from '../../shared/contract.js';

/** True when `child` is `root` or lies below it (both already real, absolute paths). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Folders the user granted, and the check every path argument passes.
 *
 * @example
 * ```ts
 * const folders = new FolderAccess();
 * await folders.grant('/home/me/photos');
 * await folders.resolve('/home/me/photos/cat.png'); // '/home/me/photos/cat.png'
 * await folders.resolve('/home/me/photos/../.ssh/id_rsa'); // throws ApiError 403
 * ```
 */
export class FolderAccess {
  private readonly grants = new Map<string, FolderGrant>();

  /** Adds a folder (resolved with realpath; must be an existing directory). Granting twice returns the first. */
  async grant(path: string): Promise<FolderGrant> {
    if (!isAbsolute(path)) throw new ApiError(400, `not an absolute path: ${path}`);
    let real: string;
    try {
      real = await realpath(path);
      if (!(await stat(real)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new ApiError(400, `not an existing folder: ${path}`);
    }
    for (const g of this.grants.values()) if (g.path === real) return g;
    const grant = { id: randomUUID(), path: real };
    this.grants.set(grant.id, grant);
    return grant;
  }

  list(): FolderGrant[] {
    return [...this.grants.values()];
  }

  revoke(id: string): FolderGrant[] {
    if (!this.grants.delete(id)) throw new ApiError(404, `no folder with id ${id}`);
    return this.list();
  }

  /**
   * The real path of `path` when it lies inside a granted folder.
   *
   * @throws ApiError 400 for a relative path, 403 for anything outside (or missing).
   */
  async resolve(path: string, want: 'any' | 'file' | 'directory' = 'any'): Promise<string> {
    if (!isAbsolute(path)) throw new ApiError(400, `not an absolute path: ${path}`);
    const denied = () => new ApiError(403, `outside the folders you picked (or missing): ${path}`);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw denied();
    }
    if (!this.list().some((g) => isInside(g.path, real))) throw denied();
    if (want !== 'any') {
      const s = await stat(real);
      if (want === 'file' && !s.isFile()) throw new ApiError(400, `not a file: ${path}`);
      if (want === 'directory' && !s.isDirectory()) throw new ApiError(400, `not a folder: ${path}`);
    }
    return real;
  }

  /**
   * Where a file may be written: its folder must resolve inside a granted folder, its name must be a plain
   * file name, and an existing entry there must be a regular file (not a symlink or folder).
   *
   * @throws ApiError 400 for a relative path or a bad name, 403 for a folder outside, 409 when the name is
   * taken by something other than a regular file.
   * @example
   * ```ts
   * await folders.resolveForWrite('/home/me/photos/labels.csv'); // '/home/me/photos/labels.csv'
   * ```
   */
  async resolveForWrite(path: string): Promise<string> {
    if (!isAbsolute(path)) throw new ApiError(400, `not an absolute path: ${path}`);
    const name = basename(path);
    if (name === '' || name === '.' || name === '..') throw new ApiError(400, `not a file name: ${path}`);
    const target = join(await this.resolve(dirname(path), 'directory'), name);
    try {
      const s = await lstat(target);
      if (!s.isFile()) throw new ApiError(409, `exists and is not a regular file: ${path}`);
    } catch (error) {
      if (error instanceof ApiError) throw error;
    }
    return target;
  }
}

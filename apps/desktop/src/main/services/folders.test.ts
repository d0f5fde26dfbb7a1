// The allow-list: only real paths inside granted folders pass; traversal, symlinks out, absolute paths
// elsewhere, relative and missing paths all fail.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/contract.js';
import { makeTree, type Tree } from '../_test-fixtures.js';
import { FolderAccess, isInside } from './folders.js';

let tree: Tree;
let folders: FolderAccess;

beforeAll(async () => {
  tree = await makeTree();
  folders = new FolderAccess();
  await folders.grant(tree.allowed);
});
afterAll(() => rm(tree.root, { recursive: true, force: true }));

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return e instanceof ApiError ? e.status : 500;
  }
};

describe('FolderAccess', () => {
  it('resolves files inside a granted folder to their real path', async () => {
    expect(await folders.resolve(join(tree.allowed, 'red.png'), 'file')).toBe(join(tree.allowed, 'red.png'));
    expect(await folders.resolve(join(tree.allowed, 'sub', '..', 'red.png'))).toBe(
      join(tree.allowed, 'red.png'),
    );
  });

  it('refuses traversal, symlinks out, absolute paths elsewhere and missing paths with 403', async () => {
    expect(await status(folders.resolve(join(tree.allowed, '..', 'outside', 'secret.png')))).toBe(403);
    expect(await status(folders.resolve(join(tree.allowed, 'escape', 'secret.png')))).toBe(403);
    expect(await status(folders.resolve(join(tree.allowed, 'escape')))).toBe(403);
    expect(await status(folders.resolve(tree.secret))).toBe(403);
    expect(await status(folders.resolve('/etc/passwd'))).toBe(403);
    expect(await status(folders.resolve(join(tree.allowed, 'nope.png')))).toBe(403);
  });

  it('refuses relative paths with 400 and checks the kind asked for', async () => {
    expect(await status(folders.resolve('red.png'))).toBe(400);
    expect(await status(folders.resolve(tree.allowed, 'file'))).toBe(400);
    expect(await status(folders.resolve(join(tree.allowed, 'red.png'), 'directory'))).toBe(400);
  });

  it('grants only existing directories, once each, and revokes', async () => {
    const local = new FolderAccess();
    expect(await status(local.grant(join(tree.allowed, 'red.png')))).toBe(400);
    expect(await status(local.grant('relative/dir'))).toBe(400);
    const a = await local.grant(tree.allowed);
    const b = await local.grant(join(tree.allowed, '.'));
    expect(b.id).toBe(a.id);
    expect(await status(local.resolve(join(tree.allowed, 'red.png')))).toBe(200);
    expect(local.revoke(a.id)).toEqual([]);
    expect(await status(local.resolve(join(tree.allowed, 'red.png')))).toBe(403);
    expect(() => local.revoke(a.id)).toThrow(ApiError);
  });

  it('isInside treats a sibling with a common prefix and dot-dot names correctly', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
  });

  it('resolveForWrite: a new or existing file in a granted folder, nothing through links or outside', async () => {
    expect(await folders.resolveForWrite(join(tree.allowed, 'labels.csv'))).toBe(
      join(tree.allowed, 'labels.csv'),
    );
    expect(await folders.resolveForWrite(join(tree.allowed, 'red.png'))).toBe(join(tree.allowed, 'red.png'));
    expect(await status(folders.resolveForWrite(join(tree.allowed, 'escape', 'x.csv')))).toBe(403);
    expect(await status(folders.resolveForWrite(join(tree.outside, 'x.csv')))).toBe(403);
    expect(await status(folders.resolveForWrite(join(tree.allowed, '..', 'x.csv')))).toBe(403);
    expect(await status(folders.resolveForWrite('x.csv'))).toBe(400);
    // The link itself is not a file to overwrite (writing would follow it out), nor is a folder.
    expect(await status(folders.resolveForWrite(join(tree.allowed, 'escape')))).toBe(409);
    expect(await status(folders.resolveForWrite(join(tree.allowed, 'missing-dir', 'x.csv')))).toBe(403);
  });
});

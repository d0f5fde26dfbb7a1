// Node file helpers for safetensors and the checkpoint directory: atomic writes (temp file in the same
// directory, fsync, rename, fsync the directory) so a crash leaves either the old file or the new one,
// never a torn one. Node modules are imported lazily so browsers can still import the package entry.
import type * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from './errors.js';
import {
  type DecodedSafetensors,
  type DecodeSafetensorsOptions,
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsEntry,
} from './safetensors.js';

/** Called with the final path before each file is committed; throwing aborts (tests simulate crashes). */
export type WriteHook = (path: string) => void | Promise<void>;

/**
 * Writes `data` to `path` atomically: a temp file beside it (a unique name, so concurrent writers never share
 * one), then a rename over `path`; a reader sees the old file or the new one, never a torn one. With
 * `durable` (the default) the temp file and the directory are fsynced too, so the rename survives a crash.
 * On failure the temp file is removed, `path` is untouched, and the error names `path`.
 *
 * @example `await writeFileAtomic('out/run.json', JSON.stringify(state));`
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { durable?: boolean; onWrite?: WriteHook } = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const fs = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await options.onWrite?.(path);
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    // A file-system failure (ENOSPC: disk full, EDQUOT, EIO, EACCES) names the file it was writing.
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    const text = error instanceof Error ? error.message : String(error);
    const detail = text.startsWith(code) ? text : `${code}: ${text}`; // Node's messages lead with the code
    throw new CheckpointError(
      path,
      `cannot write (${detail}); the previous ${basename(path)}, if any, is untouched`,
      { cause: error },
    );
  }
  if (durable) await _syncDir(dir);
}

/**
 * A queue that runs async tasks one at a time, in call order: read-modify-write cycles on one file, or
 * snapshots written from events, cannot interleave, and the last call's write is the one that stays. A
 * failed task rejects its own promise only; the queue goes on.
 *
 * @example `const inOrder = serialQueue(); void inOrder(() => writeFileAtomic(p, a)); await inOrder(() => writeFileAtomic(p, b));`
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** fsync a directory so a rename in it is durable (a no-op where directories cannot be opened: Windows). */
export async function _syncDir(dir: string): Promise<void> {
  const fs = await import('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // EISDIR/EPERM on Windows: NTFS renames are already journaled.
  } finally {
    await handle?.close();
  }
}

/** Reads a whole file, turning "not found" into a CheckpointError naming it. */
export async function _readFile(path: string): Promise<Uint8Array> {
  const fs = await import('node:fs/promises');
  try {
    const buffer = await fs.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CheckpointError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? error})`, {
      cause: error,
    });
  }
}

/**
 * Reads a .safetensors file into tensors (the caller owns and disposes them).
 *
 * @throws CheckpointError naming the file: truncated, corrupt header, bad offsets, non-finite values, ...
 * @example
 * ```ts
 * const { tensors } = await readSafetensorsFile('model.safetensors', { allowNonFinite: false });
 * ```
 */
export async function readSafetensorsFile(
  path: string,
  options: Omit<DecodeSafetensorsOptions, 'source'> = {},
): Promise<DecodedSafetensors> {
  return decodeSafetensors(await _readFile(path), { ...options, source: path });
}

/**
 * Writes tensors to a .safetensors file atomically (the old file survives any failure).
 *
 * @example
 * ```ts
 * await writeSafetensorsFile('model.safetensors', model.stateDict(), { format: 'pt' });
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, tf.Tensor | SafetensorsEntry>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, await encodeSafetensors(tensors, metadata));
}

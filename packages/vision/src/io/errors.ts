// Typed failures of the image pipeline. Every way a file can be unusable maps to one `ImageLoadReason`, so a
// batch loader can skip it, report it, and let a data-cleaning script count reasons instead of parsing
// messages. sharp/libvips errors are plain `Error`s with text; `_classifySharpError` turns them into codes.

/**
 * Why an image could not be loaded.
 * - `not-found`: no file at the path.
 * - `read-error`: the file exists but could not be read (a directory, a FIFO or device, permissions).
 * - `empty-file`: zero bytes.
 * - `unsupported-format`: not an image sharp decodes, or a format outside the allowed list.
 * - `too-large`: declared pixel count or byte size above the limit (decompression-bomb guard).
 * - `truncated`: the data ends before the image does.
 * - `corrupt`: the header or pixel data is invalid.
 * - `unsafe-svg`: an SVG the sanitiser refuses (entity declarations, unparseable markup).
 * - `timeout`: decoding took longer than allowed (a pathological SVG, say).
 *
 * @example
 * ```ts
 * const counts = new Map<ImageLoadReason, number>();
 * for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
 * ```
 */
export type ImageLoadReason =
  | 'not-found'
  | 'read-error'
  | 'empty-file'
  | 'unsupported-format'
  | 'too-large'
  | 'truncated'
  | 'corrupt'
  | 'unsafe-svg'
  | 'timeout';

/**
 * One file a batch loader left out, and why.
 *
 * @example
 * ```ts
 * const { skipped } = await loadImages(paths, { imageSize: 224 });
 * for (const s of skipped) console.warn(`${s.path}: ${s.reason} (${s.message})`);
 * ```
 */
export interface SkippedImage {
  /** The path given, or `<buffer #i>` for an in-memory source at index i. */
  path: string;
  reason: ImageLoadReason;
  /** Human-readable detail (the decoder's own words where there are any). */
  message: string;
}

/**
 * Thrown by the single-image functions (`decodeImage`, `loadImage`) when a file is unusable.
 *
 * @example
 * ```ts
 * try {
 *   await loadImage('photo.jpg', { imageSize: 224 });
 * } catch (e) {
 *   if (e instanceof ImageLoadError && e.reason === 'too-large') console.warn(`skipping ${e.path}`);
 *   else throw e;
 * }
 * ```
 */
export class ImageLoadError extends Error {
  override readonly name = 'ImageLoadError';
  readonly path: string;
  readonly reason: ImageLoadReason;
  /** The message without the `path: reason:` prefix. */
  readonly detail: string;

  constructor(path: string, reason: ImageLoadReason, detail: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}: ${detail}`, options);
    this.path = path;
    this.reason = reason;
    this.detail = detail;
  }

  /**
   * The `{path, reason, message}` record a batch loader reports.
   * @example
   * ```ts
   * skipped.push(err.toSkipped());
   * ```
   */
  toSkipped(): SkippedImage {
    return { path: this.path, reason: this.reason, message: this.detail };
  }
}

/** Maps a sharp/libvips error to a reason. `truncatedHint` comes from our own end-marker check. */
export function _classifySharpError(path: string, err: unknown, truncatedHint: boolean): ImageLoadError {
  const text = err instanceof Error ? err.message : String(err);
  const first = text.split('\n')[0] ?? text;
  let reason: ImageLoadReason;
  if (/unsupported image format/i.test(text)) reason = 'unsupported-format';
  else if (/exceeds pixel limit|too large|dimensions? .*exceed/i.test(text)) reason = 'too-large';
  else if (/timeout/i.test(text)) reason = 'timeout';
  else if (/is empty/i.test(text)) reason = 'empty-file';
  else if (truncatedHint || /premature end|truncat|unexpected end|not enough data|out of data/i.test(text)) {
    reason = 'truncated';
  } else reason = 'corrupt';
  return new ImageLoadError(path, reason, first, { cause: err });
}

/** Maps a file-system error from reading `path` to a reason. */
export function _classifyReadError(path: string, err: unknown): ImageLoadError {
  const code = (err as { code?: unknown } | null)?.code;
  const text = err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new ImageLoadError(path, 'not-found', text, { cause: err });
  return new ImageLoadError(path, 'read-error', text, { cause: err });
}

// Readers for the corpus formats people already have: aligned pairs from JSONL / CSV (open_clip's
// `--csv-img-key` layout), COCO and Flickr30K Karpathy-split JSON (Karpathy & Fei-Fei, CVPR 2015), COCO
// captions JSON, a folder of images with sidecar .txt captions, WebDataset tar shards (streamed with
// tar-stream; members grouped by key), and unaligned images (folders, recursive) and text (a passage per
// line). Each reader yields raw candidates (captions still bytes); `ingest` checks and records them.
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { extract } from 'tar-stream';
import { _decodeUtf8, _parseCsv, _splitLines } from './_text.js';
import type { ImageRef, SkipReason, SOURCE_KINDS } from './manifest.js';

/**
 * One input of {@link ingest}. Paths are resolved against the current directory; image paths inside
 * JSONL / CSV / JSON files against `imageRoot` (default: the file's directory).
 * @example
 * ```ts
 * const sources: SourceSpec[] = [
 *   { kind: 'jsonl', name: 'cc', path: 'data/pairs.jsonl' },          // {"image": "a.jpg", "caption": "..."}
 *   { kind: 'karpathy', name: 'coco', path: 'dataset_coco.json', imageRoot: 'coco/', splits: ['train'] },
 *   { kind: 'webdataset', name: 'laion', path: ['shards/000.tar', 'shards/001.tar'] },
 *   { kind: 'images', name: 'photos', path: 'unlabelled/' },
 *   { kind: 'texts', name: 'wiki', path: 'wiki.txt' },
 * ];
 * ```
 */
export interface SourceSpec {
  kind: (typeof SOURCE_KINDS)[number];
  /** Unique name; the reader's mixing ratios and the manifest counts use it. */
  name: string;
  /** A file, a folder (sidecar, images) or a list of files (webdataset shards, text files). */
  path: string | string[];
  imageRoot?: string;
  /** JSONL / CSV: the image field (default `image`) and caption field (default `caption`; a list is fine). */
  imageKey?: string;
  captionKey?: string;
  /** Karpathy JSON: keep only these splits (default all; `restval` is COCO's extra training split). */
  splits?: string[];
}

/** A raw candidate: bytes or a location of an image, captions as bytes (decoded and checked later). */
export type _Candidate =
  | { kind: 'pair'; origin: string; image: _ImageInput; captions: Uint8Array[]; split?: string }
  | { kind: 'image'; origin: string; image: _ImageInput }
  | { kind: 'text'; origin: string; text: Uint8Array }
  | { kind: 'skip'; origin: string; reason: SkipReason; message: string };

/** An image to check: a file path, or bytes already read from a shard with their location. */
export type _ImageInput = { file: string } | { bytes: Uint8Array; ref: ImageRef & { shard: string } };

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff'];
const _enc = new TextEncoder();

function _paths(spec: SourceSpec): string[] {
  return (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p) => resolve(p));
}

/**
 * A folder's regular files, recursively and sorted, following symlinks, plus a skip for every entry that
 * cannot be used: a dangling or looping symlink, a FIFO/socket/device named like an image, a subfolder that
 * cannot be read, a directory reached twice (a symlink loop such as `sub/up -> ..`, walked once, never
 * forever).
 */
async function _walk(root: string): Promise<{ files: string[]; problems: _Candidate[] }> {
  const files: string[] = [];
  const problems: _Candidate[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(dir);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === root) throw error; // the source itself: unusable, the caller says so
      const code = (error as { code?: string }).code ?? String(error);
      problems.push({
        kind: 'skip',
        origin: dir,
        reason: 'read-error',
        message: `folder not readable (${code})`,
      });
      return;
    }
    if (seen.has(real)) {
      problems.push({
        kind: 'skip',
        origin: dir,
        reason: 'read-error',
        message: `folder ${real} already visited (a symlink loop or a second link to it); not walked again`,
      });
      return;
    }
    seen.add(real);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = await stat(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (_isImage(p)) {
            problems.push({
              kind: 'skip',
              origin: p,
              reason: code === 'ENOENT' ? 'not-found' : 'read-error',
              message:
                code === 'ELOOP' ? 'symlink loop' : code === 'ENOENT' ? 'dangling symlink' : String(error),
            });
          }
          continue;
        }
      }
      if (isDir) await visit(p);
      else if (isFile) files.push(p);
      else if (_isImage(p)) {
        problems.push({
          kind: 'skip',
          origin: p,
          reason: 'read-error',
          message: 'not a regular file (FIFO, socket or device)',
        });
      }
    }
  };
  await visit(root);
  return { files, problems };
}

const _isImage = (p: string) => IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());

function _captionBytes(v: unknown): Uint8Array[] {
  if (typeof v === 'string') return [_enc.encode(v)];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((x) => _enc.encode(x));
  return [];
}

async function* _jsonl(spec: SourceSpec, file: string): AsyncGenerator<_Candidate> {
  const root = resolve(spec.imageRoot ?? resolve(file, '..'));
  const imageKey = spec.imageKey ?? 'image';
  const captionKey = spec.captionKey ?? 'caption';
  const lines = _splitLines(new Uint8Array(await readFile(file)));
  for (const [i, bytes] of lines.entries()) {
    const origin = `${file}:${i + 1}`;
    if (bytes.length === 0) continue;
    const text = _decodeUtf8(bytes);
    if (text === undefined) {
      yield { kind: 'skip', origin, reason: 'non-utf8', message: 'line is not valid UTF-8' };
      continue;
    }
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(text);
    } catch (e) {
      yield { kind: 'skip', origin, reason: 'parse-error', message: String(e) };
      continue;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      yield { kind: 'skip', origin, reason: 'parse-error', message: 'line is JSON but not an object' };
      continue;
    }
    const image = row[imageKey];
    if (typeof image !== 'string') {
      yield { kind: 'skip', origin, reason: 'parse-error', message: `no string field "${imageKey}"` };
      continue;
    }
    yield {
      kind: 'pair',
      origin,
      image: { file: resolve(root, image) },
      captions: _captionBytes(row[captionKey]),
    };
  }
}

async function* _csv(spec: SourceSpec, file: string): AsyncGenerator<_Candidate> {
  const root = resolve(spec.imageRoot ?? resolve(file, '..'));
  const records = _parseCsv(new Uint8Array(await readFile(file)));
  const header = (records[0] ?? []).map((f) => _decodeUtf8(f)?.trim() ?? '');
  const ic = header.indexOf(spec.imageKey ?? 'image');
  const cc = header.indexOf(spec.captionKey ?? 'caption');
  if (ic < 0 || cc < 0)
    throw new Error(
      `${file}: CSV header needs columns "${spec.imageKey ?? 'image'}" and "${spec.captionKey ?? 'caption'}", got ${header.join(',')}`,
    );
  for (const [i, rec] of records.slice(1).entries()) {
    const origin = `${file}:record ${i + 1}`;
    const image = _decodeUtf8(rec[ic] ?? new Uint8Array());
    if (!image) {
      yield { kind: 'skip', origin, reason: 'parse-error', message: 'no image path' };
      continue;
    }
    yield {
      kind: 'pair',
      origin,
      image: { file: resolve(root, image) },
      captions: [rec[cc] ?? new Uint8Array()],
    };
  }
}

async function* _karpathy(spec: SourceSpec, file: string): AsyncGenerator<_Candidate> {
  const root = resolve(spec.imageRoot ?? resolve(file, '..'));
  const data = JSON.parse(await readFile(file, 'utf8')) as {
    images?: Array<{
      filename?: string;
      filepath?: string;
      split?: string;
      sentences?: Array<{ raw?: string }>;
    }>;
  };
  if (!Array.isArray(data.images)) throw new Error(`${file}: not a Karpathy-split JSON (no "images" list)`);
  for (const [i, im] of data.images.entries()) {
    const origin = `${file}:images[${i}]`;
    if (typeof im !== 'object' || im === null) {
      yield { kind: 'skip', origin, reason: 'parse-error', message: 'entry is not an object' };
      continue;
    }
    if (spec.splits && !spec.splits.includes(im.split ?? '')) continue;
    if (typeof im.filename !== 'string') {
      yield { kind: 'skip', origin, reason: 'parse-error', message: 'no filename' };
      continue;
    }
    const file2 = resolve(root, im.filepath ?? '', im.filename);
    const captions = (im.sentences ?? []).flatMap((s) => _captionBytes(s.raw));
    yield {
      kind: 'pair',
      origin,
      image: { file: file2 },
      captions,
      ...(im.split ? { split: im.split } : {}),
    };
  }
}

async function* _coco(spec: SourceSpec, file: string): AsyncGenerator<_Candidate> {
  const root = resolve(spec.imageRoot ?? resolve(file, '..'));
  const data = JSON.parse(await readFile(file, 'utf8')) as {
    images?: Array<{ id: number; file_name: string }>;
    annotations?: Array<{ image_id: number; caption: string }>;
  };
  if (!Array.isArray(data.images) || !Array.isArray(data.annotations)) {
    throw new Error(`${file}: not a COCO captions JSON (needs "images" and "annotations")`);
  }
  const byImage = new Map<number, Uint8Array[]>();
  for (const a of data.annotations) {
    if (typeof a !== 'object' || a === null) continue; // not a caption of any image
    byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), ..._captionBytes(a.caption)]);
  }
  for (const [i, im] of data.images.entries()) {
    if (typeof im !== 'object' || im === null || typeof im.file_name !== 'string') {
      yield {
        kind: 'skip',
        origin: `${file}:images[${i}]`,
        reason: 'parse-error',
        message: 'no string file_name',
      };
      continue;
    }
    yield {
      kind: 'pair',
      origin: `${file}:image ${im.id}`,
      image: { file: resolve(root, im.file_name) },
      captions: byImage.get(im.id) ?? [],
    };
  }
}

async function* _sidecar(dir: string): AsyncGenerator<_Candidate> {
  const { files, problems } = await _walk(dir);
  yield* problems;
  const set = new Set(files);
  for (const f of files.filter(_isImage)) {
    const txt = f.slice(0, f.length - extname(f).length) + '.txt';
    if (!set.has(txt)) {
      yield { kind: 'skip', origin: f, reason: 'no-caption', message: `no sidecar ${basename(txt)}` };
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(txt));
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error);
      yield { kind: 'skip', origin: f, reason: 'read-error', message: `${basename(txt)}: ${code}` };
      continue;
    }
    const lines = _decodeUtf8(bytes) === undefined ? [bytes] : _splitLines(bytes).filter((l) => l.length > 0);
    yield { kind: 'pair', origin: f, image: { file: f }, captions: lines.length > 0 ? lines : [bytes] };
  }
}

async function* _webdataset(shard: string): AsyncGenerator<_Candidate> {
  const ex = extract();
  const src = createReadStream(shard);
  src.on('error', (e) => ex.destroy(e)); // pipe() does not forward errors: a missing shard would hang
  src.pipe(ex);
  let key: string | undefined;
  let members = 0;
  let dataEnd = 0;
  let group: {
    images: Array<{ member: string; offset: number; bytes: Uint8Array }>;
    captions: Uint8Array[];
  } = { images: [], captions: [] };
  const flush = function* (): Generator<_Candidate> {
    if (key === undefined) return;
    const origin = `${shard}:${key}`;
    const img = group.images[0];
    if (img === undefined) {
      yield { kind: 'skip', origin, reason: 'not-found', message: 'no image member for this key' };
    } else {
      const ref = { shard, member: img.member, offset: img.offset, size: img.bytes.length };
      yield { kind: 'pair', origin, image: { bytes: img.bytes, ref }, captions: group.captions };
    }
    group = { images: [], captions: [] };
  };
  try {
    for await (const entry of ex) {
      const name = entry.header.name;
      const base = basename(name);
      const dot = base.indexOf('.');
      const k = dot < 0 ? name : name.slice(0, name.length - base.length + dot);
      const ext = dot < 0 ? '' : base.slice(dot).toLowerCase();
      const chunks: Uint8Array[] = [];
      for await (const c of entry) chunks.push(c as Uint8Array);
      if (entry.header.type !== 'file') continue;
      if (k !== key) {
        yield* flush();
        key = k;
      }
      const bytes = new Uint8Array(Buffer.concat(chunks));
      // tar-stream's entry stream knows where its header started; the data follows the 512-byte header.
      const offset = (entry as unknown as { offset: number }).offset + 512;
      if (IMAGE_EXTENSIONS.includes(ext)) group.images.push({ member: name, offset, bytes });
      else if (ext === '.txt') group.captions.push(bytes);
      else if (ext === '.json') {
        const t = _decodeUtf8(bytes);
        try {
          const j = t === undefined ? {} : (JSON.parse(t) as Record<string, unknown>);
          group.captions.push(..._captionBytes(j.caption ?? j.text ?? j.captions));
        } catch {
          // A broken .json sidecar only loses its caption; a .txt may still provide one.
        }
      }
      members++;
      dataEnd = offset + Math.ceil(bytes.length / 512) * 512;
    }
  } catch (error) {
    // A corrupt or cut-off shard: the members read so far are kept (each still checked by ingest), the
    // rest is one skip naming the shard, and the other shards of the source go on.
    src.destroy();
    yield* flush();
    const code = (error as { code?: unknown }).code;
    const text = error instanceof Error ? error.message : String(error);
    const reason: SkipReason =
      code === 'ENOENT'
        ? 'not-found'
        : typeof code === 'string' && code.startsWith('E')
          ? 'read-error'
          : /unexpected end|truncat/i.test(text)
            ? 'truncated'
            : 'corrupt';
    yield {
      kind: 'skip',
      origin: shard,
      reason,
      message: `shard unreadable after ${members} member(s): ${text}`,
    };
    return;
  }
  yield* flush();
  // tar-stream ends quietly when a shard is cut at a member boundary; the two zero blocks that end every
  // archive tell a whole shard from a cut one.
  const size = (await stat(shard)).size;
  if (members === 0 || size < dataEnd + 1024) {
    yield {
      kind: 'skip',
      origin: shard,
      reason: members === 0 && size === 0 ? 'empty-file' : 'truncated',
      message: `no end-of-archive marker after ${members} member(s) (${size} bytes): the shard was cut short`,
    };
  }
}

async function* _texts(file: string): AsyncGenerator<_Candidate> {
  const lines = _splitLines(new Uint8Array(await readFile(file)));
  for (const [i, bytes] of lines.entries()) {
    if (bytes.length === 0) continue; // blank lines separate passages
    yield { kind: 'text', origin: `${file}:${i + 1}`, text: bytes };
  }
}

/** Every candidate of one source, in a deterministic order. */
export async function* _readSource(spec: SourceSpec): AsyncGenerator<_Candidate> {
  for (const p of _paths(spec)) {
    switch (spec.kind) {
      case 'jsonl':
        yield* _jsonl(spec, p);
        break;
      case 'csv':
        yield* _csv(spec, p);
        break;
      case 'karpathy':
        yield* _karpathy(spec, p);
        break;
      case 'coco':
        yield* _coco(spec, p);
        break;
      case 'sidecar':
        yield* _sidecar(p);
        break;
      case 'webdataset':
        yield* _webdataset(p);
        break;
      case 'images': {
        const { files, problems } = await _walk(p);
        yield* problems;
        for (const f of files.filter(_isImage)) yield { kind: 'image', origin: f, image: { file: f } };
        break;
      }
      case 'texts':
        yield* _texts(p);
        break;
    }
  }
}

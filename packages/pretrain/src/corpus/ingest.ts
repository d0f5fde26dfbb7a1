// The ingest step: read every source, check every image (decoded with @vlp/vision's loader, so whatever
// passes here loads at training time) and every caption (empty -> skipped, invalid UTF-8 -> skipped, longer
// than `maxCaptionChars` -> truncated with a note), hash image bytes (sha256) to find duplicates, and write
// manifest.json with paths relative to `outDir`. Checking up front is img2dataset's lesson: a broken file
// found at step 40,000 costs a run.
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '@vlp/tensor-core';
import { ImageLoadError, loadImage } from '@vlp/vision';
import { _decodeUtf8 } from './_text.js';
import type { CorpusManifest, ImageRef, SkipReason } from './manifest.js';
import { type _ImageInput, _readSource, type SourceSpec } from './sources.js';

/**
 * Options for {@link ingest}.
 * @example
 * ```ts
 * const opts: IngestOptions = { outDir: 'corpus', maxCaptionChars: 1000 };
 * ```
 */
export interface IngestOptions {
  /** Where manifest.json goes; manifest paths are relative to it. */
  outDir: string;
  /** Captions and passages longer than this are cut (a note records it). Default 2000. */
  maxCaptionChars?: number;
  /** Called after each source with its counts. */
  onSource?: (name: string, counts: CorpusManifest['sources'][number]['counts']) => void;
}

/**
 * The result: the manifest written and its path.
 * @example
 * ```ts
 * const { manifest, path } = await ingest(sources, { outDir: 'corpus' });
 * ```
 */
export interface IngestResult {
  manifest: CorpusManifest;
  path: string;
}

type _Counts = CorpusManifest['sources'][number]['counts'];

/**
 * Checks every source and writes `outDir/manifest.json` (atomically: temp file + rename). Throws only for
 * unusable sources (a missing JSON, a CSV without the columns); a bad entry is skipped and recorded.
 * Duplicate images (same sha256) keep their first occurrence; a duplicate pair's captions are added to the
 * kept pair (deduplicated), a duplicate unaligned image is dropped; both are listed in `duplicates`.
 * @example
 * ```ts
 * const { manifest } = await ingest(
 *   [{ kind: 'jsonl', name: 'pairs', path: 'pairs.jsonl' }, { kind: 'texts', name: 'wiki', path: 'wiki.txt' }],
 *   { outDir: 'corpus' },
 * );
 * console.log(manifest.sources[0].counts, manifest.skipped.length);
 * ```
 */
export async function ingest(sources: readonly SourceSpec[], options: IngestOptions): Promise<IngestResult> {
  const outDir = resolve(options.outDir);
  const maxChars = options.maxCaptionChars ?? 2000;
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new Error(`ingest: duplicate source name "${s.name}"`);
    names.add(s.name);
  }
  const manifest: CorpusManifest = {
    format: 'vlp-corpus',
    version: 1,
    createdAt: new Date().toISOString(),
    maxCaptionChars: maxChars,
    sources: [],
    pairs: [],
    images: [],
    texts: [],
    skipped: [],
    notes: [],
    duplicates: [],
  };
  const rel = (p: string) => relative(outDir, p).split('\\').join('/');
  const seen = new Map<string, { path: string; pair?: CorpusManifest['pairs'][number] }>();

  for (const spec of sources) {
    const counts: _Counts = {
      pairs: 0,
      images: 0,
      texts: 0,
      captions: 0,
      skipped: 0,
      truncated: 0,
      duplicates: 0,
    };
    const skip = (origin: string, reason: SkipReason, message: string) => {
      manifest.skipped.push({
        source: spec.name,
        path: rel(origin.startsWith('/') ? origin : resolve(origin)),
        reason,
        message,
      });
      counts.skipped++;
    };
    const checkText = (origin: string, bytes: Uint8Array): string | undefined => {
      const text = _decodeUtf8(bytes);
      if (text === undefined) return void skip(origin, 'non-utf8', 'not valid UTF-8');
      const trimmed = text.trim();
      if (trimmed.length === 0) return void skip(origin, 'empty-caption', 'empty after trimming');
      if (trimmed.length <= maxChars) return trimmed;
      manifest.notes.push({
        source: spec.name,
        path: rel(origin),
        note: `truncated from ${trimmed.length} to ${maxChars} chars`,
      });
      counts.truncated++;
      return trimmed.slice(0, maxChars);
    };
    const checkImage = async (origin: string, input: _ImageInput) => {
      let bytes: Uint8Array;
      if ('file' in input) {
        try {
          // A FIFO, socket or device named like an image would block the read forever.
          if (!(await stat(input.file)).isFile()) {
            skip(origin, 'read-error', `${input.file}: not a regular file (FIFO, socket, device or folder)`);
            return undefined;
          }
          bytes = new Uint8Array(await readFile(input.file));
        } catch (e) {
          const code = (e as { code?: string }).code;
          skip(origin, code === 'ENOENT' ? 'not-found' : 'read-error', `${input.file}: ${code ?? String(e)}`);
          return undefined;
        }
      } else bytes = input.bytes;
      try {
        await loadImage(bytes, { label: origin, maxShortSide: 64 }); // full decode, small output
      } catch (e) {
        if (e instanceof ImageLoadError) skip(origin, e.reason, e.detail);
        else skip(origin, 'corrupt', String(e));
        return undefined;
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const ref: ImageRef =
        'file' in input ? { path: rel(input.file) } : { ...input.ref, shard: rel(input.ref.shard) };
      const where = 'path' in ref ? ref.path : `${ref.shard}:${ref.member}`;
      return { sha256, ref, where };
    };

    for await (const c of _readSource(spec)) {
      if (c.kind === 'skip') {
        skip(c.origin, c.reason, c.message);
        continue;
      }
      if (c.kind === 'text') {
        const text = checkText(c.origin, c.text);
        if (text === undefined) continue;
        manifest.texts.push({ id: `${spec.name}/${counts.texts}`, source: spec.name, text });
        counts.texts++;
        continue;
      }
      const captions: string[] = [];
      if (c.kind === 'pair') {
        if (c.captions.length === 0) {
          skip(c.origin, 'no-caption', 'no caption for this image');
          continue;
        }
        for (const [k, cap] of c.captions.entries()) {
          const t = checkText(c.captions.length > 1 ? `${c.origin}#caption${k}` : c.origin, cap);
          if (t !== undefined && !captions.includes(t)) captions.push(t);
        }
        if (captions.length === 0) continue;
      }
      const img = await checkImage(c.origin, c.image);
      if (img === undefined) continue;
      const prev = seen.get(img.sha256);
      if (prev !== undefined) {
        manifest.duplicates.push({ sha256: img.sha256, kept: prev.path, duplicate: img.where });
        counts.duplicates++;
        if (prev.pair !== undefined)
          for (const t of captions) if (!prev.pair.captions.includes(t)) prev.pair.captions.push(t);
        continue;
      }
      if (c.kind === 'pair') {
        const id = `${spec.name}/${counts.pairs}`;
        const pair = {
          id,
          source: spec.name,
          image: img.ref,
          sha256: img.sha256,
          captions,
          ...(c.split ? { split: c.split } : {}),
        };
        manifest.pairs.push(pair);
        seen.set(img.sha256, { path: img.where, pair });
        counts.pairs++;
        counts.captions += captions.length;
      } else {
        manifest.images.push({
          id: `${spec.name}/${counts.images}`,
          source: spec.name,
          image: img.ref,
          sha256: img.sha256,
        });
        seen.set(img.sha256, { path: img.where });
        counts.images++;
      }
    }
    manifest.sources.push({ name: spec.name, kind: spec.kind, counts });
    options.onSource?.(spec.name, counts);
  }
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, 'manifest.json');
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 1)}\n`);
  return { manifest, path };
}

// The corpus manifest written by `ingest` (after open_clip's / img2dataset's habit of checking data once,
// up front): every usable pair, image and text with its source, sha256 content hash and a path relative to
// the manifest's directory, every skipped file with its reason, notes (truncated captions) and duplicates.
// Validated with zod on read, so a hand-edited or stale manifest fails loudly.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/** Where an image's bytes live: a file, or a member of a WebDataset tar shard (byte range). */
export const ImageRefSchema = z.union([
  z.object({ path: z.string() }),
  z.object({
    shard: z.string(),
    member: z.string(),
    offset: z.number().int().min(0),
    size: z.number().int().min(0),
  }),
]);
/**
 * An image location relative to the manifest directory.
 * @example
 * ```ts
 * const ref: ImageRef = { shard: 'shards/000.tar', member: 'k1.jpg', offset: 512, size: 2048 };
 * ```
 */
export type ImageRef = z.infer<typeof ImageRefSchema>;

/** The kinds of input the ingest step reads. */
export const SOURCE_KINDS = [
  'jsonl',
  'csv',
  'karpathy',
  'coco',
  'sidecar',
  'webdataset',
  'images',
  'texts',
] as const;

const CountsSchema = z.object({
  pairs: z.number().int(),
  images: z.number().int(),
  texts: z.number().int(),
  captions: z.number().int(),
  skipped: z.number().int(),
  truncated: z.number().int(),
  duplicates: z.number().int(),
});

export const CorpusManifestSchema = z.object({
  format: z.literal('vlp-corpus'),
  version: z.literal(1),
  createdAt: z.string(),
  maxCaptionChars: z.number().int().positive(),
  sources: z.array(z.object({ name: z.string(), kind: z.enum(SOURCE_KINDS), counts: CountsSchema })),
  pairs: z.array(
    z.object({
      id: z.string(),
      source: z.string(),
      image: ImageRefSchema,
      sha256: z.string().length(64),
      captions: z.array(z.string()).min(1),
      split: z.string().optional(),
    }),
  ),
  images: z.array(
    z.object({ id: z.string(), source: z.string(), image: ImageRefSchema, sha256: z.string().length(64) }),
  ),
  texts: z.array(z.object({ id: z.string(), source: z.string(), text: z.string().min(1) })),
  skipped: z.array(
    z.object({ source: z.string(), path: z.string(), reason: z.string(), message: z.string() }),
  ),
  notes: z.array(z.object({ source: z.string(), path: z.string(), note: z.string() })),
  duplicates: z.array(z.object({ sha256: z.string(), kept: z.string(), duplicate: z.string() })),
});

/**
 * The manifest: what `ingest` wrote and `CorpusReader` reads.
 * @example
 * ```ts
 * const m: CorpusManifest = await readManifest('corpus/manifest.json');
 * console.log(m.sources.map((s) => `${s.name}: ${s.counts.pairs} pairs, ${s.counts.skipped} skipped`));
 * ```
 */
export type CorpusManifest = z.infer<typeof CorpusManifestSchema>;

/**
 * Why an entry was left out: image load reasons of @vlp/vision plus caption and parse reasons.
 * @example
 * ```ts
 * const r: SkipReason = 'non-utf8';
 * ```
 */
export type SkipReason =
  | 'not-found'
  | 'read-error'
  | 'empty-file'
  | 'unsupported-format'
  | 'too-large'
  | 'truncated'
  | 'corrupt'
  | 'unsafe-svg'
  | 'timeout'
  | 'empty-caption'
  | 'non-utf8'
  | 'no-caption'
  | 'duplicate'
  | 'parse-error';

/**
 * Reads and validates a manifest; the error names the file and the first invalid field.
 * @example
 * ```ts
 * const manifest = await readManifest('corpus/manifest.json');
 * ```
 */
export async function readManifest(path: string): Promise<CorpusManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable JSON manifest (${String(e)})`);
  }
  const parsed = CorpusManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${path}: invalid corpus manifest at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/**
 * The bytes of an image of a manifest, resolved against the manifest's directory.
 * @example
 * ```ts
 * const bytes = await readImageBytes('corpus', manifest.pairs[0].image);
 * const img = await loadImage(bytes, { imageSize: 224 });
 * ```
 */
export async function readImageBytes(manifestDir: string, ref: ImageRef): Promise<Uint8Array> {
  const { open } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  if ('path' in ref) return new Uint8Array(await readFile(resolve(manifestDir, ref.path)));
  const fh = await open(resolve(manifestDir, ref.shard), 'r');
  try {
    const buf = new Uint8Array(ref.size);
    const { bytesRead } = await fh.read(buf, 0, ref.size, ref.offset);
    if (bytesRead !== ref.size) throw new Error(`${ref.shard}:${ref.member}: shard shorter than recorded`);
    return buf;
  } finally {
    await fh.close();
  }
}

/** The directory a manifest path lives in. */
export function _manifestDir(path: string): string {
  return dirname(path);
}

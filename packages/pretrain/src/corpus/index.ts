// Barrel for src/corpus: source readers, the ingest step, the manifest and the streaming reader.
export type { IngestOptions, IngestResult } from './ingest.js';
export { ingest } from './ingest.js';
export type { CorpusManifest, ImageRef, SkipReason } from './manifest.js';
export {
  CorpusManifestSchema,
  ImageRefSchema,
  readImageBytes,
  readManifest,
  SOURCE_KINDS,
} from './manifest.js';
export type { CorpusBatch, CorpusReaderOptions, DataPosition, StreamKind } from './reader.js';
export { CorpusReader } from './reader.js';
export type { SourceSpec } from './sources.js';
export { IMAGE_EXTENSIONS } from './sources.js';

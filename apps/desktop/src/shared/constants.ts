// Runtime constants of the contract that the preload and the renderer need, kept free of zod so neither
// bundle carries the schema library (validation happens in main only).
import type { Method } from './contract.js';

/** Corpus source kinds, as @vlp/pretrain's `ingest` reads them. */
export const CORPUS_KINDS = [
  'images',
  'sidecar',
  'jsonl',
  'csv',
  'karpathy',
  'coco',
  'webdataset',
  'texts',
] as const;

/** Backend names a user may pick ('auto' lets tensor-core decide). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'ort', 'wasm', 'cpu'] as const;

/**
 * IPC channel of a call.
 *
 * @example
 * ```ts
 * channelOf('corpusAdd'); // 'vlp:corpusAdd'
 * ```
 */
export const channelOf = (method: Method): string => `vlp:${method}`;

/** IPC channel of the event stream main pushes to the window. */
export const EVENT_CHANNEL = 'vlp:event';

// Training checkpoints as a directory (the Hugging Face Trainer layout): model.safetensors,
// optimizer.safetensors, config.json, trainer_state.json, plus manifest.json, written last, holding the
// sha256 of every other file. The manifest is the commit marker: each file lands atomically (temp + fsync
// + rename), so a crash at any point leaves a directory without a valid manifest, which loading rejects and
// latestCheckpoint skips. A model is a plain state dict (name -> tensor) so this code knows nothing of nn.
import type * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from './errors.js';
import { _readFile, _syncDir, type WriteHook, writeFileAtomic } from './files.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

export const MANIFEST_FILE = 'manifest.json';
const MODEL_FILE = 'model.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const CONFIG_FILE = 'config.json';
const STATE_FILE = 'trainer_state.json';
const KNOWN_FILES = [MODEL_FILE, OPTIMIZER_FILE, CONFIG_FILE, STATE_FILE];

/** What a checkpoint holds. Tensors are state dicts (`Module.stateDict()` returns exactly this). */
export interface CheckpointContents {
  model: Record<string, tf.Tensor>;
  /** Optimizer slots (Adam moments, step counters), keyed however the optimizer names them. */
  optimizer?: Record<string, tf.Tensor>;
  /** The model config, JSON. */
  config: unknown;
  /** Trainer state, JSON: step, rng state, data position. A numeric `step` orders checkpoints. */
  state?: unknown;
}

/** The commit marker: every other file with its size and sha256. */
export interface CheckpointManifest {
  format: 'vlp-checkpoint';
  version: 1;
  savedAt: string;
  /** `state.step` when it is a number. */
  step?: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Options for saving. */
export interface SaveCheckpointOptions {
  /** safetensors `__metadata__` for model.safetensors (e.g. `{format: 'pt'}`). */
  metadata?: Record<string, string>;
  /** Called before each file (manifest last) is committed; throw to simulate a crash in tests. */
  onWrite?: WriteHook;
}

/** A loaded checkpoint: tensors are new and owned by the caller. */
export interface LoadedCheckpoint extends CheckpointContents {
  dir: string;
  manifest: CheckpointManifest;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(bytes).digest('hex');
}

function toJsonBytes(dir: string, what: string, value: unknown): Uint8Array {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) throw new CheckpointError(dir, `${what} is not JSON-serialisable`);
  return new TextEncoder().encode(`${text}\n`);
}

/**
 * Saves a checkpoint directory atomically; an existing checkpoint in `dir` is invalidated first (its
 * manifest removed), then replaced file by file, then committed by the new manifest.
 *
 * @example
 * ```ts
 * await saveCheckpoint('runs/a/step-000200', {
 *   model: model.stateDict(), optimizer: opt.stateDict(), config, state: { step: 200, rng: rng.state() },
 * });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  contents: CheckpointContents,
  options: SaveCheckpointOptions = {},
): Promise<CheckpointManifest> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  // Encode everything first: a bad tensor or non-JSON config fails before the disk is touched.
  const files = new Map<string, Uint8Array>();
  files.set(MODEL_FILE, await encodeSafetensors(contents.model, options.metadata));
  if (contents.optimizer !== undefined)
    files.set(OPTIMIZER_FILE, await encodeSafetensors(contents.optimizer));
  files.set(CONFIG_FILE, toJsonBytes(dir, 'config', contents.config));
  if (contents.state !== undefined) files.set(STATE_FILE, toJsonBytes(dir, 'trainer state', contents.state));

  await fs.mkdir(dir, { recursive: true });
  await fs.rm(join(dir, MANIFEST_FILE), { force: true });
  for (const name of KNOWN_FILES) if (!files.has(name)) await fs.rm(join(dir, name), { force: true });
  // Temp files of a save that was killed (kill -9, power cut) before its rename: litter, never read.
  for (const name of await fs.readdir(dir)) {
    if (/^\..+\.tmp-\d+-[a-z0-9]+$/.test(name)) await fs.rm(join(dir, name), { force: true });
  }
  await _syncDir(dir);

  const manifest: CheckpointManifest = {
    format: 'vlp-checkpoint',
    version: 1,
    savedAt: new Date().toISOString(),
    files: {},
  };
  const step = (contents.state as { step?: unknown } | undefined)?.step;
  if (typeof step === 'number' && Number.isFinite(step)) manifest.step = step;
  for (const [name, bytes] of files) {
    await writeFileAtomic(join(dir, name), bytes, { onWrite: options.onWrite });
    manifest.files[name] = { bytes: bytes.length, sha256: await sha256(bytes) };
  }
  await writeFileAtomic(join(dir, MANIFEST_FILE), toJsonBytes(dir, 'manifest', manifest), {
    onWrite: options.onWrite,
  });
  return manifest;
}

/** Reads and shape-checks manifest.json without verifying hashes. */
async function readManifest(dir: string): Promise<CheckpointManifest> {
  const { join } = await import('node:path');
  const path = join(dir, MANIFEST_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await _readFile(path);
  } catch {
    throw new CheckpointError(
      dir,
      `no ${MANIFEST_FILE}: the save did not finish (or this is not a checkpoint); refusing to load it`,
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CheckpointError(path, 'manifest is not valid JSON');
  }
  const m = manifest as Partial<CheckpointManifest> | null;
  if (m?.format !== 'vlp-checkpoint' || m.version !== 1 || typeof m.files !== 'object' || m.files === null) {
    throw new CheckpointError(path, 'not a vlp-checkpoint manifest (version 1)');
  }
  for (const required of [MODEL_FILE, CONFIG_FILE]) {
    if (!(required in m.files)) throw new CheckpointError(path, `manifest does not list ${required}`);
  }
  return m as CheckpointManifest;
}

/** Reads every file the manifest lists and checks its size and sha256. */
async function readVerified(dir: string, manifest: CheckpointManifest): Promise<Map<string, Uint8Array>> {
  const { join } = await import('node:path');
  const out = new Map<string, Uint8Array>();
  for (const [name, expected] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    const bytes = await _readFile(path);
    if (bytes.length !== expected.bytes) {
      throw new CheckpointError(
        path,
        `size mismatch: manifest says ${expected.bytes} bytes, file has ${bytes.length}`,
      );
    }
    const actual = await sha256(bytes);
    if (actual !== expected.sha256) {
      throw new CheckpointError(
        path,
        `sha256 mismatch: manifest says ${expected.sha256}, file is ${actual} (corrupted or modified after saving)`,
      );
    }
    out.set(name, bytes);
  }
  return out;
}

/**
 * Checks that a checkpoint directory is complete and intact (manifest present, every hash matching)
 * without decoding tensors.
 *
 * @throws CheckpointError naming the directory or file and the problem
 * @example
 * ```ts
 * const manifest = await verifyCheckpoint('runs/a/step-000200');
 * ```
 */
export async function verifyCheckpoint(dir: string): Promise<CheckpointManifest> {
  const manifest = await readManifest(dir);
  await readVerified(dir, manifest);
  return manifest;
}

function parseJsonFile(path: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new CheckpointError(path, 'not valid JSON');
  }
}

/**
 * Loads a checkpoint directory, all or nothing: every hash is verified before any tensor is created, and
 * tensors already created are disposed if a later file fails to decode.
 *
 * @throws CheckpointError for a missing manifest, a hash mismatch or a corrupt file
 * @example
 * ```ts
 * const ckpt = await loadCheckpoint('runs/a/step-000200');
 * model.loadStateDict(ckpt.model);
 * ```
 */
export async function loadCheckpoint(
  dir: string,
  options: { allowNonFinite?: boolean } = {},
): Promise<LoadedCheckpoint> {
  const { join } = await import('node:path');
  const manifest = await readManifest(dir);
  const files = await readVerified(dir, manifest);
  const model = decodeSafetensors(files.get(MODEL_FILE)!, {
    ...options,
    source: join(dir, MODEL_FILE),
  }).tensors;
  let optimizer: Record<string, tf.Tensor> | undefined;
  try {
    const optimizerBytes = files.get(OPTIMIZER_FILE);
    if (optimizerBytes !== undefined) {
      optimizer = decodeSafetensors(optimizerBytes, {
        ...options,
        source: join(dir, OPTIMIZER_FILE),
      }).tensors;
    }
    const config = parseJsonFile(join(dir, CONFIG_FILE), files.get(CONFIG_FILE)!);
    const stateBytes = files.get(STATE_FILE);
    const state = stateBytes === undefined ? undefined : parseJsonFile(join(dir, STATE_FILE), stateBytes);
    return { dir, manifest, model, optimizer, config, state };
  } catch (error) {
    for (const t of Object.values(model)) t.dispose();
    for (const t of Object.values(optimizer ?? {})) t.dispose();
    throw error;
  }
}

/**
 * The newest complete checkpoint under `root` (ordered by manifest step, then save time, then name), or
 * undefined. Directories without a manifest or with a hash mismatch (an interrupted or damaged save) are
 * skipped, so training resumes from the last good one.
 *
 * @example
 * ```ts
 * const dir = await latestCheckpoint('runs/a');
 * if (dir !== undefined) await loadCheckpoint(dir);
 * ```
 */
export async function latestCheckpoint(root: string): Promise<string | undefined> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const found: { dir: string; manifest: CheckpointManifest }[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    try {
      found.push({ dir, manifest: await readManifest(dir) });
    } catch {
      // incomplete: skipped
    }
  }
  found.sort(
    (a, b) =>
      (b.manifest.step ?? -1) - (a.manifest.step ?? -1) ||
      b.manifest.savedAt.localeCompare(a.manifest.savedAt) ||
      b.dir.localeCompare(a.dir),
  );
  for (const { dir, manifest } of found) {
    try {
      await readVerified(dir, manifest);
      return dir;
    } catch {
      // damaged: try the next newest
    }
  }
  return undefined;
}

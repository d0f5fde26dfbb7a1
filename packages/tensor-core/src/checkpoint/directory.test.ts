// Checkpoint directories: round trip, the manifest as commit marker (missing or mismatching -> rejected),
// and crash safety (a save that dies part-way leaves the previous checkpoint the one that loads).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  CheckpointError,
  latestCheckpoint,
  loadCheckpoint,
  MANIFEST_FILE,
  saveCheckpoint,
  selectBackend,
  verifyCheckpoint,
} from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let root: string;

beforeAll(async () => {
  await selectBackend('cpu', { respectEnv: false });
  root = await mkdtemp(join(tmpdir(), 'vlp-ckpt-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function contents(step: number) {
  return {
    model: { 'fc.weight': tf.tensor2d([1, 2, 3, step], [2, 2]), 'fc.bias': tf.tensor1d([0.5, -0.5]) },
    optimizer: { 'fc.weight.m': tf.zeros([2, 2]), step: tf.scalar(step, 'int32') },
    config: { name: 'tiny', width: 2 },
    state: { step, rng: [1, 2, 3, 4], data: { shard: 0, offset: 17 } },
  };
}

async function save(dir: string, step: number, onWrite?: (path: string) => void): Promise<void> {
  const c = contents(step);
  try {
    await saveCheckpoint(dir, c, { metadata: { format: 'pt' }, ...(onWrite ? { onWrite } : {}) });
  } finally {
    tf.dispose([...Object.values(c.model), ...Object.values(c.optimizer)]);
  }
}

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('checkpoint directory', () => {
  it('round-trips model, optimizer, config and trainer state', async () => {
    const dir = join(root, 'roundtrip');
    await save(dir, 5);
    expect((await readdir(dir)).sort()).toEqual([
      'config.json',
      MANIFEST_FILE,
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    const before = tf.memory().numTensors;
    const ckpt = await loadCheckpoint(dir);
    expect(Array.from(await ckpt.model['fc.weight']!.data())).toEqual([1, 2, 3, 5]);
    expect(Array.from(await ckpt.model['fc.bias']!.data())).toEqual([0.5, -0.5]);
    expect(ckpt.optimizer?.step?.dtype).toBe('int32');
    expect(ckpt.config).toEqual({ name: 'tiny', width: 2 });
    expect(ckpt.state).toEqual({ step: 5, rng: [1, 2, 3, 4], data: { shard: 0, offset: 17 } });
    expect(ckpt.manifest.step).toBe(5);
    expect(Object.keys(ckpt.manifest.files).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    tf.dispose([...Object.values(ckpt.model), ...Object.values(ckpt.optimizer ?? {})]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a directory without its manifest', async () => {
    const dir = join(root, 'no-manifest');
    await save(dir, 1);
    await rm(join(dir, MANIFEST_FILE));
    const error = await rejection(loadCheckpoint(dir));
    expect(error.message).toBe(
      `${dir}: no manifest.json: the save did not finish (or this is not a checkpoint); refusing to load it`,
    );
  });

  it('rejects a flipped byte with a hash mismatch and creates no tensors', async () => {
    const dir = join(root, 'flipped');
    await save(dir, 1);
    const path = join(dir, 'optimizer.safetensors');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 0x01;
    await writeFile(path, bytes);
    const before = tf.memory().numTensors;
    const error = await rejection(loadCheckpoint(dir));
    expect(error.source).toBe(path);
    expect(error.problem).toMatch(/^sha256 mismatch: manifest says [0-9a-f]{64}, file is [0-9a-f]{64}/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(verifyCheckpoint(dir)).rejects.toThrow(/sha256 mismatch/);
  });

  it('a crash mid-save leaves the previous checkpoint the latest loadable one', async () => {
    const run = join(root, 'run');
    await save(join(run, 'step-000010'), 10);
    // step 20 dies after model.safetensors landed, while committing the optimizer file.
    await expect(
      save(join(run, 'step-000020'), 20, (path) => {
        if (path.endsWith('optimizer.safetensors')) throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    // step 30 wrote everything but died committing the manifest; also leave a stray temp file behind.
    await expect(
      save(join(run, 'step-000030'), 30, (path) => {
        if (path.endsWith(MANIFEST_FILE)) throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    await writeFile(join(run, 'step-000030', '.manifest.json.tmp-1-x'), '{"format":');
    expect((await readdir(join(run, 'step-000020'))).filter((f) => f.includes('.tmp-'))).toEqual([]);

    expect(await latestCheckpoint(run)).toBe(join(run, 'step-000010'));
    await expect(loadCheckpoint(join(run, 'step-000020'))).rejects.toThrow(/no manifest\.json/);
    await expect(loadCheckpoint(join(run, 'step-000030'))).rejects.toThrow(/no manifest\.json/);
    const ckpt = await loadCheckpoint(join(run, 'step-000010'));
    expect(ckpt.state).toMatchObject({ step: 10 });
    tf.dispose([...Object.values(ckpt.model), ...Object.values(ckpt.optimizer ?? {})]);
    // Saving step 30 again (a resumed run) sweeps the killed save's temp file.
    await save(join(run, 'step-000030'), 30);
    expect((await readdir(join(run, 'step-000030'))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(await latestCheckpoint(run)).toBe(join(run, 'step-000030'));
  });

  it('a file-system error while writing (disk full) is a CheckpointError naming the file', async () => {
    const run = join(root, 'full');
    await save(join(run, 'step-000001'), 1);
    const error = await rejection(
      save(join(run, 'step-000002'), 2, (path) => {
        if (path.endsWith('optimizer.safetensors')) {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
      }),
    );
    expect(error.source).toBe(join(run, 'step-000002', 'optimizer.safetensors'));
    expect(error.problem).toBe(
      'cannot write (ENOSPC: no space left on device, write); the previous optimizer.safetensors, if any, is untouched',
    );
    expect(await latestCheckpoint(run)).toBe(join(run, 'step-000001'));
  });

  it('latestCheckpoint orders by step and skips damaged ones', async () => {
    const run = join(root, 'ordered');
    await save(join(run, 'b'), 200);
    await save(join(run, 'a'), 300);
    await save(join(run, 'c'), 100);
    expect(await latestCheckpoint(run)).toBe(join(run, 'a'));
    await writeFile(join(run, 'a', 'config.json'), '{"tampered": true}\n');
    expect(await latestCheckpoint(run)).toBe(join(run, 'b'));
    expect(await latestCheckpoint(join(root, 'does-not-exist'))).toBeUndefined();
  });

  it('overwriting a checkpoint in place invalidates it first, so a crash never half-loads', async () => {
    const dir = join(root, 'overwrite');
    await save(dir, 1);
    await expect(
      save(dir, 2, (path) => {
        if (path.endsWith('config.json')) throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    // model.safetensors is already step 2, config.json still step 1: no manifest, so nothing loads.
    await expect(loadCheckpoint(dir)).rejects.toThrow(/no manifest\.json/);
    await save(dir, 3);
    const ckpt = await loadCheckpoint(dir);
    expect(Array.from(await ckpt.model['fc.weight']!.data())).toEqual([1, 2, 3, 3]);
    tf.dispose([...Object.values(ckpt.model), ...Object.values(ckpt.optimizer ?? {})]);
  });

  it('refuses a config that is not JSON before touching the disk', async () => {
    const dir = join(root, 'bad-config');
    const model = { w: tf.scalar(1) };
    await expect(saveCheckpoint(dir, { model, config: undefined })).rejects.toThrow(
      'config is not JSON-serialisable',
    );
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    model.w.dispose();
  });
});

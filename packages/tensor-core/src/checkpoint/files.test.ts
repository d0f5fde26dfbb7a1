// Atomic writes and the in-order queue: the demo's run state is written from the trainer's checkpoint
// events and once more at the end; unsynchronised, two writes of different lengths once left a file with
// the shorter JSON followed by the tail of the longer one ("unexpected non-whitespace after JSON").
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, serialQueue, writeFileAtomic } from '@vlp/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vlp-files-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file whole, leaves no temp file, and works without fsync', async () => {
    const path = join(root, 'state.json');
    await writeFile(path, 'x'.repeat(1000));
    await writeFileAtomic(path, '{"step":1}');
    expect(await readFile(path, 'utf8')).toBe('{"step":1}');
    await writeFileAtomic(path, new Uint8Array([123, 125]), { durable: false });
    expect(await readFile(path, 'utf8')).toBe('{}');
    expect((await readdir(root)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('names the file when the directory does not exist, and creates nothing', async () => {
    const path = join(root, 'missing', 'state.json');
    const err = await writeFileAtomic(path, 'a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('ENOENT');
  });

  it('a hook that throws leaves the previous file untouched', async () => {
    const path = join(root, 'kept.json');
    await writeFileAtomic(path, 'old');
    const crash = () => {
      throw new Error('simulated crash');
    };
    await expect(writeFileAtomic(path, 'new', { onWrite: crash })).rejects.toThrow('simulated crash');
    expect(await readFile(path, 'utf8')).toBe('old');
  });
});

describe('serialQueue', () => {
  it('runs tasks one at a time in call order, so the last write stays', async () => {
    const inOrder = serialQueue();
    const path = join(root, 'ordered.json');
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const writes = Array.from({ length: 20 }, (_, i) =>
      inOrder(async () => {
        running++;
        most = Math.max(most, running);
        log.push(`start ${i}`);
        // Longer states first: interleaved writes would leave a tail of an earlier, longer one.
        await writeFileAtomic(path, JSON.stringify({ step: i, pad: 'p'.repeat(400 - i * 10) }), {
          durable: false,
        });
        log.push(`end ${i}`);
        running--;
        return i;
      }),
    );
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(1);
    expect(log.slice(0, 4)).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    expect(JSON.parse(await readFile(path, 'utf8')).step).toBe(19);
  });

  it('a failed task rejects its own promise and the queue goes on', async () => {
    const inOrder = serialQueue();
    const first = inOrder(async () => {
      throw new Error('disk full');
    });
    const second = inOrder(async () => 'written');
    await expect(first).rejects.toThrow('disk full');
    await expect(second).resolves.toBe('written');
  });
});

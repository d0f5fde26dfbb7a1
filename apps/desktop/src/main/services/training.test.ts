// The Training service: the Node flags a worker inherits (a test runner's `--conditions @vlp/source` must
// not reach it), the recipe list, and a real cavl-tiny run in the bundled worker that is paused and then
// stopped from the pause: a checkpoint on the pause, a loadable trained-model dir on the stop, and the
// control calls a stopped run refuses. (Pause then resume to the end runs in the e2e test.)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@vlp/pretrain';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle } from '../../build/bundle.js';
import { formatDuration } from '../../renderer/screens/train.js';
import type { AppEvent, TrainRun } from '../../shared/contract.js';
import { makeEmojiFolder, stubBackends } from '../_test-fixtures.js';
import { BackendService } from './backends.js';
import { CorpusService } from './corpus.js';
import { EventHub } from './events.js';
import { FolderAccess } from './folders.js';
import { TrainService, workerExecArgv } from './training.js';

describe('workerExecArgv', () => {
  it('drops --conditions in both spellings and keeps every other flag', () => {
    expect(
      workerExecArgv([
        '--require',
        'x.cjs',
        '--conditions',
        '@vlp/source',
        '--conditions=development',
        '-C',
        'node',
        '--max-old-space-size=512',
      ]),
    ).toEqual(['--require', 'x.cjs', '--max-old-space-size=512']);
    expect(workerExecArgv([])).toEqual([]);
  });
});

describe('formatDuration (the ETA on the Train screen)', () => {
  it('rounds to seconds and pads minutes and seconds', () => {
    expect([12.4, 59.6, 185, 3600, 3725, 0].map(formatDuration)).toEqual([
      '12 s',
      '1 min 00 s',
      '3 min 05 s',
      '1 h 00 min',
      '1 h 02 min',
      '0 s',
    ]);
    expect([null, Number.POSITIVE_INFINITY, Number.NaN].map(formatDuration)).toEqual(['-', '-', '-']);
  });
});

describe('TrainService', () => {
  const events = new EventHub();
  const folders = new FolderAccess();
  const service = new TrainService(
    folders,
    events,
    new CorpusService(folders, events, '/nonexistent'),
    new BackendService(async () => ({ probes: [], auto: undefined, forced: undefined })),
    '/nonexistent',
    new URL('file:///nonexistent/worker.js'),
  );

  it('lists 5 methods x 3 sizes, each name = method-size', () => {
    const recipes = service.recipes();
    expect(new Set(recipes.map((r) => r.method))).toEqual(
      new Set(['albef', 'cavl', 'pixelbert', 'soho', 'unimo2']),
    );
    expect(new Set(recipes.map((r) => r.size))).toEqual(new Set(['tiny', 'small', 'base']));
    for (const r of recipes) expect(r.name).toBe(`${r.method}-${r.size}`);
  });

  it('refuses to train on a corpus that was never added, and to control a run that does not exist', async () => {
    await expect(service.start({ corpus: 'x', recipe: 'cavl-tiny', steps: 3 })).rejects.toMatchObject({
      status: 404,
    });
    await expect(service.control({ id: 'abc', action: 'stop' })).rejects.toMatchObject({ status: 404 });
    expect(service.list()).toEqual([]);
  });
});

describe('a training run in its worker', () => {
  const results = fileURLToPath(new URL('../../../test-results/', import.meta.url));
  let root = '';
  afterAll(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('pauses with a checkpoint, stops from the pause into a loadable model dir, then refuses control', async () => {
    // Inside apps/desktop, so the bundled worker resolves @vlp/* from this package's node_modules.
    await mkdir(results, { recursive: true });
    root = await mkdtemp(join(results, 'training-'));
    const { trainWorkerUrl } = await bundle({ outDir: join(root, 'build'), worker: true });
    const data = join(root, 'data');
    const emoji = join(root, 'emoji');
    await makeEmojiFolder(emoji, 12);
    const events = new EventHub();
    const folders = new FolderAccess();
    await folders.grant(emoji);
    const corpus = new CorpusService(folders, events, data);
    expect((await corpus.add({ name: 'emoji', kind: 'sidecar', path: emoji })).counts.pairs).toBe(12);
    // The pure-JS cpu backend: every machine has it. (Training on tfjs-backend-wasm 4.22 fails in a
    // reshape inside the gradient, "Cannot read properties of undefined (reading 'backend')".)
    const backends = stubBackends();
    await backends.select('cpu');
    const training = new TrainService(folders, events, corpus, backends, data, trainWorkerUrl as URL);
    const seen: AppEvent[] = [];
    const waitFor = (test: (e: AppEvent) => boolean) =>
      new Promise<AppEvent>((ok) => {
        const hit = seen.find(test);
        if (hit) return ok(hit);
        const off = events.subscribe((e) => {
          if (test(e)) {
            off();
            ok(e);
          }
        });
      });
    events.subscribe((e) => seen.push(e));
    const state = (s: TrainRun['state']) => (e: AppEvent) => e.type === 'train' && e.run.state === s;

    const run = await training.start({ corpus: 'emoji', recipe: 'cavl-tiny', steps: 500, batchSize: 4 });
    expect(run.state).toBe('starting');
    await waitFor((e) => e.type === 'trainStep' && e.point.step >= 2);
    await expect(training.control({ id: run.id, action: 'resume' })).rejects.toMatchObject({ status: 409 });
    await training.control({ id: run.id, action: 'pause' });
    const paused = (await waitFor(state('paused'))) as Extract<AppEvent, { type: 'train' }>;
    const pauseStep = paused.run.step;
    expect(training.list()[0]?.checkpoints.map((c) => c.reason)).toContain('signal');
    await training.control({ id: run.id, action: 'stop' });
    await waitFor(state('stopped'));
    const [done] = training.list();
    // No step ran while paused; the run kept one history point per step it did run.
    expect(done?.step).toBe(pauseStep);
    expect(done?.history.map((p) => p.step)).toEqual(Array.from({ length: pauseStep }, (_, i) => i + 1));
    expect(done?.backend).toBe('cpu');
    // 12 pairs: every fifth held out (2), 10 trained on.
    expect([done?.trainPairs, done?.heldOut]).toEqual([10, 2]);
    expect(done?.modelDir).toBe(join(data, 'runs', run.id, 'model'));
    expect((await readdir(done?.modelDir as string)).sort()).toEqual([
      'model.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
    const loaded = await loadModel(done?.modelDir as string);
    expect(loaded.recipe.name).toBe('cavl-tiny');
    loaded.model.dispose();
    expect(existsSync(join(data, 'runs', run.id, 'run.json'))).toBe(true);
    for (const action of ['pause', 'resume', 'stop'] as const)
      await expect(training.control({ id: run.id, action })).rejects.toMatchObject({ status: 409 });
  });
});

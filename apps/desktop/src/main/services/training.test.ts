// The Training service's pieces that need no worker: the Node flags a worker inherits (a test runner's
// `--conditions @vlp/source` must not reach it) and the recipe list. A real run is in the e2e test.
import { describe, expect, it } from 'vitest';
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

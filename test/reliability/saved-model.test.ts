// A trained-model directory with a tampered model.json (issue 10: configs with unknown keys or wrong
// types): `loadModel` must load it or throw an error that names the file (model.json, or the weights
// that no longer fit the recipe it describes) and the problem, leaving no tensor behind. Hand-picked
// cases (unknown override keys, sizes no typed array holds, a caption length past the position table)
// plus fast-check mutations of every field of the saved recipe.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, loadModel, saveModel, trainCaptionTokenizer } from '@vlp/pretrain';
import { Rng, selectBackend } from '@vlp/tensor-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Figures } from './_figures.js';

const figures = new Figures('saved-model');
let dir: string;
let config: Record<string, unknown>;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'vlp-saved-model-'));
  const tok = trainCaptionTokenizer(['a red square', 'a blue circle', 'two green dots'], 40);
  const model = createModel('cavl-tiny', {}, new Rng(1), { vocabSize: tok.vocabSize, batchSize: 4 });
  await saveModel(dir, model, tok);
  model.dispose();
  config = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
});

afterAll(async () => {
  figures.write();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every path into a JSON value, the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, child]) => {
    const p = [...prefix, Array.isArray(v) ? Number(k) : k];
    return [p, ...pathsOf(child, p)];
  });
}

function mutate(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** Writes `cfg` as model.json and loads; returns 'loaded' or the error message (which must name the file). */
async function attempt(cfg: unknown): Promise<string> {
  await writeFile(join(dir, 'model.json'), JSON.stringify(cfg));
  const before = tf.memory().numTensors;
  try {
    const { model } = await loadModel(dir);
    model.dispose();
    return 'loaded';
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect(tf.memory().numTensors, (e as Error).message.slice(0, 300)).toBe(before); // nothing left behind
    return (e as Error).message;
  }
}

describe('loadModel with a tampered model.json', () => {
  it('hand-picked: unknown override, absurd sizes, maxLength past the positions: errors naming model.json', async () => {
    const recipe = config.recipe as Record<string, unknown>;
    const file = join(dir, 'model.json');
    const cases: [string, unknown, RegExp][] = [
      [
        'unknown key in image overrides',
        { ...config, recipe: { ...recipe, image: { name: 'vit-tiny', overrides: { width: 100000 } } } },
        /recipe does not build a model: .*Unrecognized key: "width"/s,
      ],
      [
        'embedDim 2^31-1',
        { ...config, recipe: { ...recipe, embedDim: 2 ** 31 - 1 } },
        /recipe does not build a model/,
      ],
      [
        'maxLength past the text positions',
        { ...config, recipe: { ...recipe, maxLength: 1e9 } },
        /maxLength 1000000000 exceeds the text encoder's maxPositions 32/,
      ],
      ['recipe a string', { ...config, recipe: 'cavl-tiny' }, /invalid/],
      ['unknown top-level recipe key', { ...config, recipe: { ...recipe, learningRat: 1 } }, /learningRat/],
    ];
    for (const [what, cfg, re] of cases) {
      const msg = await attempt(cfg);
      expect(msg.startsWith(`${file}: `), `${what}: ${msg}`).toBe(true);
      expect(msg, what).toMatch(re);
      figures.count(`model.json: ${what}`, 'loadModel', 'error naming model.json');
    }
    expect(await attempt(config)).toBe('loaded');
  });

  it('any field of the saved recipe changed or removed: loaded, or an error naming model.json or the weights', async () => {
    const file = join(dir, 'model.json');
    const paths = pathsOf(config);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        // Values of every JSON type, numbers kept small: a tampered size such as depth 1e9 builds layers
        // without bound (no parameter budget yet, see docs/reliability/REPORT.md), which is not fuzzed here.
        fc.option(
          fc.oneof(
            fc.string({ maxLength: 6 }),
            fc.boolean(),
            fc.constant(null),
            fc.integer({ min: -2, max: 64 }),
            fc.double({ min: -2, max: 64, noNaN: true }),
            fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
            fc.dictionary(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 4 }), { maxKeys: 2 }),
          ),
          { nil: undefined, freq: 5 },
        ),
        async (path, value) => {
          const msg = await attempt(mutate(config, path, value));
          // model.json itself, or the weights that no longer fit the recipe it now describes.
          const named = /^(.*?): /.exec(msg)?.[1];
          if (msg !== 'loaded') expect([file, join(dir, 'model.safetensors')], msg).toContain(named);
          figures.count(
            'model.json, one field mutated',
            'loadModel',
            msg === 'loaded' ? 'loaded' : `error naming ${named?.split('/').pop()}`,
          );
        },
      ),
      { seed: 60, numRuns: 40 },
    );
  });
});

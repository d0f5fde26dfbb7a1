// Consumers first: pack every package, install the tarballs with plain npm into a project outside the
// workspace, type-check a small TypeScript/ESM program against the published .d.ts files, and run it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, publishablePackages, REPO_ROOT, scratchProject } from './pack-and-install.js';

const TFJS = '4.22.0';

/** Runs a command; on failure the error carries its stdout and stderr, so a failing check says why. */
function run(cmd: string, args: string[], opts: { cwd: string }): string {
  try {
    return execFileSync(cmd, args, { ...opts, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
const TS = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/typescript/package.json'), 'utf8'))
  .version as string;

// The program a user would write after `npm i @vlp/fusion @tensorflow/tfjs-core`: a layer from tensor-core,
// then the towers and the UNIMO-2 grounded fusion on one batch, and a recipe model from @vlp/pretrain.
const PROGRAM = `
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Rng, selectBackend } from '@vlp/tensor-core';
import { createImageEncoder } from '@vlp/vision';
import { createTextEncoder } from '@vlp/text';
import { createFusion } from '@vlp/fusion';
import { createModel, listRecipes } from '@vlp/pretrain';

const { name } = await selectBackend('cpu');
const rng = new Rng(7);
const layer = new Linear(4, 3, { rng });
const x = tf.tensor2d([[1, 2, 3, 4], [0, 0, 0, 0]]);
const y = layer.forward(x) as tf.Tensor2D;
const w = layer.stateDict();
const expected = tf.add(tf.matMul(x, w['weight']!), w['bias']!);
const maxDiff = tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0];

const vision = createImageEncoder('vit-tiny', {}, rng.fork('vision')).eval();
const text = createTextEncoder('bert-tiny', { vocabSize: 100 }, rng.fork('text')).eval();
const fusion = createFusion('unimo2-tiny', { textDim: 128 }, rng.fork('fusion')).eval();
const pixels = tf.randomUniform([2, 32, 32, 3], -1, 1) as tf.Tensor4D;
const inputIds = tf.tensor2d([[2, 17, 40, 3], [2, 9, 3, 0]], [2, 4], 'int32');
const attentionMask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]], [2, 4], 'int32');
const img = vision.forward(pixels);
const txt = text.forward({ inputIds, attentionMask });
const fused = fusion.forward({ visual: img.tokens, text: txt.tokens, textMask: attentionMask });
const recipes = listRecipes();
const model = createModel('albef-tiny', {}, rng.fork('model'), { vocabSize: 100, batchSize: 2 });
const modelParams = model.numParameters();
model.dispose();
console.log(JSON.stringify({
  recipes, modelParams,
  backend: name, shape: y.shape, maxDiff, params: layer.numParameters(),
  fused: fused.sequence.shape, losses: Object.keys(fused.losses),
}));
`;

describe('published packages, installed by npm into a scratch project', () => {
  let work: string;
  let project: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vlp-pack-'));
    const tarballs = packAll(work);
    project = scratchProject(tarballs, {
      '@tensorflow/tfjs-core': TFJS,
      '@tensorflow/tfjs-backend-cpu': TFJS,
      typescript: TS,
      '@types/node': '^20.19.0',
      // tfjs-core's declarations name the global \`Long\` of @types/long 4 (a known tfjs quirk).
      '@types/long': '^4.0.2',
    });
    fs.writeFileSync(path.join(project, 'main.ts'), PROGRAM);
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          types: ['node', 'long'],
        },
        files: ['main.ts'],
      }),
    );
  }, 900_000);

  afterAll(() => {
    for (const dir of [work, project]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs every publishable package with dist, types and README, and no tests', () => {
    for (const pkg of publishablePackages()) {
      const installed = path.join(project, 'node_modules', ...pkg.name.split('/'));
      expect(fs.existsSync(path.join(installed, 'dist', 'index.js')), pkg.name).toBe(true);
      expect(fs.existsSync(path.join(installed, 'dist', 'index.d.ts')), pkg.name).toBe(true);
      expect(fs.existsSync(path.join(installed, 'README.md')), `${pkg.name} README`).toBe(true);
      const pj = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
      expect(JSON.stringify(pj)).not.toContain('workspace:');
      const files = fs.readdirSync(installed, { recursive: true }).map(String);
      expect(files.filter((f) => f.endsWith('.test.ts') || f.endsWith('.test.js'))).toEqual([]);
    }
  });

  it('type-checks a user program against the published declarations and runs a layer and a fusion model', () => {
    run(path.join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: project });
    const out = run('node', ['main.js'], { cwd: project });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result.backend).toBe('cpu');
    expect(result.shape).toEqual([2, 3]);
    expect(result.maxDiff).toBeLessThan(1e-6);
    expect(result.params).toBe(4 * 3 + 3);
    // 16 visual + 8 grounded + 4 text tokens of width 32, and UNIMO-2's grounding loss.
    expect(result.fused).toEqual([2, 28, 32]);
    expect(result.losses).toEqual(['grounding']);
    // The recipe registry ships with @vlp/pretrain (configs/*.json), and a recipe builds from it.
    expect(result.recipes).toHaveLength(15);
    expect(result.recipes).toContain('albef-tiny');
    expect(result.modelParams).toBeGreaterThan(0);
  });
});

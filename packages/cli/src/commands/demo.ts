// `vlp demo`: the README's main command (issue 8). Builds the emoji corpus from npm packages, pre-trains
// the default recipe on CPU within a time budget, evaluates zero-shot on the unseen Apple style and writes
// report.md with loss and confusion plots. The pipeline lives in ../demo/.
import { releaseBackends } from '@vlp/tensor-core';
import { type Command, InvalidArgumentError } from 'commander';
import { DEMO_DEFAULTS } from '../demo/recipe.js';
import { type DemoResult, runDemo } from '../demo/run.js';
import { _int, _num } from './_common.js';

function _size(value: string): 32 | 64 {
  if (value === '32' || value === '64') return Number(value) as 32 | 64;
  throw new InvalidArgumentError('expected 32 or 64');
}

/** One line per figure, for the terminal. */
export function formatDemoResult(r: DemoResult): string {
  const m = r.metrics;
  if (m === undefined)
    return `stopped at step ${r.step} of ${r.totalSteps}; rerun with --resume to continue (${r.out})`;
  const f = (x: number) => x.toFixed(1);
  return [
    `trained ${r.step} of ${r.totalSteps} steps (${r.stopped}) in ${f(r.seconds.training)} s; total ${f(r.seconds.total)} s`,
    `category ${f(m.category.accuracy)}% (chance ${f(m.category.chance)}), subcategory ${f(m.subcategory.accuracy)}% (chance ${f(m.subcategory.chance)})`,
    `image -> name R@1 ${f(m.imageToName.r1)} R@5 ${f(m.imageToName.r5)} among ${m.imageToName.candidates}; name -> image R@1 ${f(m.nameToImage.r1)} R@5 ${f(m.nameToImage.r5)}`,
    `held-out concepts ${f(m.heldOut.accuracy)}% over ${m.heldOut.classes} classes (chance ${f(m.heldOut.chance)})`,
    `report: ${r.out}/report.md`,
  ].join('\n');
}

/**
 * Adds `demo` to a program.
 *
 * @example
 * ```ts
 * await registerDemo(new Command('vlp')).parseAsync(['node', 'vlp', 'demo', '--out', 'vlp-demo', '--minutes', '20']);
 * ```
 */
export function registerDemo(program: Command): Command {
  program
    .command('demo')
    .description(
      'build the emoji corpus, pre-train on CPU, evaluate zero-shot on the unseen Apple style, write a report',
    )
    .option('--out <dir>', 'output directory (corpus, checkpoints, model, report)', 'vlp-demo')
    .option('--recipe <name>', 'recipe to train', DEMO_DEFAULTS.recipe)
    .option('--minutes <n>', 'whole-run time budget in minutes', _num(0.1), DEMO_DEFAULTS.minutes)
    .option(
      '--steps <n>',
      'optimizer steps (training stops earlier if the budget runs out)',
      _int(1),
      DEMO_DEFAULTS.steps,
    )
    .option('--image-size <px>', 'corpus picture size: 32 or 64', _size, DEMO_DEFAULTS.imageSize)
    .option('--batch-size <n>', 'batch size', _int(2), DEMO_DEFAULTS.batchSize)
    .option('--lr <x>', 'peak learning rate', _num(0), DEMO_DEFAULTS.lr)
    .option('--seed <n>', 'seed of the corpus split, model and data order', _int(0), DEMO_DEFAULTS.seed)
    .option('--subset <n>', 'a small corpus: this many emoji per category (quick checks)', _int(1))
    .option('--backend <name>', 'compute backend (auto, ort, wasm, cpu, ...)')
    .option(
      '--no-augment',
      'train on the pictures as they are (default: shifts up to 2 px, brightness / contrast jitter)',
    )
    .option(
      '--no-class-captions',
      "captions without the picture's category and subcategory names (default: with them)",
    )
    .option('--resume', 'continue an interrupted run in --out')
    .action(async (options: Record<string, unknown>) => {
      try {
        const r = await runDemo({
          out: options.out as string,
          recipe: options.recipe as string,
          minutes: options.minutes as number,
          steps: options.steps as number,
          imageSize: options.imageSize as 32 | 64,
          batchSize: options.batchSize as number,
          lr: options.lr as number,
          seed: options.seed as number,
          subset: options.subset as number | undefined,
          backend: options.backend as string | undefined,
          resume: options.resume === true,
          augment: options.augment !== false,
          classCaptions: options.classCaptions !== false,
          command: ['vlp', ...process.argv.slice(2)].join(' '),
        });
        console.log(formatDemoResult(r));
        if (r.stopped === 'interrupted') process.exitCode = 130;
      } finally {
        await releaseBackends();
      }
    });
  return program;
}

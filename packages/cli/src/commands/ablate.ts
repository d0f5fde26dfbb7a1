// `vlp ablate`: the ablation table of issue 8 (each recipe, each objective off in turn, UNIMO-2 without
// unaligned data, SOHO's visual-dictionary size) under one fixed budget. The pipeline is ../demo/ablate.ts.
import { releaseBackends } from '@vlp/tensor-core';
import type { Command } from 'commander';
import { ablationVariants, runAblation } from '../demo/ablate.js';
import { _int, _list, _num } from './_common.js';

/**
 * Adds `ablate` to a program.
 *
 * @example
 * ```ts
 * await registerAblate(new Command('vlp')).parseAsync(['node', 'vlp', 'ablate', '--steps', '300']);
 * ```
 */
export function registerAblate(program: Command): Command {
  program
    .command('ablate')
    .description('ablation table on the demo corpus: recipes, objectives off in turn, dictionary sizes')
    .option('--out <dir>', 'output directory (shared corpus, one run per row, ablation.md)', 'vlp-ablate')
    .option('--steps <n>', 'optimizer steps per row (the fixed budget)', _int(1), 300)
    .option('--batch-size <n>', 'batch size', _int(2), 32)
    .option('--lr <x>', 'peak learning rate', _num(0))
    .option('--seed <n>', 'seed', _int(0), 0)
    .option('--subset <n>', 'a small corpus: this many emoji per category (quick checks)', _int(1))
    .option('--only <rows>', 'comma-separated row names (see --list)', _list)
    .option('--list', 'print the row names and exit')
    .option('--backend <name>', 'compute backend (auto, ort, wasm, cpu, ...)')
    .action(async (o: Record<string, unknown>) => {
      if (o.list === true) {
        for (const v of ablationVariants()) console.log(`${v.name}\t${v.change}`);
        return;
      }
      try {
        const rows = await runAblation({
          out: o.out as string,
          steps: o.steps as number,
          batchSize: o.batchSize as number,
          seed: o.seed as number,
          ...(o.lr !== undefined ? { lr: o.lr as number } : {}),
          ...(o.subset !== undefined ? { subset: o.subset as number } : {}),
          ...(o.only !== undefined ? { only: o.only as string[] } : {}),
          ...(o.backend !== undefined ? { backend: o.backend as string } : {}),
        });
        console.log(`${rows.length} rows: ${o.out as string}/ablation.md`);
      } finally {
        await releaseBackends();
      }
    });
  return program;
}

// The `vlp` command tree. Each subcommand lives in its own file under commands/ and exports a
// register function; adding one is a new file plus one line here.
import { Command } from 'commander';
import { registerAblate } from './commands/ablate.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerIngest } from './commands/ingest.js';
import { registerLabel } from './commands/label.js';
import { registerPretrain } from './commands/pretrain.js';
import { VERSION } from './version.js';

/**
 * Builds the `vlp` program (without parsing anything), so tests and embedders can drive it.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(['node', 'vlp', 'doctor']);
 * ```
 */
export function createProgram(): Command {
  const program = new Command('vlp')
    .description('vision-language pre-training on TensorFlow.js')
    .version(VERSION)
    .showHelpAfterError();
  registerDoctor(program);
  registerIngest(program);
  registerPretrain(program);
  registerEval(program);
  registerLabel(program);
  registerExport(program);
  registerDemo(program);
  registerAblate(program);
  return program;
}

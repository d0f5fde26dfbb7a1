#!/usr/bin/env node
// Entry point of the `vlp` binary: parse argv, run the subcommand, turn errors into a message and exit 1.
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  console.error(`vlp: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

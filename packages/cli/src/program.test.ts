// Every subcommand answers --help with its options and a runnable example, without running anything.
import { describe, expect, it } from 'vitest';
import { createProgram } from './program.js';

function help(name: string): string {
  const program = createProgram();
  let text = '';
  for (const c of [program, ...program.commands])
    c.exitOverride().configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  expect(() => program.parse(['node', 'vlp', name, '--help'])).toThrow(/outputHelp|help/);
  return text;
}

describe('vlp --help', () => {
  const expected: Record<string, string[]> = {
    ingest: ['--out <dir>', '--image-root <dir>', 'KIND:PATH', 'vlp ingest jsonl:'],
    pretrain: [
      '--recipe <name>',
      '--corpus <dir>',
      '--steps <n>',
      '--batch-size <n>',
      '--lr <x>',
      '--resume',
      'albef-tiny',
    ],
    eval: ['--folder <dir>', '--karpathy <file>', '--rerank <k>', 'vlp eval '],
    label: [
      '--labels <a,b,c>',
      '--labels-file <file>',
      '--threshold <p>',
      '--out <file>',
      '--copy-to <dir>',
      '--move-to <dir>',
      '--yes',
      'vlp label ',
    ],
  };
  for (const [name, parts] of Object.entries(expected)) {
    it(`${name} --help lists its options and an example`, () => {
      const text = help(name);
      for (const p of parts) expect(text).toContain(p);
    });
  }

  it('the top-level help lists every subcommand', () => {
    const text = help('help');
    for (const name of ['doctor', ...Object.keys(expected)])
      expect(text).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
  });
});

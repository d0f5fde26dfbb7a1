// Tokenizer tests on a hand-written vocabulary with expected ids worked out by hand from BERT's rules.
import { describe, expect, it } from 'vitest';
import { normalizeBert, preTokenizeBert } from './normalizer.js';
import { WordPieceTokenizer } from './tokenizer.js';
import { Vocabulary } from './vocab.js';

// A vocab.txt written inline, six tokens a line: ids 0-5, 6-11, 12-17, 18-23, 24-25.
const VOCAB = `
  [PAD] [UNK] [CLS] [SEP] [MASK] a
  dog cafe un ##aff ##able .
  , ! ' s 你 好
  play ##ing the ##s runs café
  Dog ball
`
  .trim()
  .split(/\s+/);
const ids = (tok: WordPieceTokenizer, text: string) => Array.from(tok.encode(text).inputIds);

describe('BERT normalisation', () => {
  it('cleans control characters, strips accents, lowercases and pads CJK', () => {
    expect(normalizeBert('Héllo\u0000 W\u00f6rld\t你好')).toBe('hello world  你  好 ');
    expect(normalizeBert('Café', { lowercase: false })).toBe('Café');
    expect(normalizeBert('Café', { lowercase: true, stripAccents: false })).toBe('café');
    expect(normalizeBert('a\u200bb\ufffdc\u0007d')).toBe('abcd');
  });

  it('splits on whitespace and isolates punctuation', () => {
    expect(preTokenizeBert("a dog's  ball...")).toEqual(['a', 'dog', "'", 's', 'ball', '.', '.', '.']);
    expect(preTokenizeBert('x\u00a0y\u3000z—w$')).toEqual(['x', 'y', 'z', '—', 'w', '$']);
  });
});

describe('WordPieceTokenizer on a hand-written vocabulary', () => {
  const tok = new WordPieceTokenizer(VOCAB);

  it('resolves the special ids', () => {
    expect(tok.specialIds).toEqual({ pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 });
    expect(Array.from(tok.allSpecialIds)).toEqual([0, 1, 2, 3, 4]);
  });

  it('encodes words, continuations and punctuation', () => {
    expect(ids(tok, 'A dog.')).toEqual([2, 5, 6, 11, 3]);
    expect(ids(tok, 'Unaffable!')).toEqual([2, 8, 9, 10, 13, 3]);
    expect(ids(tok, "dog's ball, playing")).toEqual([2, 6, 14, 15, 25, 12, 18, 19, 3]);
    expect(tok.tokenize('Unaffable!')).toEqual(['un', '##aff', '##able', '!']);
  });

  it('strips accents (precomposed and combining) when uncased', () => {
    expect(ids(tok, 'CAFÉ')).toEqual([2, 7, 3]);
    expect(ids(tok, 'cafe\u0301')).toEqual([2, 7, 3]);
  });

  it('keeps accents and case when configured', () => {
    const cased = new WordPieceTokenizer(VOCAB, { normalizer: { lowercase: false } });
    expect(ids(cased, 'Dog café dog')).toEqual([2, 24, 23, 6, 3]);
    const keepAccents = new WordPieceTokenizer(VOCAB, { normalizer: { stripAccents: false } });
    expect(ids(keepAccents, 'Café')).toEqual([2, 23, 3]);
  });

  it('splits CJK ideographs into single characters', () => {
    expect(ids(tok, '你好dog')).toEqual([2, 16, 17, 6, 3]);
    const noCjk = new WordPieceTokenizer(VOCAB, { normalizer: { handleChineseChars: false } });
    expect(ids(noCjk, '你好')).toEqual([2, 1, 3]);
  });

  it('maps unknown words (and partially coverable words) to a single [UNK]', () => {
    expect(ids(tok, 'a zebra')).toEqual([2, 5, 1, 3]);
    expect(ids(tok, 'unaffablex')).toEqual([2, 1, 3]);
    expect(ids(tok, 'dog—a')).toEqual([2, 6, 1, 5, 3]);
    expect(ids(tok, '🐶 dog')).toEqual([2, 1, 6, 3]);
  });

  it('maps words longer than maxInputCharsPerWord to [UNK]', () => {
    const short = new WordPieceTokenizer(VOCAB, { maxInputCharsPerWord: 6 });
    expect(ids(short, 'playing')).toEqual([2, 1, 3]);
    expect(ids(short, 'play')).toEqual([2, 18, 3]);
    expect(ids(tok, 'playing')).toEqual([2, 18, 19, 3]);
  });

  it('handles white space and control characters like BERT', () => {
    expect(ids(tok, '\ta\u00a0dog\r\n')).toEqual([2, 5, 6, 3]);
    expect(ids(tok, 'do\u0000g')).toEqual([2, 6, 3]);
    expect(ids(tok, '')).toEqual([2, 3]);
  });

  it('keeps special tokens written in the text whole', () => {
    expect(ids(tok, 'a [MASK] dog[SEP]')).toEqual([2, 5, 4, 6, 3, 3]);
  });

  it('truncates, keeping [SEP] last, and refuses when truncation is off', () => {
    expect(ids(tok, 'a dog a dog a dog')).toHaveLength(8);
    expect(Array.from(tok.encode('a dog a dog a dog', { maxLength: 5 }).inputIds)).toEqual([2, 5, 6, 5, 3]);
    expect(() => tok.encode('a dog a dog', { maxLength: 5, truncation: false })).toThrow(RangeError);
    expect(() => tok.encode('a', { maxLength: 2 })).toThrow(RangeError);
  });

  it("pads to maxLength with [PAD] and a zero attention mask ('max_length')", () => {
    const e = tok.encode('a dog', { maxLength: 8, padding: 'max_length' });
    expect(Array.from(e.inputIds)).toEqual([2, 5, 6, 3, 0, 0, 0, 0]);
    expect(Array.from(e.attentionMask)).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(e.tokenTypeIds)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => tok.encode('a', { padding: 'max_length' })).toThrow(/maxLength/);
  });

  it('encodes a batch into flat [B, T] arrays padded to the longest row', () => {
    const b = tok.encodeBatch(['a dog runs', 'the', 'unaffable dog runs the ball'], { maxLength: 6 });
    expect(b.shape).toEqual([3, 6]);
    expect(Array.from(b.inputIds)).toEqual(
      [
        [2, 5, 6, 22, 3, 0],
        [2, 20, 3, 0, 0, 0],
        [2, 8, 9, 10, 6, 3],
      ].flat(),
    );
    expect(Array.from(b.attentionMask)).toEqual(
      [
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ].flat(),
    );
    expect(Array.from(b.lengths)).toEqual([5, 3, 6]);
    const longest = tok.encodeBatch(['a', 'a dog'], { maxLength: 32 });
    expect(longest.shape).toEqual([2, 4]);
    expect(tok.encodeBatch([], {}).shape).toEqual([0, 0]);
  });

  it('encodes pairs with token type ids and longest-first truncation', () => {
    const e = tok.encode('a dog', { pair: 'the dog' });
    expect(Array.from(e.inputIds)).toEqual([2, 5, 6, 3, 20, 6, 3]);
    expect(Array.from(e.tokenTypeIds)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    // A has 5 pieces, B has 2; budget 8 - 3 = 5: B is kept whole, A is cut to 3.
    const t = tok.encode('a dog a dog a', { pair: 'the dog', maxLength: 8 });
    expect(Array.from(t.inputIds)).toEqual([2, 5, 6, 5, 3, 20, 6, 3]);
    // Both longer than half of budget 5: the longer (B) keeps 3, A keeps 2.
    const both = tok.encode('a dog a', { pair: 'the dog the dog', maxLength: 8 });
    expect(Array.from(both.inputIds)).toEqual([2, 5, 6, 3, 20, 6, 20, 3]);
    const batch = tok.encodeBatch(['a', 'dog'], { pairs: ['the', 'a dog'] });
    expect(Array.from(batch.tokenTypeIds)).toEqual([0, 0, 0, 1, 1, 0, [0, 0, 0, 1, 1, 1]].flat());
    expect(() => tok.encodeBatch(['a'], { pairs: [] })).toThrow(/pairs/);
  });

  it('decodes, gluing continuations and cleaning punctuation spaces', () => {
    expect(tok.decode([2, 8, 9, 10, 13, 3])).toBe('unaffable!');
    expect(tok.decode([2, 5, 6, 14, 15, 25, 11, 3, 0, 0])).toBe("a dog's ball.");
    expect(tok.decode([2, 5, 4, 3], { skipSpecialTokens: false })).toBe('[CLS] a [MASK] [SEP]');
    expect(tok.decode([5, 6, 11], { cleanUp: false })).toBe('a dog .');
    expect(() => tok.decode([99])).toThrow(RangeError);
  });

  it('bounds the word cache and gives the same ids after eviction', () => {
    const small = new WordPieceTokenizer(VOCAB, { cacheSize: 2 });
    const first = ids(small, 'a dog runs the ball');
    expect(small.model.cachedWords).toBe(2);
    expect(ids(small, 'a dog runs the ball')).toEqual(first);
    expect(first).toEqual([2, 5, 6, 22, 20, 25, 3]);
  });
});

describe('Vocabulary', () => {
  it('round-trips vocab.txt (with CRLF) and rejects duplicates', () => {
    const v = Vocabulary.fromVocabTxt('[PAD]\r\n[UNK]\r\nthe\r\n##s\r\n\r\n');
    expect(v.size).toBe(4);
    expect(v.id('##s')).toBe(3);
    expect(v.toVocabTxt()).toBe('[PAD]\n[UNK]\nthe\n##s\n');
    expect(() => new Vocabulary(['a', 'b', 'a'])).toThrow(/duplicate/);
    expect(() => Vocabulary.fromObject({ a: 0, b: 2 })).toThrow(/outside/);
    expect(Vocabulary.fromObject({ b: 1, a: 0 }).tokens).toEqual(['a', 'b']);
  });

  it('fails clearly when a special token is missing', () => {
    expect(() => new WordPieceTokenizer(['[PAD]', '[UNK]', 'a'])).toThrow(/\[CLS\], \[SEP\], \[MASK\]/);
  });
});

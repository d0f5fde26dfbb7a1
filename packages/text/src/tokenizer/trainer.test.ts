// Trainer tests: merges worked out by hand on the classic BPE corpus, save/load round trips, and a vocabulary
// trained on 90% of WordNet's glosses evaluated on the held-out 10%.
import { describe, expect, it } from 'vitest';
import { _readWordnetGlosses, _splitGlosses } from './_test-wordnet.js';
import { normalizeBert, preTokenizeBert } from './normalizer.js';
import { WordPieceTokenizer } from './tokenizer.js';
import { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
import { trainWordPiece } from './trainer.js';

// low x5, lower x2, newest x6, widest x3 (Sennrich et al.'s example).
const CORPUS = [
  'low low low low low',
  'lower lower',
  'newest newest newest newest newest newest',
  'widest widest widest',
];

describe('trainWordPiece', () => {
  it('merges the most frequent pair first, ties to the lower ids (hand-computed)', () => {
    // Ids 0-4 specials, 5-14 'd e i l n o r s t w', 15-24 their '##' forms. Pair counts: (##e,##s) = (##s,##t)
    // = 9 -> '##es' (lower ids), then (##es,##t) = 9 -> '##est', (l,##o) = (##o,##w) = 7 -> 'lo', 'low',
    // then the 6s: (n,##e) -> 'ne', (##w,##est) -> '##west', (ne,##west) -> 'newest'.
    const { vocab, tokenizer, stats } = trainWordPiece(CORPUS, { vocabSize: 32 });
    expect(vocab.tokens.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab.tokens.slice(5, 15).join(' ')).toBe('d e i l n o r s t w');
    expect(vocab.tokens.slice(25)).toEqual(['##es', '##est', 'lo', 'low', 'ne', '##west', 'newest']);
    expect(stats).toEqual({ words: 16, uniqueWords: 4, alphabet: 10, merges: 7 });
    expect(tokenizer.tokenize('lowest widest')).toEqual(['low', '##est', 'w', '##i', '##d', '##est']);
    expect(tokenizer.tokenize('Lowered')).toEqual(['low', '##e', '##r', '##e', '##d']);
    expect(tokenizer.tokenize('lox')).toEqual(['[UNK]']);
  });

  it('stops at minFrequency', () => {
    const { vocab, stats } = trainWordPiece(CORPUS, { vocabSize: 100, minFrequency: 7 });
    expect(stats.merges).toBe(4);
    expect(vocab.size).toBe(29);
    expect(vocab.tokens.slice(-4)).toEqual(['##es', '##est', 'lo', 'low']);
  });

  it('limits the alphabet, leaving out words with rare characters', () => {
    const { vocab, stats } = trainWordPiece(['aaa bbb ab ccc x', 'aab'], { vocabSize: 40, limitAlphabet: 3 });
    expect(stats.alphabet).toBe(3);
    expect(vocab.has('x')).toBe(false);
    expect(vocab.has('##c')).toBe(true);
    expect(() => trainWordPiece(CORPUS, { vocabSize: 10 })).toThrow(/vocabSize 10/);
  });

  it('saves and reloads as vocab.txt and tokenizer.json with identical ids', () => {
    const { tokenizer, vocab } = trainWordPiece(CORPUS, { vocabSize: 32 });
    const fromTxt = WordPieceTokenizer.fromVocabTxt(vocab.toVocabTxt());
    const fromJson = tokenizerFromJson(JSON.stringify(tokenizerToJson(tokenizer)));
    for (const s of ['newest lowest', 'widest lower', 'nothing known']) {
      expect(fromTxt.encode(s).inputIds).toEqual(tokenizer.encode(s).inputIds);
      expect(fromJson.encode(s).inputIds).toEqual(tokenizer.encode(s).inputIds);
    }
  });
});

describe('a vocabulary trained on WordNet glosses', () => {
  it('leaves under 1% [UNK] on held-out glosses with about 8k pieces', () => {
    const { train, heldOut } = _splitGlosses(_readWordnetGlosses());
    expect(train.length).toBeGreaterThan(100_000);
    const { tokenizer, vocab, stats } = trainWordPiece(train, { vocabSize: 8000 });
    expect(vocab.size).toBe(8000);
    const batch = tokenizer.encodeBatch(heldOut);
    const unk = tokenizer.specialIds.unk;
    let pieces = 0;
    let unks = 0;
    for (let i = 0; i < batch.inputIds.length; i++) {
      if (batch.attentionMask[i] === 0) continue;
      pieces++;
      if (batch.inputIds[i] === unk) unks++;
    }
    pieces -= 2 * heldOut.length; // [CLS] and [SEP]
    const words = heldOut.reduce((n, g) => n + preTokenizeBert(normalizeBert(g)).length, 0);
    const unkRate = unks / pieces;
    const piecesPerWord = pieces / words;
    console.log(
      `WordNet: ${train.length} train / ${heldOut.length} held-out glosses, ${stats.uniqueWords} distinct words, ` +
        `alphabet ${stats.alphabet}; held-out [UNK] rate ${(100 * unkRate).toFixed(3)}% (${unks}/${pieces}), ` +
        `${piecesPerWord.toFixed(3)} pieces per word`,
    );
    expect(unkRate).toBeLessThan(0.01);
    // An 8k vocabulary should keep most held-out words whole: a character-level fallback would give ~7.
    expect(piecesPerWord).toBeLessThan(1.3);
    // The frequent words are whole pieces.
    expect(tokenizer.tokenize('a kind of plant')).toEqual(['a', 'kind', 'of', 'plant']);
  });
});

// WordPiece vocabulary training the Hugging Face way (`tokenizers`' WordPieceTrainer, which runs its BPE
// trainer with a '##' continuing-subword prefix): count the normalised, pre-tokenised words of the corpus,
// start from single characters ('c' at a word start, '##c' inside a word), then repeatedly merge the most
// frequent adjacent pair (a, b) into the new piece a + b-without-'##' until the vocabulary reaches its size.
//
// Scoring by raw pair frequency (not BERT's likelihood score freq(ab) / (freq(a) freq(b))) is deliberate: it
// is what the HF trainer does, so our vocabularies are comparable with theirs, and frequencies only change for
// the pairs around a merge, which lets a lazy max-heap find the best pair in O(log n) per merge. The likelihood
// score changes for every pair containing a or b after each merge, which would need a full rescan.
//
// One difference from HF: every alphabet character enters the vocabulary in both forms ('c' and '##c'), as in
// Google's released BERT vocabularies, so a word made only of alphabet characters can never become [UNK].

import { _PairHeap } from './_pair-heap.js';
import { _splitWords, type BertNormalizerOptions, resolveNormalizer } from './normalizer.js';
import { BERT_SPECIAL_TOKENS } from './special-tokens.js';
import { WordPieceTokenizer } from './tokenizer.js';
import { Vocabulary } from './vocab.js';

/** Options of {@link trainWordPiece}. */
export interface TrainWordPieceOptions {
  /** Target vocabulary size, special tokens and alphabet included. */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged (training may stop below vocabSize). Default 2. */
  minFrequency?: number;
  /** Tokens placed first, in this order. Default `[PAD] [UNK] [CLS] [SEP] [MASK]` (ids 0-4). */
  specialTokens?: readonly string[];
  /** Keep only the most frequent characters; words with other characters are left out. Default 1000. */
  limitAlphabet?: number;
  /** Characters always in the alphabet, however rare (they do not count toward `limitAlphabet`). */
  initialAlphabet?: readonly string[];
  /** Normalisation applied to the corpus; the returned tokenizer uses the same. Default uncased BERT. */
  normalizer?: BertNormalizerOptions;
  /** Continuation prefix. Default '##'. */
  continuingSubwordPrefix?: string;
  /** Words longer than this (in characters) are left out; the tokenizer maps them to [UNK]. Default 100. */
  maxInputCharsPerWord?: number;
}

/** What {@link trainWordPiece} returns. */
export interface TrainedWordPiece {
  /** A tokenizer over the new vocabulary, with the training normalisation. */
  tokenizer: WordPieceTokenizer;
  vocab: Vocabulary;
  stats: {
    /** Words (pre-tokens) counted in the corpus. */
    words: number;
    /** Distinct words trained on. */
    uniqueWords: number;
    /** Distinct characters kept. */
    alphabet: number;
    /** Merges performed. */
    merges: number;
  };
}

const KEY = 1 << 21; // pair key = a * KEY + b; vocabularies stay far below 2^21 tokens.

/**
 * Trains a WordPiece vocabulary on a corpus of texts (any iterable: an array, a generator over a file).
 *
 * @example
 * const { tokenizer, vocab } = trainWordPiece(captions, { vocabSize: 8000, minFrequency: 2 });
 * writeFileSync('vocab.txt', vocab.toVocabTxt());
 * writeFileSync('tokenizer.json', JSON.stringify(tokenizerToJson(tokenizer)));
 */
export function trainWordPiece(corpus: Iterable<string>, options: TrainWordPieceOptions): TrainedWordPiece {
  const prefix = options.continuingSubwordPrefix ?? '##';
  const minFrequency = options.minFrequency ?? 2;
  const maxChars = options.maxInputCharsPerWord ?? 100;
  const specials = options.specialTokens ?? Object.values(BERT_SPECIAL_TOKENS);
  const normalizer = resolveNormalizer(options.normalizer);

  // 1. Word frequencies.
  const counts = new Map<string, number>();
  const scratch: string[] = [];
  let nWords = 0;
  for (const text of corpus) {
    scratch.length = 0;
    _splitWords(text, normalizer, scratch);
    for (const w of scratch) counts.set(w, (counts.get(w) ?? 0) + 1);
    nWords += scratch.length;
  }

  // 2. Alphabet: the most frequent characters (ties broken by code point, for determinism).
  const charCounts = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) charCounts.set(ch, (charCounts.get(ch) ?? 0) + c);
  const limit = options.limitAlphabet ?? 1000;
  const ranked = [...charCounts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, limit);
  const alphabet = new Set<string>([...ranked.map(([ch]) => ch), ...(options.initialAlphabet ?? [])]);

  // 3. Initial vocabulary: specials, then each character as word start and as continuation.
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const add = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(t);
      ids.set(t, id);
    }
    return id;
  };
  for (const s of specials) add(s);
  const sortedAlphabet = [...alphabet].sort();
  for (const ch of sortedAlphabet) add(ch);
  for (const ch of sortedAlphabet) add(prefix + ch);
  if (tokens.length > options.vocabSize) {
    throw new Error(
      `trainWordPiece: vocabSize ${options.vocabSize} < specials + alphabet (${tokens.length})`,
    );
  }

  // 4. Words as symbol-id sequences, weighted by frequency.
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counts) {
    const chars = Array.from(w);
    if (chars.length > maxChars || !chars.every((ch) => alphabet.has(ch))) continue;
    words.push(chars.map((ch, i) => ids.get(i === 0 ? ch : prefix + ch) as number));
    freq.push(c);
  }

  // 5. Pair statistics and the lazy max-heap over them.
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  for (let wi = 0; wi < words.length; wi++) {
    const sym = words[wi] as number[];
    for (let i = 0; i + 1 < sym.length; i++) {
      const key = (sym[i] as number) * KEY + (sym[i + 1] as number);
      pairCount.set(key, (pairCount.get(key) ?? 0) + (freq[wi] as number));
      addWord(pairWords, key, wi);
    }
  }
  const heap = new _PairHeap();
  for (const [key, c] of pairCount) heap.push(c, key);

  // 6. Merge until the vocabulary is full.
  let merges = 0;
  const delta = new Map<number, number>();
  while (tokens.length < options.vocabSize && heap.size > 0) {
    const top = heap.pop();
    const current = pairCount.get(top.key) ?? 0;
    if (current !== top.count) {
      if (current > 0) heap.push(current, top.key); // stale entry: requeue with the true count
      continue;
    }
    if (current < minFrequency) break;
    const a = Math.floor(top.key / KEY);
    const b = top.key % KEY;
    const bTok = tokens[b] as string;
    const merged = add((tokens[a] as string) + (bTok.startsWith(prefix) ? bTok.slice(prefix.length) : bTok));
    merges++;
    delta.clear();
    for (const wi of pairWords.get(top.key) ?? []) {
      const sym = words[wi] as number[];
      const f = freq[wi] as number;
      let touched = false;
      for (let i = 0; i + 1 < sym.length; i++) {
        if (sym[i] !== a || sym[i + 1] !== b) continue;
        if (!touched) {
          for (let j = 0; j + 1 < sym.length; j++)
            bump(delta, (sym[j] as number) * KEY + (sym[j + 1] as number), -f);
          touched = true;
        }
        sym.splice(i, 2, merged);
      }
      if (!touched) continue;
      for (let j = 0; j + 1 < sym.length; j++) {
        const key = (sym[j] as number) * KEY + (sym[j + 1] as number);
        bump(delta, key, f);
        addWord(pairWords, key, wi);
      }
    }
    pairWords.delete(top.key);
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const c = (pairCount.get(key) ?? 0) + d;
      if (c > 0) pairCount.set(key, c);
      else pairCount.delete(key);
      if (d > 0) heap.push(c, key);
    }
  }

  const vocab = new Vocabulary(tokens);
  const tokenizer = new WordPieceTokenizer(vocab, {
    normalizer: options.normalizer ?? {},
    continuingSubwordPrefix: prefix,
    maxInputCharsPerWord: maxChars,
  });
  return {
    tokenizer,
    vocab,
    stats: { words: nWords, uniqueWords: words.length, alphabet: alphabet.size, merges },
  };
}

function bump(map: Map<number, number>, key: number, d: number): void {
  map.set(key, (map.get(key) ?? 0) + d);
}

function addWord(map: Map<number, Set<number>>, key: number, word: number): void {
  const set = map.get(key);
  if (set) set.add(word);
  else map.set(key, new Set([word]));
}

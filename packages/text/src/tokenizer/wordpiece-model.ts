// The WordPiece model proper (Schuster & Nakajima 2012; BERT, Devlin et al. 2019): greedy longest-match-first
// segmentation of one pre-tokenised word into vocabulary pieces, continuation pieces carrying the '##' prefix.
// A word longer than `maxInputCharsPerWord`, or with any span no piece covers, becomes a single [UNK], exactly
// as in Google's `WordpieceTokenizer` and Hugging Face's `WordPiece` model. Results are cached per word in a
// bounded FIFO map: caption corpora are Zipfian, so a few thousand words cover nearly every lookup.
import type { Vocabulary } from './vocab.js';

/** Settings of the WordPiece model, named as in `tokenizer.json` (camel-cased). */
export interface WordPieceModelOptions {
  /** Token for words that cannot be segmented. Default '[UNK]'; must be in the vocabulary. */
  unkToken?: string;
  /** Prefix marking a piece that continues a word. Default '##'. */
  continuingSubwordPrefix?: string;
  /** Words with more characters (code points) than this become [UNK]. Default 100. */
  maxInputCharsPerWord?: number;
  /** Maximum number of words whose segmentation is cached. Default 65536; 0 disables the cache. */
  cacheSize?: number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Greedy longest-match-first WordPiece segmentation over a fixed vocabulary.
 *
 * @example
 * const vocab = new Vocabulary(['[UNK]', 'un', '##aff', '##able']);
 * new WordPieceModel(vocab).tokenizeWord('unaffable'); // [1, 2, 3]
 */
export class WordPieceModel {
  readonly vocab: Vocabulary;
  readonly unkToken: string;
  readonly unkId: number;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  readonly cacheSize: number;
  private readonly cache = new Map<string, readonly number[]>();
  private readonly unk: readonly number[];

  constructor(vocab: Vocabulary, options: WordPieceModelOptions = {}) {
    this.vocab = vocab;
    this.unkToken = options.unkToken ?? '[UNK]';
    const unkId = vocab.id(this.unkToken);
    if (unkId === undefined)
      throw new Error(`WordPieceModel: unknown token ${this.unkToken} is not in the vocabulary`);
    this.unkId = unkId;
    this.unk = Object.freeze([unkId]);
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    this.cacheSize = options.cacheSize ?? 65536;
  }

  /**
   * Piece ids of one normalised, pre-tokenised word. The returned array is shared with the cache: do not mutate.
   *
   * @example
   * model.tokenizeWord('playing'); // e.g. [ id('play'), id('##ing') ]
   */
  tokenizeWord(word: string): readonly number[] {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    const ids = this.segment(word);
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) {
        // FIFO eviction: Map iterates in insertion order, so the first key is the oldest entry.
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(word, ids);
    }
    return ids;
  }

  /** Number of words currently cached. */
  get cachedWords(): number {
    return this.cache.size;
  }

  /** Forgets every cached segmentation. */
  clearCache(): void {
    this.cache.clear();
  }

  private segment(word: string): readonly number[] {
    // Work on code points so that astral characters (emoji, rare CJK) are never cut in half.
    const chars: readonly string[] | string = SURROGATE.test(word) ? Array.from(word) : word;
    const n = chars.length;
    if (n > this.maxInputCharsPerWord) return this.unk;
    const sub = (a: number, b: number): string =>
      typeof chars === 'string' ? chars.slice(a, b) : chars.slice(a, b).join('');
    const ids: number[] = [];
    let start = 0;
    while (start < n) {
      let end = n;
      let found = -1;
      while (start < end) {
        const piece = start > 0 ? this.continuingSubwordPrefix + sub(start, end) : sub(start, end);
        const id = this.vocab.id(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) return this.unk;
      ids.push(found);
      start = end;
    }
    return Object.freeze(ids);
  }
}

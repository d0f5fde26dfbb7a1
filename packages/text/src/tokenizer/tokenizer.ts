// The BERT WordPiece tokenizer: normalisation + pre-tokenisation (./normalizer.ts), WordPiece segmentation
// (./wordpiece-model.ts), the [CLS] A [SEP] (B [SEP]) template, truncation, padding and attention masks,
// encoding a batch straight into flat Int32Arrays ready for tensors, and decoding back to text.
//
// Why ours and not `@huggingface/tokenizers` (tokenizers.js 0.2.0, 650 kB, pure JS, runs in Node 20 offline):
// it loads and encodes BERT tokenizer.json files correctly (our tests check parity against it), but it cannot
// train a vocabulary, builds per-call objects and `number[]` outputs with no batch API, and has no way to emit
// flat typed arrays. The BERT pipeline is ~300 lines; owning it gives the trainer and the batch path one
// definition of normalisation and a per-word cache, which is what makes 100k+ captions/s possible.

import { _IdBuffer, _truncatePair } from './_truncate.js';
import {
  _splitWords,
  type BertNormalizerOptions,
  type ResolvedBertNormalizer,
  resolveNormalizer,
} from './normalizer.js';
import {
  BERT_SPECIAL_TOKENS,
  resolveSpecialIds,
  type SpecialTokenIds,
  type SpecialTokens,
} from './special-tokens.js';
import { Vocabulary } from './vocab.js';
import { WordPieceModel, type WordPieceModelOptions } from './wordpiece-model.js';

/** Everything that configures a {@link WordPieceTokenizer} besides its vocabulary. */
export interface WordPieceTokenizerOptions extends Omit<WordPieceModelOptions, 'unkToken'> {
  /** BERT normalisation; defaults are uncased BERT (lowercase + strip accents). */
  normalizer?: BertNormalizerOptions;
  /** Special token strings; defaults to BERT's `[PAD] [UNK] [CLS] [SEP] [MASK]`. */
  specialTokens?: Partial<SpecialTokens>;
}

/** How to pad: to the longest sequence of the batch, or always to `maxLength`. `true` means 'max_length'. */
export type Padding = 'longest' | 'max_length' | boolean;

/** Options of {@link WordPieceTokenizer.encodeBatch}. */
export interface BatchEncodeOptions {
  /** Second segments, one per text (token type 1). */
  pairs?: readonly string[];
  /** Maximum sequence length including special tokens. */
  maxLength?: number;
  /** Default 'longest'. 'max_length' (or true) requires `maxLength`. */
  padding?: Padding;
  /** Cut sequences longer than `maxLength` (pairs: longest first). Default true; false throws instead. */
  truncation?: boolean;
  /** Add [CLS] / [SEP]. Default true. */
  addSpecialTokens?: boolean;
}

/** Options of {@link WordPieceTokenizer.encode}. */
export interface EncodeOptions extends Omit<BatchEncodeOptions, 'pairs'> {
  /** Second segment (token type 1). */
  pair?: string;
}

/** One encoded sequence. All arrays have the same length. */
export interface Encoding {
  inputIds: Int32Array;
  /** 1 for real tokens, 0 for padding. */
  attentionMask: Int32Array;
  /** 0 for the first segment (with its [CLS] and [SEP]), 1 for the second. */
  tokenTypeIds: Int32Array;
}

/** A batch of encoded sequences as flat row-major `[B, T]` arrays. */
export interface BatchEncoding extends Encoding {
  /** `[B, T]`. */
  shape: [number, number];
  /** Number of non-padding tokens of each row. */
  lengths: Int32Array;
}

/** Options of {@link WordPieceTokenizer.decode}. */
export interface DecodeOptions {
  /** Drop the special tokens. Default true. */
  skipSpecialTokens?: boolean;
  /** Undo the spaces WordPiece puts before punctuation and contractions ("dog 's ." -> "dog's."). Default true. */
  cleanUp?: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * BERT's WordPiece tokenizer.
 *
 * @example
 * const tok = WordPieceTokenizer.fromVocabTxt(vocabTxt);
 * const batch = tok.encodeBatch(['A dog runs.', 'Two cats'], { maxLength: 16 });
 * batch.shape; // [2, T]: T = longest sequence, at most 16
 * tok.decode(batch.inputIds.subarray(0, batch.shape[1])); // 'a dog runs.'
 */
export class WordPieceTokenizer {
  readonly vocab: Vocabulary;
  readonly model: WordPieceModel;
  readonly normalizer: ResolvedBertNormalizer;
  readonly specialTokens: Readonly<SpecialTokens>;
  readonly specialIds: Readonly<SpecialTokenIds>;
  private readonly specialRe: RegExp;
  private readonly specialSet: ReadonlySet<number>;
  private readonly words: string[] = [];
  private readonly bufA = new _IdBuffer();
  private readonly bufB = new _IdBuffer();

  constructor(vocab: Vocabulary | readonly string[], options: WordPieceTokenizerOptions = {}) {
    this.vocab = vocab instanceof Vocabulary ? vocab : new Vocabulary(vocab);
    this.specialTokens = Object.freeze({ ...BERT_SPECIAL_TOKENS, ...options.specialTokens });
    this.specialIds = Object.freeze(resolveSpecialIds(this.vocab, this.specialTokens));
    this.model = new WordPieceModel(this.vocab, { ...options, unkToken: this.specialTokens.unk });
    this.normalizer = resolveNormalizer(options.normalizer);
    const specials = Object.values(this.specialTokens).sort((a, b) => b.length - a.length);
    this.specialRe = new RegExp(`(${specials.map(escapeRegExp).join('|')})`);
    this.specialSet = new Set(Object.values(this.specialIds));
  }

  /**
   * Reads BERT's `vocab.txt`.
   *
   * @example
   * const tok = WordPieceTokenizer.fromVocabTxt(readFileSync('vocab.txt', 'utf8'), { normalizer: { lowercase: false } });
   */
  static fromVocabTxt(text: string, options: WordPieceTokenizerOptions = {}): WordPieceTokenizer {
    return new WordPieceTokenizer(Vocabulary.fromVocabTxt(text), options);
  }

  /** Vocabulary size (the number of rows of the word-embedding matrix). */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** The ids of all special tokens, sorted. */
  get allSpecialIds(): Int32Array {
    return Int32Array.from([...this.specialSet].sort((a, b) => a - b));
  }

  /** Id of `token`, or the [UNK] id. */
  tokenToId(token: string): number {
    return this.vocab.id(token) ?? this.specialIds.unk;
  }

  /** Token string of `id`; throws on ids outside the vocabulary. */
  idToToken(id: number): string {
    const t = this.vocab.token(id);
    if (t === undefined) throw new RangeError(`token id ${id} is outside 0..${this.vocab.size - 1}`);
    return t;
  }

  /**
   * Piece strings of `text` without special tokens.
   *
   * @example
   * tok.tokenize('Unaffable!'); // ['un', '##aff', '##able', '!']
   */
  tokenize(text: string): string[] {
    const buf = new _IdBuffer();
    this.appendIds(text, buf);
    return Array.from(buf.data.subarray(0, buf.length), (id) => this.idToToken(id));
  }

  /**
   * Encodes one text (or pair). Without `padding: 'max_length'` the result has exactly the tokens needed.
   *
   * @example
   * tok.encode('a dog', { maxLength: 6, padding: 'max_length' }).inputIds; // [CLS] a dog [SEP] [PAD] [PAD]
   */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const { pair, ...rest } = options;
    const b = this.encodeBatch([text], pair === undefined ? rest : { ...rest, pairs: [pair] });
    return { inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds };
  }

  /**
   * Encodes a batch into flat `[B, T]` Int32Arrays: [CLS] A [SEP] (B [SEP]), truncated to `maxLength`,
   * padded with [PAD] to the longest row (or to `maxLength`).
   *
   * @example
   * const { inputIds, attentionMask, shape } = tok.encodeBatch(captions, { maxLength: 32 });
   */
  encodeBatch(texts: readonly string[], options: BatchEncodeOptions = {}): BatchEncoding {
    const { pairs, maxLength } = options;
    const addSpecial = options.addSpecialTokens ?? true;
    const truncation = options.truncation ?? true;
    const padMax = options.padding === 'max_length' || options.padding === true;
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new Error(`encodeBatch: ${texts.length} texts but ${pairs.length} pairs`);
    }
    if (padMax && maxLength === undefined)
      throw new Error("encodeBatch: padding 'max_length' needs maxLength");
    const nSpecial = addSpecial ? (pairs ? 3 : 2) : 0;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < nSpecial + 1)) {
      throw new RangeError(`encodeBatch: maxLength ${maxLength} must be an integer >= ${nSpecial + 1}`);
    }
    const B = texts.length;
    const a = this.bufA;
    const bb = this.bufB;
    a.clear();
    bb.clear();
    const offA = new Int32Array(B + 1);
    const offB = new Int32Array(B + 1);
    const keep = new Int32Array(2 * B);
    let longest = 0;
    for (let i = 0; i < B; i++) {
      this.appendIds(texts[i] as string, a);
      offA[i + 1] = a.length;
      if (pairs) this.appendIds(pairs[i] as string, bb);
      offB[i + 1] = bb.length;
      let nA = a.length - (offA[i] as number);
      let nB = bb.length - (offB[i] as number);
      if (maxLength !== undefined && nA + nB + nSpecial > maxLength) {
        if (!truncation) {
          throw new RangeError(
            `encodeBatch: text ${i} has ${nA + nB + nSpecial} tokens > maxLength ${maxLength}`,
          );
        }
        [nA, nB] = _truncatePair(nA, nB, maxLength - nSpecial);
      }
      keep[2 * i] = nA;
      keep[2 * i + 1] = nB;
      longest = Math.max(longest, nA + nB + nSpecial);
    }
    const T = padMax ? (maxLength as number) : longest;
    const inputIds = new Int32Array(B * T).fill(this.specialIds.pad);
    const attentionMask = new Int32Array(B * T);
    const tokenTypeIds = new Int32Array(B * T);
    const lengths = new Int32Array(B);
    const { cls, sep } = this.specialIds;
    for (let i = 0; i < B; i++) {
      const row = i * T;
      let p = row;
      if (addSpecial) inputIds[p++] = cls;
      const nA = keep[2 * i] as number;
      inputIds.set(a.data.subarray(offA[i] as number, (offA[i] as number) + nA), p);
      p += nA;
      if (addSpecial) inputIds[p++] = sep;
      if (pairs) {
        const startB = p;
        const nB = keep[2 * i + 1] as number;
        inputIds.set(bb.data.subarray(offB[i] as number, (offB[i] as number) + nB), p);
        p += nB;
        if (addSpecial) inputIds[p++] = sep;
        tokenTypeIds.fill(1, startB, p);
      }
      attentionMask.fill(1, row, p);
      lengths[i] = p - row;
    }
    return { inputIds, attentionMask, tokenTypeIds, shape: [B, T], lengths };
  }

  /**
   * Turns ids back into text: pieces joined with spaces, '##' continuations glued to their word.
   *
   * @example
   * tok.decode([cls, un, aff, able, sep]); // 'unaffable'
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    const prefix = this.model.continuingSubwordPrefix;
    let out = '';
    let first = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (skip && this.specialSet.has(id)) continue;
      const t = this.idToToken(id);
      if (!first && t.startsWith(prefix)) out += t.slice(prefix.length);
      else out += first ? t : ` ${t}`;
      first = false;
    }
    if (!(options.cleanUp ?? true)) return out;
    return out
      .replaceAll(' .', '.')
      .replaceAll(' ?', '?')
      .replaceAll(' !', '!')
      .replaceAll(' ,', ',')
      .replaceAll(" ' ", "'")
      .replaceAll(" n't", "n't")
      .replaceAll(" 'm", "'m")
      .replaceAll(" 's", "'s")
      .replaceAll(" 've", "'ve")
      .replaceAll(" 're", "'re");
  }

  /** Appends the piece ids of `text` (special-token strings in it kept whole) to `out`. */
  private appendIds(text: string, out: _IdBuffer): void {
    if (this.specialRe.test(text)) {
      // Special tokens written in the text ("a [MASK] dog") are matched before normalisation, as HF does.
      const parts = text.split(this.specialRe);
      for (let j = 0; j < parts.length; j++) {
        const part = parts[j] as string;
        if (j % 2 === 1) out.push(this.vocab.id(part) as number);
        else if (part) this.appendPlain(part, out);
      }
      return;
    }
    this.appendPlain(text, out);
  }

  private appendPlain(text: string, out: _IdBuffer): void {
    const words = this.words;
    words.length = 0;
    _splitWords(text, this.normalizer, words);
    for (let k = 0; k < words.length; k++) out.pushAll(this.model.tokenizeWord(words[k] as string));
  }
}

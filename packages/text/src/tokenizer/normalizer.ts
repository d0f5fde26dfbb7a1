// BERT text normalisation and pre-tokenisation, matching the Hugging Face `BertNormalizer` +
// `BertPreTokenizer` pair (and Google's `BasicTokenizer`): clean text (drop control characters, map whitespace
// to ' '), put spaces around CJK ideographs, NFD + strip accents, lowercase, then split on whitespace and
// isolate every punctuation character. Plain-ASCII text (almost every English caption) takes a fast path that
// does the same in one scan without building intermediate strings.
import {
  _ASCII_CLASS,
  _ASCII_PUNCT,
  _ASCII_WS,
  _isCjk,
  _isPunctuation,
  _isRemovedByClean,
  _isWhitespace,
  _stripAccents,
} from './_chars.js';

/** Options of BERT normalisation, named as in Hugging Face's `BertNormalizer` (camel-cased). */
export interface BertNormalizerOptions {
  /** Remove control characters, NUL and U+FFFD; turn every whitespace character into ' '. Default true. */
  cleanText?: boolean;
  /** Surround each CJK ideograph with spaces so it becomes a word of its own. Default true. */
  handleChineseChars?: boolean;
  /** Unicode NFD then drop non-spacing marks ('é' -> 'e'). Default (undefined / null): same as `lowercase`. */
  stripAccents?: boolean | null;
  /** Lowercase the text (uncased models). Default true. */
  lowercase?: boolean;
}

/** {@link BertNormalizerOptions} with every default filled in. */
export interface ResolvedBertNormalizer {
  cleanText: boolean;
  handleChineseChars: boolean;
  stripAccents: boolean;
  lowercase: boolean;
}

/**
 * Fills in the defaults of BERT normalisation (uncased BERT: everything on).
 *
 * @example
 * resolveNormalizer({ lowercase: false }); // { cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false }
 */
export function resolveNormalizer(options: BertNormalizerOptions = {}): ResolvedBertNormalizer {
  const lowercase = options.lowercase ?? true;
  return {
    cleanText: options.cleanText ?? true,
    handleChineseChars: options.handleChineseChars ?? true,
    stripAccents: options.stripAccents ?? lowercase,
    lowercase,
  };
}

/**
 * Applies BERT normalisation to a string (no splitting).
 *
 * @example
 * normalizeBert('Héllo\u0000 Wörld 你好'); // 'hello world  你  好 '
 */
export function normalizeBert(text: string, options: BertNormalizerOptions = {}): string {
  const o = resolveNormalizer(options);
  let out = text;
  if (o.cleanText || o.handleChineseChars) {
    let s = '';
    for (const ch of out) {
      const cp = ch.codePointAt(0) ?? 0;
      if (o.cleanText) {
        if (_isRemovedByClean(cp)) continue;
        if (_isWhitespace(cp)) {
          s += ' ';
          continue;
        }
      }
      s += o.handleChineseChars && _isCjk(cp) ? ` ${ch} ` : ch;
    }
    out = s;
  }
  if (o.stripAccents) out = _stripAccents(out);
  if (o.lowercase) out = out.toLowerCase();
  return out;
}

/**
 * Splits normalised text into words: on whitespace, and around every punctuation character (each becomes a
 * word of its own), like Hugging Face's `BertPreTokenizer`.
 *
 * @example
 * preTokenizeBert("a dog's ball..."); // ['a', 'dog', "'", 's', 'ball', '.', '.', '.']
 */
export function preTokenizeBert(normalized: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const ch of normalized) {
    const cp = ch.codePointAt(0) ?? 0;
    if (_isWhitespace(cp)) {
      if (word) words.push(word);
      word = '';
    } else if (_isPunctuation(cp)) {
      if (word) words.push(word);
      words.push(ch);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word) words.push(word);
  return words;
}

/**
 * Normalises and pre-tokenises `text`, appending the words to `out`. Equivalent to
 * `preTokenizeBert(normalizeBert(text, o))`, with a single-scan fast path for printable ASCII.
 */
export function _splitWords(text: string, o: ResolvedBertNormalizer, out: string[]): void {
  const n = text.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Printable ASCII plus \t \n \r; anything else (accents, CJK, control characters) takes the general path.
    if (c > 126 || (c < 32 && c !== 9 && c !== 10 && c !== 13)) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    const words = preTokenizeBert(normalizeBert(text, o));
    for (const w of words) out.push(w);
    return;
  }
  const s = o.lowercase ? text.toLowerCase() : text;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const k = _ASCII_CLASS[s.charCodeAt(i)] ?? 0;
    if (k & (_ASCII_WS | _ASCII_PUNCT)) {
      if (start >= 0) out.push(s.slice(start, i));
      if (k & _ASCII_PUNCT) out.push(s[i] as string);
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(s.slice(start));
}

// Character classes used by BERT's text normalisation and pre-tokenisation, defined as in Google's
// `tokenization.py` and the Hugging Face `BertNormalizer` / `BertPreTokenizer` (Rust): whitespace, control,
// punctuation and CJK ideographs. ASCII answers come from a lookup table; the rest from Unicode regexes.

/** ASCII class bits: 1 whitespace, 2 control (removed by clean-text), 4 punctuation, 8 upper-case letter. */
export const _ASCII_WS = 1;
export const _ASCII_CTRL = 2;
export const _ASCII_PUNCT = 4;
export const _ASCII_UPPER = 8;

/** Per-code class bits for the 128 ASCII code points. */
export const _ASCII_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 32; c++) table[c] = _ASCII_CTRL;
  table[127] = _ASCII_CTRL;
  for (const c of [9, 10, 13, 32]) table[c] = _ASCII_WS;
  // BERT treats every non-letter/digit printable ASCII symbol as punctuation (e.g. '$', '^', '`'),
  // even where Unicode files it under S*.
  for (let c = 33; c <= 47; c++) table[c] = _ASCII_PUNCT;
  for (let c = 58; c <= 64; c++) table[c] = _ASCII_PUNCT;
  for (let c = 91; c <= 96; c++) table[c] = _ASCII_PUNCT;
  for (let c = 123; c <= 126; c++) table[c] = _ASCII_PUNCT;
  for (let c = 65; c <= 90; c++) table[c] = _ASCII_UPPER;
  return table;
})();

// JS \s for non-ASCII: the Zs separators plus U+2028/U+2029 (and U+FEFF, which clean-text drops first),
// close to Rust's `char::is_whitespace` that Hugging Face uses.
const WS = /^\s$/u;
// BERT's `_is_control`: any category starting with C (Cc, Cf, Cn, Co, Cs), except tab / newline / CR.
const OTHER = /^\p{C}$/u;
const PUNCT = /^\p{P}$/u;
const MARK_NONSPACING = /\p{Mn}/gu;

/** True for ' ', '\t', '\n', '\r' and Unicode white space (Zs, line/paragraph separators). */
export function _isWhitespace(cp: number): boolean {
  if (cp < 128) return ((_ASCII_CLASS[cp] ?? 0) & _ASCII_WS) !== 0;
  return WS.test(String.fromCodePoint(cp));
}

/** True for characters clean-text removes: NUL, U+FFFD and Unicode "other" (C*) except \t \n \r. */
export function _isRemovedByClean(cp: number): boolean {
  if (cp === 0 || cp === 0xfffd) return true;
  if (cp < 128) return ((_ASCII_CLASS[cp] ?? 0) & _ASCII_CTRL) !== 0;
  return OTHER.test(String.fromCodePoint(cp));
}

/** True for ASCII symbols and Unicode punctuation (P*). */
export function _isPunctuation(cp: number): boolean {
  if (cp < 128) return ((_ASCII_CLASS[cp] ?? 0) & _ASCII_PUNCT) !== 0;
  return PUNCT.test(String.fromCodePoint(cp));
}

/**
 * True for the CJK Unified Ideograph blocks BERT splits into single-character words. Hangul, Hiragana and
 * Katakana are deliberately absent (they are written with spaces or handled by WordPiece as-is), as in BERT.
 */
export function _isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Unicode NFD then removal of non-spacing marks (Mn): 'café' -> 'cafe'. */
export function _stripAccents(text: string): string {
  return text.normalize('NFD').replace(MARK_NONSPACING, '');
}

// BERT's special tokens and their resolution to ids in a vocabulary.
import type { Vocabulary } from './vocab.js';

/** The strings of BERT's five special tokens. */
export interface SpecialTokens {
  /** Padding, ignored by attention. */
  pad: string;
  /** Unknown word. */
  unk: string;
  /** Classification token, first of every sequence. */
  cls: string;
  /** Separator, closes every segment. */
  sep: string;
  /** Masked position for masked language modelling. */
  mask: string;
}

/** The ids of BERT's five special tokens in one vocabulary. */
export interface SpecialTokenIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

/**
 * BERT's special token strings.
 *
 * @example
 * BERT_SPECIAL_TOKENS.mask; // '[MASK]'
 */
export const BERT_SPECIAL_TOKENS: Readonly<SpecialTokens> = Object.freeze({
  pad: '[PAD]',
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  mask: '[MASK]',
});

/**
 * Looks up every special token in `vocab`, throwing with the names of the missing ones.
 *
 * @example
 * resolveSpecialIds(vocab, BERT_SPECIAL_TOKENS); // { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 }
 */
export function resolveSpecialIds(vocab: Vocabulary, tokens: SpecialTokens): SpecialTokenIds {
  const missing: string[] = [];
  const get = (t: string): number => {
    const id = vocab.id(t);
    if (id === undefined) missing.push(t);
    return id ?? -1;
  };
  const ids = {
    pad: get(tokens.pad),
    unk: get(tokens.unk),
    cls: get(tokens.cls),
    sep: get(tokens.sep),
    mask: get(tokens.mask),
  };
  if (missing.length > 0)
    throw new Error(`special tokens missing from the vocabulary: ${missing.join(', ')}`);
  return ids;
}

// Barrel for src/tokenizer: BERT WordPiece tokenizer, its vocabulary, HF tokenizer.json I/O and the trainer.

export type { BertNormalizerOptions, ResolvedBertNormalizer } from './normalizer.js';
export { normalizeBert, preTokenizeBert, resolveNormalizer } from './normalizer.js';
export type { SpecialTokenIds, SpecialTokens } from './special-tokens.js';
export { BERT_SPECIAL_TOKENS, resolveSpecialIds } from './special-tokens.js';
export type { EncodingTensors } from './tensors.js';
export { encodingToTensors } from './tensors.js';
export type {
  BatchEncodeOptions,
  BatchEncoding,
  DecodeOptions,
  EncodeOptions,
  Encoding,
  Padding,
  WordPieceTokenizerOptions,
} from './tokenizer.js';
export { WordPieceTokenizer } from './tokenizer.js';
export type { TokenizerJson } from './tokenizer-json.js';
export { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
export type { TrainedWordPiece, TrainWordPieceOptions } from './trainer.js';
export { trainWordPiece } from './trainer.js';
export { Vocabulary } from './vocab.js';
export type { WordPieceModelOptions } from './wordpiece-model.js';
export { WordPieceModel } from './wordpiece-model.js';

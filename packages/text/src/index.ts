// @vlp/text: WordPiece tokenizer, vocabulary trainer, MLM masking and a BERT-style text encoder.
export const VERSION = '0.1.0';

// BERT-style encoder, tied MLM head, config registry.
export type { TextEncoderConfig, TextEncoderInputs, TextFeatures } from './encoder/index.js';
export {
  BertEncoder,
  createTextEncoder,
  gatherMaskedPositions,
  getTextEncoderConfig,
  listTextEncoders,
  MlmHead,
  parseTextEncoderConfig,
  registerTextEncoderConfig,
  TextEmbeddings,
  TextEncoderConfigSchema,
} from './encoder/index.js';

// Masked language modelling inputs.
export type { MaskedTokens, MaskingRng, MaskTokensOptions } from './mlm.js';
export { IGNORE_INDEX, maskTokens } from './mlm.js';
// Tokenizer: BERT normalisation, WordPiece, batch encoding, tokenizer.json / vocab.txt, training.
export type {
  BatchEncodeOptions,
  BatchEncoding,
  BertNormalizerOptions,
  DecodeOptions,
  EncodeOptions,
  Encoding,
  EncodingTensors,
  Padding,
  ResolvedBertNormalizer,
  SpecialTokenIds,
  SpecialTokens,
  TokenizerJson,
  TrainedWordPiece,
  TrainWordPieceOptions,
  WordPieceModelOptions,
  WordPieceTokenizerOptions,
} from './tokenizer/index.js';
export {
  BERT_SPECIAL_TOKENS,
  encodingToTensors,
  normalizeBert,
  preTokenizeBert,
  resolveNormalizer,
  resolveSpecialIds,
  tokenizerFromJson,
  tokenizerToJson,
  trainWordPiece,
  Vocabulary,
  WordPieceModel,
  WordPieceTokenizer,
} from './tokenizer/index.js';

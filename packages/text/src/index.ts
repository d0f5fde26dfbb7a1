// @vlp/text: WordPiece tokenizer, vocabulary trainer, MLM masking and a BERT-style text encoder.
export const VERSION = '0.1.0';
export * from './encoder/index.js';
export type { MaskedTokens, MaskingRng, MaskTokensOptions } from './mlm.js';
export { IGNORE_INDEX, maskTokens } from './mlm.js';
export * from './tokenizer/index.js';

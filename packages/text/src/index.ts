// @vlp/text: WordPiece tokenizer, vocabulary trainer, MLM masking and a BERT-style text encoder.
export const VERSION = '0.1.0';
export * from './tokenizer/index.js';

// @vlp/pretrain: pre-training objectives (ALBEF, SOHO, UNIMO-2, Pixel-BERT, CAVL), corpus ingestion and a
// resumable trainer.
export * from './corpus/index.js';
export * from './datasets/index.js';
export * from './objectives/index.js';
export * from './recipes/index.js';
export * from './trainer/index.js';

export const VERSION = '0.1.0';

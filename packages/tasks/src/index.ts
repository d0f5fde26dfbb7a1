// @vlp/tasks: Zero-shot classification, retrieval, adapters, fine-tuning and ONNX export.
export * from './adapters/index.js';
export * from './export/index.js';
export * from './finetune/index.js';
export * from './label/index.js';
export * from './retrieval/index.js';
export * from './zeroshot/index.js';

export const VERSION = '0.1.0';

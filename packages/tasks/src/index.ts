// @vlp/tasks: Zero-shot classification, retrieval, adapters, fine-tuning and ONNX export.
export const VERSION = '0.1.0';

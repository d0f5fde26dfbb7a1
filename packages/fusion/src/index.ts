// @vlp/fusion: Visual dictionary (SOHO), grounded dictionary (UNIMO-2) and fusion transformers (single-stream, cross-attention, grounded).
export const VERSION = '0.1.0';

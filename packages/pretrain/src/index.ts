// @vlp/pretrain: Pre-training objectives, recipes, corpus ingestion and a resumable trainer.
export const VERSION = '0.1.0';

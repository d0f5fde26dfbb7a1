// @vlp/cli: The `vlp` command: doctor, ingest, pretrain, eval, label, export, demo.
export const VERSION = '0.1.0';

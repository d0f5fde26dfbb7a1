// Barrel for src/checkpoint: each file here adds its own export line.
export {};

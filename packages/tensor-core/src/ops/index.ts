// Barrel for src/ops: each file here adds its own export line.
export {};

// Barrel for src/nn: each file here adds its own export line.
export {};

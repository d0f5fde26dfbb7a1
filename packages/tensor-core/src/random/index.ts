// Barrel for src/random: each file here adds its own export line.
export {};

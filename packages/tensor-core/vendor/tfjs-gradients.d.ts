// Types of the generated tfjs-gradients.js (see scripts/bundle-gradients.mjs): a module run for its side
// effect (registering tfjs-core's gradients), with no exports.
export {};

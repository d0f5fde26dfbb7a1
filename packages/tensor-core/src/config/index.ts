// Barrel for src/config: named, validated config registries.
export type { ConfigRegistryOptions } from './registry.js';
export { ConfigRegistry } from './registry.js';

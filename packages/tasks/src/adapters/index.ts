// Barrel for src/adapters: CAVL's Adapter I and Adapter II, attaching to frozen towers, freezing, counts.
export type { AdapterIOptions } from './adapter-i.js';
export { AdapterI, pooledPixels } from './adapter-i.js';
export type { AdapterIIOptions, AttachedAdapters } from './adapter-ii.js';
export { AdapterII, attachAdapterII } from './adapter-ii.js';
export type { ParameterCounts } from './freeze.js';
export { ADAPTER_PATTERN, freezeExcept, parameterCounts } from './freeze.js';

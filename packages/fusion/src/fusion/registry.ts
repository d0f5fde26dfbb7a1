// The fusion registry (open_clip's model_configs, timm's model registry): every JSON file in
// `packages/fusion/configs/` is a named config, and every config kind maps to a builder
// (single-stream: Pixel-BERT / SOHO, cross-attention: ALBEF, grounded: UNIMO-2). Both registries warn
// when a name is replaced. node:fs is reached through `process.getBuiltinModule`, so bundling for a
// browser pulls in no Node built-ins; there the presets are absent and `registerFusionConfig` adds them.
import { ConfigRegistry, defaultRng, type Rng } from '@vlp/tensor-core';
import { type FusionConfig, type FusionOverrides, parseFusionConfig } from './config.js';
import { CrossAttentionFusion } from './cross-attention.js';
import type { FusionModel } from './fusion.js';
import { GroundedFusion } from './grounded.js';
import { SingleStreamFusion } from './single-stream.js';

/**
 * Builds a fusion module of one kind from a validated config.
 * @example
 * ```ts
 * const build: FusionBuilder = (cfg, rng) => new CrossAttentionFusion(cfg as CrossAttentionConfig, rng);
 * ```
 */
export type FusionBuilder = (config: FusionConfig, rng: Rng) => FusionModel;

// src/fusion/registry.ts and dist/fusion/registry.js sit at the same depth below the package root.
const CONFIG_DIR = new URL('../../configs/', import.meta.url);

const _kinds = new Map<string, FusionBuilder>([
  [
    'single-stream',
    (c, rng) => new SingleStreamFusion(c as Extract<FusionConfig, { kind: 'single-stream' }>, rng),
  ],
  [
    'cross-attention',
    (c, rng) => new CrossAttentionFusion(c as Extract<FusionConfig, { kind: 'cross-attention' }>, rng),
  ],
  ['grounded', (c, rng) => new GroundedFusion(c as Extract<FusionConfig, { kind: 'grounded' }>, rng)],
]);

const _configs = new ConfigRegistry<FusionConfig>({
  what: 'fusion',
  parse: parseFusionConfig,
  dir: CONFIG_DIR,
});

/**
 * Names of all registered fusion configs, sorted.
 * @example
 * ```ts
 * listFusions(); // ['albef-base', 'albef-tiny', 'pixelbert-base', ..., 'unimo2-tiny']
 * ```
 */
export function listFusions(): string[] {
  return _configs.list();
}

/**
 * Registered fusion kinds, sorted.
 * @example
 * ```ts
 * listFusionKinds(); // ['cross-attention', 'grounded', 'single-stream']
 * ```
 */
export function listFusionKinds(): string[] {
  return [..._kinds.keys()].sort();
}

/**
 * The validated config registered under `name` (a copy).
 * @example
 * ```ts
 * getFusionConfig('albef-base').depth; // 6
 * ```
 */
export function getFusionConfig(name: string): FusionConfig {
  return _configs.get(name);
}

/**
 * Registers a config under its name (validated; warns when replacing one).
 * @example
 * ```ts
 * registerFusionConfig({ ...getFusionConfig('albef-tiny'), name: 'albef-micro', depth: 1 });
 * ```
 */
export function registerFusionConfig(config: FusionConfig): FusionConfig {
  if (!_kinds.has(config.kind)) throw new Error(`Unknown fusion kind "${config.kind}"`);
  return _configs.register(config.name, config);
}

/**
 * Registers (or replaces, with a warning) the builder of a fusion kind.
 * @example
 * ```ts
 * registerFusionKind('cross-attention', (cfg, rng) => new MyAlbefVariant(cfg, rng));
 * ```
 */
export function registerFusionKind(kind: string, builder: FusionBuilder): void {
  if (_kinds.has(kind)) console.warn(`registerFusionKind: replacing "${kind}"`);
  _kinds.set(kind, builder);
}

/**
 * Builds a fusion from a registered name or a config, with field overrides (validated after merging).
 * Weights come from `rng`, so one seed gives identical fusions on every backend.
 * @example
 * ```ts
 * const fusion = createFusion('unimo2-tiny', { depth: 1 }, new Rng(0));
 * const out = fusion.forward({ visual, text, textMask });
 * ```
 */
export function createFusion(
  nameOrConfig: string | FusionConfig,
  overrides: FusionOverrides = {},
  rng: Rng = defaultRng(),
): FusionModel {
  const cfg = _configs.resolve(nameOrConfig, overrides);
  const build = _kinds.get(cfg.kind);
  if (!build)
    throw new Error(`Unknown fusion kind "${cfg.kind}". Should be one of: ${listFusionKinds().join(', ')}`);
  return build(cfg, rng);
}

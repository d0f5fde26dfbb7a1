// The image-encoder registry: every JSON file in packages/vision/configs/ is a named config (the folder
// is the registry, open_clip style), plus any registered at run time. `createImageEncoder` builds the
// module for a name or config with overrides; the registry doubles as the test matrix.
import { readdirSync, readFileSync } from 'node:fs';
import { defaultRng, type Rng } from '@vlp/tensor-core';
import {
  type CnnConfig,
  type ImageEncoderConfig,
  type ImageEncoderConfigInput,
  type ImageEncoderOverrides,
  parseImageEncoderConfig,
  type VitConfig,
} from './config.js';
import type { ImageEncoder } from './encoder.js';
import { ResNetEncoder } from './resnet.js';
import { VisionTransformer } from './vit.js';

/** Same relative path from src/encoders/ and dist/encoders/. */
const CONFIG_DIR = new URL('../../configs/', import.meta.url);

let _registry: Map<string, ImageEncoderConfig> | undefined;

function _load(): Map<string, ImageEncoderConfig> {
  if (_registry) return _registry;
  const reg = new Map<string, ImageEncoderConfig>();
  for (const file of readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const url = new URL(file, CONFIG_DIR);
    const cfg = parseImageEncoderConfig(JSON.parse(readFileSync(url, 'utf8')), `configs/${file}`);
    if (`${cfg.name}.json` !== file)
      throw new Error(`configs/${file}: name "${cfg.name}" must match the file name`);
    reg.set(cfg.name, cfg);
  }
  _registry = reg;
  return reg;
}

/**
 * Names of all registered image encoders, sorted.
 *
 * @example
 * ```ts
 * listImageEncoders(); // ['resnet-base', 'resnet-small', 'resnet-tiny', 'vit-base', 'vit-small', 'vit-tiny']
 * ```
 */
export function listImageEncoders(): string[] {
  return [..._load().keys()].sort();
}

/**
 * The validated config registered under `name` (a copy: editing it changes nothing).
 *
 * @example
 * ```ts
 * getImageEncoderConfig('vit-base').dim; // 768
 * ```
 */
export function getImageEncoderConfig(name: string): ImageEncoderConfig {
  const cfg = _load().get(name);
  if (!cfg) {
    throw new Error(`Unknown image encoder "${name}". Should be one of: ${listImageEncoders().join(', ')}`);
  }
  return structuredClone(cfg);
}

/**
 * Registers a config under its name (validated; warns when replacing one).
 *
 * @example
 * ```ts
 * registerImageEncoderConfig({ kind: 'vit', name: 'vit-micro', imageSize: 16, patchSize: 4, dim: 16,
 *   depth: 1, heads: 2 });
 * createImageEncoder('vit-micro');
 * ```
 */
export function registerImageEncoderConfig(config: ImageEncoderConfigInput): ImageEncoderConfig {
  const cfg = parseImageEncoderConfig(config, `config "${config.name}"`);
  const reg = _load();
  if (reg.has(cfg.name)) console.warn(`registerImageEncoderConfig: replacing "${cfg.name}"`);
  reg.set(cfg.name, cfg);
  return structuredClone(cfg);
}

/**
 * Builds an image encoder from a registered name or a config, with field overrides (validated after
 * merging). Weights are initialised from `rng`, so a seed gives identical weights on every backend.
 *
 * @example
 * ```ts
 * const vit = createImageEncoder('vit-tiny', { depth: 4 }, new Rng(0));
 * const cnn = createImageEncoder('resnet-tiny', {}, new Rng(1)).eval();
 * ```
 */
export function createImageEncoder(
  nameOrConfig: string | ImageEncoderConfigInput,
  overrides: ImageEncoderOverrides = {},
  rng: Rng = defaultRng(),
): ImageEncoder {
  const base = typeof nameOrConfig === 'string' ? getImageEncoderConfig(nameOrConfig) : nameOrConfig;
  const label = typeof nameOrConfig === 'string' ? nameOrConfig : (nameOrConfig.name ?? 'config');
  const cfg = parseImageEncoderConfig({ ...base, ...overrides }, `image encoder "${label}"`);
  return cfg.kind === 'vit'
    ? new VisionTransformer(cfg as VitConfig, rng)
    : new ResNetEncoder(cfg as CnnConfig, rng);
}

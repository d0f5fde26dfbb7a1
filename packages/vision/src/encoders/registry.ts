// The image-encoder registry: every JSON file in packages/vision/configs/ is a named config (the folder
// is the registry, open_clip style), plus any registered at run time. `createImageEncoder` builds the
// module for a name or config with overrides; the registry doubles as the test matrix.
import { ConfigRegistry, defaultRng, type Rng } from '@vlp/tensor-core';
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

const _registry = new ConfigRegistry<ImageEncoderConfig>({
  what: 'image encoder',
  parse: parseImageEncoderConfig,
  dir: CONFIG_DIR,
});

/**
 * Names of all registered image encoders, sorted.
 *
 * @example
 * ```ts
 * listImageEncoders(); // ['resnet-base', 'resnet-small', 'resnet-tiny', 'vit-base', 'vit-small', 'vit-tiny']
 * ```
 */
export function listImageEncoders(): string[] {
  return _registry.list();
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
  return _registry.get(name);
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
  return _registry.register(config.name, config);
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
  const cfg = _registry.resolve(nameOrConfig, overrides);
  return cfg.kind === 'vit'
    ? new VisionTransformer(cfg as VitConfig, rng)
    : new ResNetEncoder(cfg as CnnConfig, rng);
}

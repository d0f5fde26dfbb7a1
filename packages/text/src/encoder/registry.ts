// The registry of text encoder presets: every JSON file in `packages/text/configs/` is one named config
// (open_clip's model_configs), read on first use; `registerTextEncoderConfig` adds presets at run time
// (e.g. in a browser, where there is no file system). `createTextEncoder(name | config, overrides, rng)`.
// In a browser bundle the JSON presets are absent (tensor-core's ConfigRegistry reads them only under Node).
import { ConfigRegistry, Rng } from '@vlp/tensor-core';
import { BertEncoder } from './bert-encoder.js';
import { parseTextEncoderConfig, type TextEncoderConfig } from './config.js';

// src/encoder/registry.ts and dist/encoder/registry.js sit at the same depth below the package root.
const CONFIG_DIR = new URL('../../configs/', import.meta.url);

const _registry = new ConfigRegistry<TextEncoderConfig>({
  what: 'text encoder',
  parse: parseTextEncoderConfig,
  dir: CONFIG_DIR,
});

/**
 * Names of the registered text encoder presets, sorted.
 *
 * @example
 * listTextEncoders(); // ['bert-base', 'bert-small', 'bert-tiny']
 */
export function listTextEncoders(): string[] {
  return _registry.list();
}

/**
 * The config of a preset (a copy), throwing with the known names when it does not exist.
 *
 * @example
 * getTextEncoderConfig('bert-base').depth; // 12
 */
export function getTextEncoderConfig(name: string): TextEncoderConfig {
  return _registry.get(name);
}

/**
 * Adds (or, with a warning, replaces) a named preset.
 *
 * @example
 * registerTextEncoderConfig('bert-mini', { ...getTextEncoderConfig('bert-small'), dim: 256, heads: 4, mlpDim: 1024 });
 */
export function registerTextEncoderConfig(name: string, config: TextEncoderConfig): void {
  _registry.register(name, config);
}

/**
 * Builds a {@link BertEncoder} from a preset name or a config, with overrides (e.g. the tokenizer's
 * `vocabSize`, or `depth` for ALBEF's text half). Weights come from `rng` (default `new Rng(0)`).
 *
 * @example
 * const enc = createTextEncoder('bert-base', { vocabSize: tok.vocabSize, depth: 6 }, new Rng(42));
 */
export function createTextEncoder(
  nameOrConfig: string | TextEncoderConfig,
  overrides: Partial<TextEncoderConfig> = {},
  rng: Rng = new Rng(0),
): BertEncoder {
  return new BertEncoder(_registry.resolve(nameOrConfig, overrides), rng);
}

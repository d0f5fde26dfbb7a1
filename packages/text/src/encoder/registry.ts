// The registry of text encoder presets: every JSON file in `packages/text/configs/` is one named config
// (open_clip's model_configs), read on first use; `registerTextEncoderConfig` adds presets at run time
// (e.g. in a browser, where there is no file system). `createTextEncoder(name | config, overrides, rng)`.
// node:fs is reached through `process.getBuiltinModule` (Node >= 20.16) rather than a static import, so
// bundling @vlp/text for a browser does not pull in Node built-ins; there the JSON presets are simply absent.
import { Rng } from '@vlp/tensor-core';
import { BertEncoder } from './bert-encoder.js';
import { parseTextEncoderConfig, type TextEncoderConfig } from './config.js';

// src/encoder/registry.ts and dist/encoder/registry.js sit at the same depth below the package root.
const CONFIG_DIR = new URL('../../configs/', import.meta.url);

let _registry: Map<string, TextEncoderConfig> | undefined;

function readPresets(): Map<string, TextEncoderConfig> {
  const found = new Map<string, TextEncoderConfig>();
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (fs === undefined || CONFIG_DIR.protocol !== 'file:') return found;
  const files = fs.readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json'));
  for (const file of files.sort()) {
    const json: unknown = JSON.parse(fs.readFileSync(new URL(file, CONFIG_DIR), 'utf8'));
    found.set(file.slice(0, -'.json'.length), parseTextEncoderConfig(json, `configs/${file}`));
  }
  return found;
}

function registry(): Map<string, TextEncoderConfig> {
  _registry ??= readPresets();
  return _registry;
}

/**
 * Names of the registered text encoder presets, sorted.
 *
 * @example
 * listTextEncoders(); // ['bert-base', 'bert-small', 'bert-tiny']
 */
export function listTextEncoders(): string[] {
  return [...registry().keys()].sort();
}

/**
 * The config of a preset (a copy), throwing with the known names when it does not exist.
 *
 * @example
 * getTextEncoderConfig('bert-base').depth; // 12
 */
export function getTextEncoderConfig(name: string): TextEncoderConfig {
  const config = registry().get(name);
  if (config === undefined) {
    throw new Error(`Unknown text encoder "${name}". Should be one of: ${listTextEncoders().join(', ')}`);
  }
  return { ...config };
}

/**
 * Adds (or, with a warning, replaces) a named preset.
 *
 * @example
 * registerTextEncoderConfig('bert-mini', { ...getTextEncoderConfig('bert-small'), dim: 256, heads: 4, mlpDim: 1024 });
 */
export function registerTextEncoderConfig(name: string, config: TextEncoderConfig): void {
  const checked = parseTextEncoderConfig(config, `text encoder "${name}"`);
  if (registry().has(name)) console.warn(`registerTextEncoderConfig: replacing the text encoder "${name}"`);
  registry().set(name, checked);
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
  const base = typeof nameOrConfig === 'string' ? getTextEncoderConfig(nameOrConfig) : nameOrConfig;
  const source = typeof nameOrConfig === 'string' ? `text encoder "${nameOrConfig}"` : 'text encoder config';
  return new BertEncoder(parseTextEncoderConfig({ ...base, ...overrides }, source), rng);
}

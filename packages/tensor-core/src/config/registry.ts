// ConfigRegistry: named, validated configs read from a package's `configs/*.json` folder (open_clip's
// model_configs: the folder is the registry) plus any registered at run time, warning on overwrite. Image
// encoders, text encoders, fusions and recipes all keep their presets in one of these.
// node:fs is reached through `process.getBuiltinModule` (Node >= 20.16) rather than a static import, so a
// browser bundle does not pull in Node built-ins; there the JSON presets are simply absent.

/** How a registry validates and names its configs. */
export interface ConfigRegistryOptions<T> {
  /** What the configs configure, for messages: 'image encoder', 'fusion'. */
  what: string;
  /** Validates an unknown value (a parsed JSON file or a user's object); `source` names it in errors. */
  parse: (value: unknown, source: string) => T;
  /** The folder of `<name>.json` presets (a file: URL), read on first use. */
  dir?: URL;
}

/**
 * A name -> config map, lazily filled from JSON presets. `get` returns copies, so callers cannot edit a preset.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const Schema = z.object({ dim: z.number().int().positive() });
 * const registry = new ConfigRegistry({ what: 'widget', parse: (v, src) => Schema.parse(v),
 *   dir: new URL('../configs/', import.meta.url) });
 * registry.register('widget-tiny', { dim: 8 });
 * registry.get('widget-tiny').dim; // 8
 * registry.resolve('widget-tiny', { dim: 16 }).dim; // 16, validated after merging
 * ```
 */
export class ConfigRegistry<T extends object> {
  private entries: Map<string, T> | undefined;

  constructor(private readonly options: ConfigRegistryOptions<T>) {}

  /** Registered names, sorted. */
  list(): string[] {
    return [...this.map().keys()].sort();
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.map().has(name);
  }

  /** A copy of the config registered under `name`; throws with the known names when there is none. */
  get(name: string): T {
    const config = this.map().get(name);
    if (config === undefined) {
      throw new Error(`Unknown ${this.options.what} "${name}". Should be one of: ${this.list().join(', ')}`);
    }
    return structuredClone(config);
  }

  /** Validates and registers `config` under `name`, warning when it replaces one. Returns a copy. */
  register(name: string, config: unknown): T {
    const checked = this.options.parse(config, `${this.options.what} "${name}"`);
    if (this.map().has(name)) console.warn(`${this.options.what} registry: replacing "${name}"`);
    this.map().set(name, checked);
    return structuredClone(checked);
  }

  /**
   * A registered name or a config object, with field overrides merged on top and the result validated.
   * Returns the config and a label for messages.
   */
  resolve(nameOrConfig: string | object, overrides: object = {}): T {
    const named = typeof nameOrConfig === 'string';
    const base = named ? this.get(nameOrConfig) : nameOrConfig;
    const label = named ? `${this.options.what} "${nameOrConfig}"` : `${this.options.what} config`;
    return this.options.parse({ ...base, ...overrides }, label);
  }

  private map(): Map<string, T> {
    this.entries ??= this.readPresets();
    return this.entries;
  }

  private readPresets(): Map<string, T> {
    const found = new Map<string, T>();
    const { dir } = this.options;
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    if (dir === undefined || fs === undefined || dir.protocol !== 'file:') return found;
    for (const file of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const source = `configs/${file}`;
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(new URL(file, dir), 'utf8'));
      } catch (error) {
        throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
      }
      const config = this.options.parse(json, source);
      const declared = (config as { name?: unknown }).name;
      const name = file.slice(0, -'.json'.length);
      if (declared !== undefined && declared !== name) {
        throw new Error(`${source}: name "${String(declared)}" must match the file name`);
      }
      found.set(name, config);
    }
    return found;
  }
}

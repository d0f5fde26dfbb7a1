// The emoji catalogue: emoji-datasource's emoji.json (Unicode name, short names, category, subcategory,
// which styles have an image, skin-tone variations) joined with emojibase-data's English labels and tags
// on the code point sequence (emoji-datasource `unified` = emojibase `hexcode`, compared without the
// FE0F variation selector, which the two packages place differently). One record per emoji, and one per
// skin-tone variation when asked. Captions are built here: several per picture, de-duplicated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _packageRoot } from '../_util.js';
import { EXCLUDED_CATEGORIES } from './names.js';

/**
 * The emoji-datasource art styles; each ships as its own npm package with 64 px PNGs.
 *
 * @example
 * ```ts
 * const styles: EmojiStyle[] = ['google', 'twitter', 'facebook'];
 * ```
 */
export type EmojiStyle = 'google' | 'twitter' | 'facebook' | 'apple';

/**
 * Every style emoji-datasource publishes.
 *
 * @example
 * ```ts
 * EMOJI_STYLES.includes('apple'); // true
 * ```
 */
export const EMOJI_STYLES: readonly EmojiStyle[] = ['google', 'twitter', 'facebook', 'apple'];

/**
 * One emoji (or one skin-tone variation) with its texts and, per style, the 64 px PNG if that style has one.
 *
 * @example
 * ```ts
 * const r: EmojiRecord = catalog.records[0];
 * r.captions; // ['grinning face', 'grinning', 'face, grin, grinning']
 * ```
 */
export interface EmojiRecord {
  /** Code points, upper-case hex joined by '-' (emoji-datasource's `unified`). */
  unified: string;
  /** The emojibase label ("waving hand"): the name used for retrieval and as the first caption. */
  name: string;
  /** Unicode character name as emoji-datasource spells it ("WAVING HAND SIGN"). */
  unicodeName: string;
  shortNames: string[];
  tags: string[];
  category: string;
  subcategory: string;
  /** The base emoji's `unified` for a skin-tone variation. */
  skinOf?: string;
  /** De-duplicated captions: label, Unicode name, short names as words, tags joined. */
  captions: string[];
  /** PNG file per style that has one (absolute path to the 64 px image). */
  images: Partial<Record<EmojiStyle, string>>;
  /** File name in every style's folder ("1f44b.png"). */
  file: string;
}

/**
 * Where the data packages live; each defaults to Node's resolution from @vlp/pretrain.
 *
 * @example
 * ```ts
 * const roots: EmojiPackageRoots = { 'emojibase-data': '/opt/data/emojibase-data' };
 * ```
 */
export type EmojiPackageRoots = Partial<Record<string, string>>;

interface _DatasourceEntry {
  name: string | null;
  unified: string;
  image: string;
  short_names: string[];
  category: string;
  subcategory: string;
  skin_variations?: Record<string, { unified: string; image: string } & Record<string, unknown>>;
  [key: string]: unknown;
}

interface _EmojibaseEntry {
  label: string;
  hexcode: string;
  tags?: string[];
  skins?: Array<{ label: string; hexcode: string; tags?: string[] }>;
}

/** The package name of a style. */
export const _stylePackage = (style: EmojiStyle) => `emoji-datasource-${style}`;

const _key = (hex: string) =>
  hex
    .toUpperCase()
    .split('-')
    .filter((c) => c !== 'FE0F')
    .join('-');

/** Captions of one picture: trimmed, non-empty, de-duplicated case-insensitively, in priority order. */
export function _captions(parts: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    const t = p.replace(/\s+/g, ' ').trim();
    const k = t.toLowerCase();
    if (t.length === 0 || seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

const _words = (shortName: string) => shortName.replace(/[_-]+/g, ' ');

/**
 * Reads and joins the packages. `styles` limits which styles' images are looked up.
 *
 * @example
 * ```ts
 * const { records, versions } = loadEmojiCatalog({ styles: ['google', 'apple'] });
 * records.filter((r) => r.images.apple).length; // 1,903 with emoji-datasource-apple 16.0.0
 * ```
 */
export function loadEmojiCatalog(
  options: {
    styles?: readonly EmojiStyle[];
    includeSkinTones?: boolean;
    packageRoots?: EmojiPackageRoots;
  } = {},
): { records: EmojiRecord[]; versions: Record<string, string> } {
  const styles = options.styles ?? EMOJI_STYLES;
  const roots = options.packageRoots ?? {};
  const versions: Record<string, string> = {};
  const pkg = (name: string) => {
    const p = _packageRoot(name, roots[name]);
    versions[name] = p.version;
    return p.root;
  };
  const base = pkg('emojibase-data');
  const emojibase = JSON.parse(readFileSync(join(base, 'en', 'data.json'), 'utf8')) as _EmojibaseEntry[];
  const byHex = new Map<string, { label: string; tags: string[] }>();
  for (const e of emojibase) {
    byHex.set(_key(e.hexcode), { label: e.label, tags: e.tags ?? [] });
    for (const s of e.skins ?? [])
      byHex.set(_key(s.hexcode), { label: s.label, tags: s.tags ?? e.tags ?? [] });
  }
  // Each style's own emoji.json says which images it has; metadata comes from the first one.
  const perStyle = styles.map((style) => {
    const root = pkg(_stylePackage(style));
    const entries = JSON.parse(readFileSync(join(root, 'emoji.json'), 'utf8')) as _DatasourceEntry[];
    const has = new Set<string>();
    for (const e of entries) {
      if (e[`has_img_${style}`] === true) has.add(e.unified);
      for (const v of Object.values(e.skin_variations ?? {}))
        if (v[`has_img_${style}`] === true) has.add(v.unified);
    }
    return { style, dir: join(root, 'img', style, '64'), entries, has };
  });
  const first = perStyle[0];
  if (first === undefined) throw new Error('loadEmojiCatalog: give at least one style');

  const records: EmojiRecord[] = [];
  const add = (e: _DatasourceEntry, unified: string, file: string, skinOf?: string) => {
    const eb = byHex.get(_key(unified));
    const unicodeName = (e.name ?? '').trim();
    const name = eb?.label ?? (unicodeName.toLowerCase() || unified);
    const tags = eb?.tags ?? [];
    const images: Partial<Record<EmojiStyle, string>> = {};
    for (const s of perStyle) {
      const p = join(s.dir, file);
      if (s.has.has(unified) && existsSync(p)) images[s.style] = p;
    }
    records.push({
      unified,
      name,
      unicodeName,
      shortNames: e.short_names,
      tags,
      category: e.category,
      subcategory: e.subcategory,
      ...(skinOf !== undefined ? { skinOf } : {}),
      captions: _captions([
        name,
        unicodeName.toLowerCase(),
        ...(skinOf === undefined ? e.short_names.map(_words) : []),
        tags.join(', '),
      ]),
      images,
      file,
    });
  };
  for (const e of first.entries) {
    if (EXCLUDED_CATEGORIES.includes(e.category)) continue;
    add(e, e.unified, e.image);
    if (options.includeSkinTones)
      for (const v of Object.values(e.skin_variations ?? {})) add(e, v.unified, v.image, e.unified);
  }
  return { records, versions };
}

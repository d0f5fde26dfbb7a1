import { describe, expect, it } from 'vitest';
import { listIcons, readWordnetGlosses, sampleIcons } from '../unaligned.js';
import { loadEmojiCatalog } from './catalog.js';
import { CATEGORY_PROMPTS, SUBCATEGORY_NAMES, subcategoryName } from './names.js';
import { _heldOutSplit, planEmojiCorpus } from './plan.js';

// The full corpus's index from the real packages (emoji-datasource-* 16.0.0, emojibase-data 17.0.0):
// metadata only, no image copied.
const plan = planEmojiCorpus();
const DEFAULT_HELD_OUT = [
  'award-medal',
  'cat-face',
  'face-unwell',
  'food-fruit',
  'food-vegetable',
  'math',
  'music',
  'person-fantasy',
  'place-other',
  'transport-sign',
];

describe('planEmojiCorpus (full index)', () => {
  it('counts pictures per style from the packages', () => {
    expect(plan.perStyle).toEqual({
      google: { pictures: 1906, noImage: 0 },
      twitter: { pictures: 1906, noImage: 0 },
      facebook: { pictures: 1855, noImage: 51 },
      apple: { pictures: 1903, noImage: 3 },
    });
    for (const s of plan.styles) expect(plan.perStyle[s]?.pictures).toBeGreaterThan(1500);
    expect(plan.pairs.length + plan.heldOut.length).toBe(1906 + 1906 + 1855);
    expect(plan.pairs.length).toBe(5241);
    expect(plan.heldOut.length).toBe(426);
    expect(plan.eval.length).toBe(1903);
    expect(plan.versions['emoji-datasource-google']).toBe('16.0.0');
    expect(plan.versions['emojibase-data']).toBe('17.0.0');
  });

  it('has the 9 picture categories, each with a curated prompt, and 98 named subcategories', () => {
    expect(plan.categories.map((c) => c.name).sort()).toEqual(Object.keys(CATEGORY_PROMPTS).sort());
    expect(plan.categories.find((c) => c.name === 'Smileys & Emotion')).toEqual({
      name: 'Smileys & Emotion',
      prompt: 'smiley face',
      emoji: 169,
    });
    expect(plan.categories.reduce((s, c) => s + c.emoji, 0)).toBe(1906);
    expect(plan.subcategories.length).toBe(98);
    for (const s of plan.subcategories) expect(SUBCATEGORY_NAMES[s.slug], s.slug).toBeDefined();
    expect(new Set(plan.subcategories.map((s) => s.name)).size).toBe(98);
    expect(subcategoryName('face-smiling')).toBe('smiling face');
    expect(subcategoryName('face-sparkly')).toBe('sparkly face');
    expect(subcategoryName('x & y')).toBe('x and y');
  });

  it('holds out a fixed seeded split of subcategories, disjoint from training', () => {
    expect(plan.split.heldOutSubcategories).toEqual(DEFAULT_HELD_OUT);
    expect(planEmojiCorpus().split.heldOutSubcategories).toEqual(DEFAULT_HELD_OUT);
    const other = planEmojiCorpus({ seed: 1 }).split.heldOutSubcategories;
    expect(other).toHaveLength(10);
    expect(other).not.toEqual(DEFAULT_HELD_OUT);
    const held = new Set(DEFAULT_HELD_OUT);
    expect(plan.pairs.filter((r) => held.has(r.subcategory) || r.heldOut)).toHaveLength(0);
    expect(plan.heldOut.every((r) => held.has(r.subcategory) && r.heldOut)).toBe(true);
    expect(plan.eval.filter((r) => r.heldOut).length).toBe(
      plan.subcategories.filter((s) => s.heldOut).reduce((n, s) => n + s.emoji, 0),
    );
    // At most ceil(10/9) = 2 per category, sizes within 5..40.
    const perCat = new Map<string, number>();
    for (const s of plan.subcategories.filter((x) => x.heldOut)) {
      perCat.set(s.category, (perCat.get(s.category) ?? 0) + 1);
      expect(s.emoji).toBeGreaterThanOrEqual(5);
      expect(s.emoji).toBeLessThanOrEqual(40);
    }
    expect(Math.max(...perCat.values())).toBe(2);
    const given = planEmojiCorpus({ heldOutSubcategories: ['heart'] });
    expect(given.heldOut.length).toBe(25 * 3);
    expect(() => planEmojiCorpus({ heldOutSubcategories: ['no-such'] })).toThrow(/unknown subcategory/);
  });

  it('never puts the eval style in training and rejects it as a training style', () => {
    expect(plan.pairs.some((r) => r.style === 'apple' || r.image.startsWith('images/apple/'))).toBe(false);
    expect(plan.heldOut.some((r) => r.style === 'apple')).toBe(false);
    expect(plan.eval.every((r) => r.style === 'apple' && r.image.startsWith('images/apple/'))).toBe(true);
    expect(() => planEmojiCorpus({ styles: ['google', 'apple'] })).toThrow(/must not be a training style/);
    expect(() => planEmojiCorpus({ evalStyle: 'nope' as 'apple' })).toThrow(/Should be one of/);
  });

  it('gives every picture several de-duplicated captions and every eval picture a unique name', () => {
    for (const r of [...plan.pairs, ...plan.eval]) {
      expect(r.caption.length).toBeGreaterThan(0);
      expect(r.caption.every((c) => c.trim() === c && c.length > 0)).toBe(true);
      expect(new Set(r.caption.map((c) => c.toLowerCase())).size).toBe(r.caption.length);
      expect(r.caption[0]).toBe(r.name);
    }
    const captions = plan.pairs.reduce((s, r) => s + r.caption.length, 0);
    expect(captions).toBe(14846);
    expect(captions / plan.pairs.length).toBeGreaterThan(2.5);
    expect(new Set(plan.eval.map((r) => r.name)).size).toBe(1903);
    const wave = plan.pairs.find((r) => r.unified === '1F44B' && r.style === 'google');
    expect(wave?.caption.slice(0, 3)).toEqual(['waving hand', 'waving hand sign', 'wave']);
    expect(wave?.caption[3]).toContain('hello');
  });

  it('skips skin-tone variants by default and adds them on request', () => {
    expect(plan.pairs.some((r) => r.unified.includes('-1F3FB'))).toBe(false);
    const { records } = loadEmojiCatalog({ styles: ['google'], includeSkinTones: true });
    const skins = records.filter((r) => r.skinOf !== undefined);
    expect(skins.length).toBeGreaterThan(1000);
    const light = records.find((r) => r.unified === '1F44B-1F3FB');
    expect(light?.name).toBe('waving hand: light skin tone');
    expect(light?.skinOf).toBe('1F44B');
  });

  it('draws the split only from eligible subcategories (pure function)', () => {
    const { records } = loadEmojiCatalog({ styles: ['google'] });
    expect(_heldOutSplit(records, 0, 0)).toEqual([]);
    expect(_heldOutSplit(records, 10, 0)).toEqual(DEFAULT_HELD_OUT);
    expect(_heldOutSplit(records, 200, 0).length).toBeLessThan(98);
  });
});

describe('unaligned sources', () => {
  it('reads every WordNet gloss and lists every icon', () => {
    const { glosses, version } = readWordnetGlosses();
    expect(version).toBe('3.1.14');
    expect(glosses.length).toBe(117_791);
    expect(glosses.every((g) => g.length > 0 && !g.includes('\n'))).toBe(true);
    const { icons, versions } = listIcons();
    expect(versions).toEqual({ '@tabler/icons': '3.52.0', '@mdi/svg': '7.4.47' });
    expect(icons.length).toBe(5491 + 1054 + 7447);
    expect(new Set(icons.map((i) => i.id)).size).toBe(icons.length);
    const a = sampleIcons(icons, 50, 3);
    expect(a).toEqual(sampleIcons(icons, 50, 3));
    expect(a.map((i) => i.id)).not.toEqual(sampleIcons(icons, 50, 4).map((i) => i.id));
  });
});

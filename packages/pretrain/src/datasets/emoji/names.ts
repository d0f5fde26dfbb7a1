// Curated, human-readable names for emoji-datasource's categories and subcategories, used as zero-shot
// class prompts ("a picture of a {name}"). Unicode's group names ("Smileys & Emotion") are catalogue
// headings, not things a caption would say, so each category gets the noun phrase a person would use for
// its members (the yardstick run's "smiley face", "person", "animal or plant"). Choices, where not obvious:
// - Activities holds sports, games, events and awards -> "sport or game" (the two largest subcategories);
// - Travel & Places holds vehicles, buildings, maps and weather -> "place or vehicle";
// - Symbols holds signs, arrows, keycaps, zodiac -> "symbol or sign";
// - Component (skin-tone swatches, hair pieces) is not a category of pictures and is excluded.
// Subcategory slugs ("face-smiling") become phrases ("smiling face"): the head noun goes last, "&" reads
// "and", and slugs that only make sense in context are rewritten ("alphanum" -> "letter or number").

/**
 * The 9 picture categories of emoji-datasource (Component excluded) and their prompt names.
 *
 * @example
 * ```ts
 * CATEGORY_PROMPTS['Smileys & Emotion']; // 'smiley face'
 * Object.keys(CATEGORY_PROMPTS).length;  // 9
 * ```
 */
export const CATEGORY_PROMPTS: Readonly<Record<string, string>> = {
  'Smileys & Emotion': 'smiley face',
  'People & Body': 'person',
  'Animals & Nature': 'animal or plant',
  'Food & Drink': 'food or drink',
  'Travel & Places': 'place or vehicle',
  Activities: 'sport or game',
  Objects: 'object',
  Symbols: 'symbol or sign',
  Flags: 'flag',
};

/** Categories that hold no pictures of their own (skin-tone swatches); never part of a corpus. */
export const EXCLUDED_CATEGORIES: readonly string[] = ['Component'];

/**
 * Readable names for every subcategory slug of emoji-datasource 16 (98 outside Component).
 *
 * @example
 * ```ts
 * SUBCATEGORY_NAMES['face-smiling']; // 'smiling face'
 * ```
 */
export const SUBCATEGORY_NAMES: Readonly<Record<string, string>> = {
  'face-smiling': 'smiling face',
  'face-affection': 'affectionate face',
  'face-tongue': 'face with tongue',
  'face-hand': 'face with hand',
  'face-neutral-skeptical': 'neutral or skeptical face',
  'face-sleepy': 'sleepy face',
  'face-unwell': 'unwell face',
  'face-hat': 'face with hat',
  'face-glasses': 'face with glasses',
  'face-concerned': 'concerned face',
  'face-negative': 'angry face',
  'face-costume': 'costume face',
  'cat-face': 'cat face',
  'monkey-face': 'monkey face',
  heart: 'heart',
  emotion: 'emotion symbol',
  'hand-fingers-open': 'open hand',
  'hand-fingers-partial': 'hand with some fingers raised',
  'hand-single-finger': 'hand pointing one finger',
  'hand-fingers-closed': 'closed hand',
  hands: 'pair of hands',
  'hand-prop': 'hand holding something',
  'body-parts': 'body part',
  person: 'person',
  'person-gesture': 'person gesturing',
  'person-role': 'person at work',
  'person-fantasy': 'fantasy character',
  'person-activity': 'person doing something',
  'person-sport': 'person playing sport',
  'person-resting': 'person resting',
  family: 'family or couple',
  'person-symbol': 'person symbol',
  'animal-mammal': 'mammal',
  'animal-bird': 'bird',
  'animal-amphibian': 'amphibian',
  'animal-reptile': 'reptile',
  'animal-marine': 'sea animal',
  'animal-bug': 'bug',
  'plant-flower': 'flower',
  'plant-other': 'plant',
  'food-fruit': 'fruit',
  'food-vegetable': 'vegetable',
  'food-prepared': 'prepared food',
  'food-asian': 'asian food',
  'food-sweet': 'sweet food',
  drink: 'drink',
  dishware: 'dishware',
  'place-map': 'map',
  'place-geographic': 'landscape',
  'place-building': 'building',
  'place-religious': 'place of worship',
  'place-other': 'other place',
  'transport-ground': 'land vehicle',
  'transport-water': 'boat',
  'transport-air': 'aircraft',
  'transport-sign': 'transport sign',
  hotel: 'hotel',
  time: 'clock or time',
  'sky & weather': 'sky and weather',
  event: 'celebration',
  'award-medal': 'award medal',
  sport: 'sport equipment',
  game: 'game',
  'arts & crafts': 'arts and crafts',
  clothing: 'clothing',
  sound: 'sound',
  music: 'music',
  'musical-instrument': 'musical instrument',
  phone: 'phone',
  computer: 'computer',
  'light & video': 'light and video',
  'book-paper': 'book or paper',
  money: 'money',
  currency: 'currency sign',
  mail: 'mail',
  writing: 'writing tool',
  office: 'office item',
  lock: 'lock',
  tool: 'tool',
  science: 'science item',
  medical: 'medical item',
  household: 'household item',
  'other-object': 'other object',
  warning: 'warning sign',
  arrow: 'arrow',
  religion: 'religious symbol',
  zodiac: 'zodiac sign',
  'av-symbol': 'audio and video symbol',
  gender: 'gender symbol',
  math: 'math symbol',
  punctuation: 'punctuation mark',
  'other-symbol': 'other symbol',
  keycap: 'keycap',
  alphanum: 'letter or number',
  geometric: 'geometric shape',
  flag: 'flag',
  'country-flag': 'country flag',
  'subdivision-flag': 'regional flag',
};

/**
 * The readable name of a subcategory slug: the curated one, or a mechanical fallback for slugs a future
 * emoji-datasource adds ("face-new" -> "new face", "x & y" -> "x and y").
 *
 * @example
 * ```ts
 * subcategoryName('face-smiling'); // 'smiling face'
 * subcategoryName('face-sparkly'); // 'sparkly face' (fallback)
 * ```
 */
export function subcategoryName(slug: string): string {
  const curated = SUBCATEGORY_NAMES[slug];
  if (curated !== undefined) return curated;
  const parts = slug.replace(/&/g, 'and').split('-');
  if (parts.length === 2) return `${parts[1]} ${parts[0]}`;
  return parts.join(' ');
}

// Barrel for src/datasets: the built-in emoji demo corpus (issue 8) and its unaligned text and images.

export type {
  EmojiBuildProgress,
  EmojiCorpusInfo,
  EmojiCorpusOptions,
  EmojiCorpusResult,
} from './emoji/build.js';
export { buildEmojiCorpus, emojiCorpusSources, emojiMiniCorpus } from './emoji/build.js';
export type { EmojiPackageRoots, EmojiRecord, EmojiStyle } from './emoji/catalog.js';
export { EMOJI_STYLES, loadEmojiCatalog } from './emoji/catalog.js';
export { CATEGORY_PROMPTS, EXCLUDED_CATEGORIES, SUBCATEGORY_NAMES, subcategoryName } from './emoji/names.js';
export type { EmojiPlan, EmojiPlanOptions, EmojiRow } from './emoji/plan.js';
export { planEmojiCorpus } from './emoji/plan.js';
export type { IconFile } from './unaligned.js';
export { listIcons, readWordnetGlosses, renderIcon, sampleIcons } from './unaligned.js';

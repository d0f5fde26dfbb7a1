// Prompt templates for zero-shot classification. CLIP (Radford et al. 2021, section 3.1.4) found that
// wrapping a class name in a sentence ("a photo of a {}.") and averaging the embeddings of several such
// sentences beats the bare name by several points; this default set adds the emoji/icon phrasings our
// corpus captions use.

/**
 * The default templates; `{}` is replaced by the class name.
 *
 * @example
 * ```ts
 * DEFAULT_TEMPLATES.map((t) => fillTemplate(t, 'cat')); // ['a photo of a cat.', 'an emoji of a cat.', ...]
 * ```
 */
export const DEFAULT_TEMPLATES: readonly string[] = [
  'a photo of a {}.',
  'an emoji of a {}.',
  'an icon of a {}.',
  'a picture of a {}.',
  'a drawing of a {}.',
  'a cartoon {}.',
  'a close-up photo of a {}.',
  '{}',
];

/**
 * Puts a class name into a template (every `{}`); a template without `{}` gets the name appended.
 *
 * @example
 * ```ts
 * fillTemplate('an icon of a {}.', 'red heart'); // 'an icon of a red heart.'
 * ```
 */
export function fillTemplate(template: string, label: string): string {
  return template.includes('{}') ? template.split('{}').join(label) : `${template} ${label}`;
}

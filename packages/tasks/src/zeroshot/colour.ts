// A fixed, training-free baseline embedder over the eleven basic colour terms of Berlin & Kay (1969): an
// image becomes its (background-free) colour histogram, a text the colour words it names. Cosine similarity
// is then "how much of the picture is that colour". It needs no weights, so tests and `vlp label --model
// colour` exercise the whole pipeline (real decoding, real ranking) deterministically; it is also an honest
// floor any trained model should beat on colour prompts.
import type { RgbImage } from '@vlp/vision';
import type { Embedder } from './embedder.js';

/**
 * The basic colour terms, in embedding order.
 *
 * @example
 * ```ts
 * COLOUR_TERMS.indexOf('blue'); // 6
 * ```
 */
export const COLOUR_TERMS = [
  'red',
  'orange',
  'yellow',
  'green',
  'brown',
  'pink',
  'blue',
  'purple',
  'black',
  'white',
  'grey',
] as const;

const _SYNONYMS: Record<string, string> = { gray: 'grey', violet: 'purple', magenta: 'pink', cyan: 'blue' };

/** Basic colour term index of one RGB pixel (HSV rules), or -1 for the near-white background. */
function _colourBin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  if (min >= 248) return -1; // background (emoji and icons are composited on white)
  if (v < 0.2) return 8; // black
  if (s < 0.18) return v > 0.85 ? 9 : 10; // white / grey
  let h = 0;
  if (max === r) h = ((g - b) / (max - min)) * 60;
  else if (max === g) h = (2 + (b - r) / (max - min)) * 60;
  else h = (4 + (r - g) / (max - min)) * 60;
  if (h < 0) h += 360;
  if (h < 15 || h >= 345) return s < 0.45 && v > 0.8 ? 5 : 0; // pale red reads as pink
  if (h < 42) return v < 0.62 ? 4 : 1; // dark orange is brown
  if (h < 70) return v < 0.5 ? 4 : 2;
  if (h < 165) return 3;
  if (h < 255) return 6;
  if (h < 290) return 7;
  return 5;
}

function _unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n === 0) return v.fill(1 / Math.sqrt(v.length));
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n;
  return v;
}

/**
 * Unit colour histogram of an image over {@link COLOUR_TERMS}, ignoring near-white background pixels.
 *
 * @example
 * ```ts
 * const h = colourHistogram(img); // h[0] large for a red heart
 * ```
 */
export function colourHistogram(image: RgbImage): Float32Array {
  const h = new Float32Array(COLOUR_TERMS.length);
  const d = image.data;
  for (let i = 0; i + 2 < d.length; i += 3) {
    const bin = _colourBin(d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0);
    if (bin >= 0) h[bin] = (h[bin] ?? 0) + 1;
  }
  return _unit(h);
}

/**
 * Unit vector of the colour words a text names (`"a red or orange car"` -> red + orange); a text naming
 * none is equidistant from every image.
 *
 * @example
 * ```ts
 * colourWords('an emoji of a Gray cat.'); // one-hot on 'grey'
 * ```
 */
export function colourWords(text: string): Float32Array {
  const v = new Float32Array(COLOUR_TERMS.length);
  for (const raw of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const w = _SYNONYMS[raw] ?? raw;
    const i = (COLOUR_TERMS as readonly string[]).indexOf(w);
    if (i >= 0) v[i] = 1;
  }
  return _unit(v);
}

/**
 * The colour-histogram baseline as an {@link Embedder} (id `'colour'`, 11 dimensions, 32 px padded images).
 *
 * @example
 * ```ts
 * const zs = await ZeroShotClassifier.create(colourEmbedder(), { labels: ['red', 'green', 'blue'] });
 * ```
 */
export function colourEmbedder(): Embedder {
  return {
    id: 'colour',
    dim: COLOUR_TERMS.length,
    imageLoad: { imageSize: 32, resize: 'pad' },
    embedImages: async (images) => images.map(colourHistogram),
    embedTexts: async (texts) => texts.map(colourWords),
  };
}

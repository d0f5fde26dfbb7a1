// Types shared by the image pipeline: the decoded RGB image every stage passes along, colours, and the
// resize modes. Kept apart so augmentations and encoders can use them without pulling in sharp.

/**
 * An 8-bit sRGB image, row-major HWC with exactly three channels (no alpha: transparency has already
 * been composited on a background). This is what decoding yields and what augmentations consume.
 *
 * @example
 * ```ts
 * const img: RgbImage = { data: new Uint8Array(2 * 2 * 3).fill(255), width: 2, height: 2 };
 * const red = img.data[(y * img.width + x) * 3]; // R of pixel (x, y)
 * ```
 */
export interface RgbImage {
  /** `height * width * 3` bytes, R G B per pixel, rows top to bottom. */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A colour as `[r, g, b]` bytes or any CSS colour string sharp understands (`'#ffffff'`, `'white'`).
 *
 * @example
 * ```ts
 * const grey: Rgb = [128, 128, 128];
 * ```
 */
export type Rgb = readonly [number, number, number];

/**
 * How a non-square image becomes a square `imageSize`:
 * - `'crop'`: scale the shorter side to `imageSize`, then take the centre square (CLIP, ALBEF eval).
 * - `'pad'`: scale the longer side to `imageSize` and letterbox with the background colour (keeps
 *   everything in view, at the cost of border pixels).
 * - `'stretch'`: scale each side independently (distorts; only for data already near-square).
 *
 * @example
 * ```ts
 * const mode: ResizeMode = 'pad';
 * ```
 */
export type ResizeMode = 'crop' | 'pad' | 'stretch';

/**
 * White: emoji, icons and logos are transparent and read best on white, as a browser shows them.
 *
 * @example
 * ```ts
 * await loadImage('emoji.png', { background: DEFAULT_BACKGROUND });
 * ```
 */
export const DEFAULT_BACKGROUND: Rgb = [255, 255, 255];

/**
 * 40 megapixels: above any camera photo we expect, far below what would exhaust memory when decoded.
 *
 * @example
 * ```ts
 * await loadImage('panorama.jpg', { maxPixels: 2 * DEFAULT_MAX_PIXELS });
 * ```
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/**
 * 64 MiB of encoded bytes per file.
 *
 * @example
 * ```ts
 * await loadImage('scan.tiff', { maxBytes: 4 * DEFAULT_MAX_BYTES });
 * ```
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

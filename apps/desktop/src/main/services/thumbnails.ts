// Small previews as data URLs (sharp): the renderer's CSP allows `img-src data:`, so previews need no file
// URLs and no extra route. Decoding is bounded (pixel limit) so a hostile file cannot exhaust memory.
import sharp from 'sharp';

/** Largest decoded image a preview will touch (same order as @vlp/vision's default). */
const MAX_PIXELS = 40_000_000;

/**
 * A PNG thumbnail of an image file as a `data:` URL, or null when the file cannot be decoded.
 *
 * @example
 * ```ts
 * const url = await thumbnailDataUrl('/photos/cat.jpg', 96); // 'data:image/png;base64,...'
 * ```
 */
export async function thumbnailDataUrl(file: string, size = 96): Promise<string | null> {
  try {
    const png = await sharp(file, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
      .rotate()
      .resize(size, size, { fit: 'inside' })
      .png()
      .toBuffer();
    return `data:image/png;base64,${png.toString('base64')}`;
  } catch {
    return null;
  }
}

// Which encoded formats the pipeline accepts, and two cheap byte-level checks sharp does not give us:
// recognising SVG text (so it is sanitised before librsvg ever sees it) and spotting a missing end marker
// (so a decoder failure on a cut-off file is reported as `truncated`, not a vague `corrupt`).

/**
 * Encoded formats the loader accepts by default. sharp names them this way in `metadata().format`.
 * (sharp can also read HEIF/AVIF; pass `formats` to widen the list.)
 *
 * @example
 * ```ts
 * const onlyPhotos: ImageFormat[] = ['jpeg', 'png', 'webp'];
 * await loadImages(paths, { imageSize: 224, formats: onlyPhotos });
 * ```
 */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'svg'] as const;

/**
 * One of {@link IMAGE_FORMATS}, or another format name sharp reports (e.g. `'heif'`).
 *
 * @example
 * ```ts
 * const withAvif: ImageFormat[] = [...IMAGE_FORMATS, 'heif'];
 * ```
 */
export type ImageFormat = (typeof IMAGE_FORMATS)[number] | 'heif';

function _startsWith(buf: Uint8Array, bytes: readonly number[]): boolean {
  if (buf.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[i] !== bytes[i]) return false;
  return true;
}

/** True for gzip data (an `.svgz` is gzip-compressed SVG, which librsvg would inflate and render). */
export function _isGzip(buf: Uint8Array): boolean {
  return _startsWith(buf, [0x1f, 0x8b]);
}

/**
 * True when the bytes look like SVG/XML text: optional BOM and whitespace, then `<`, and an `<svg`
 * element within the first 4 KiB. Raster formats all start with binary magic numbers, so this cannot
 * mistake a photo for markup.
 */
export function _looksLikeSvg(buf: Uint8Array): boolean {
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, 4096)).toString('utf8');
  const text = head.replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<') && /<svg[\s>/]/i.test(text);
}

/**
 * True when a JPEG or PNG visibly lacks its end marker (JPEG EOI `FFD9` near the end, PNG `IEND` chunk):
 * the file was cut off. Other formats (or complete files) give false; the decoder's own error decides.
 */
export function _missingEndMarker(buf: Uint8Array): boolean {
  if (_startsWith(buf, [0xff, 0xd8, 0xff])) {
    // EOI may be followed by padding or trailing metadata; look in the last 1 KiB.
    const from = Math.max(2, buf.length - 1024);
    for (let i = buf.length - 2; i >= from; i--) if (buf[i] === 0xff && buf[i + 1] === 0xd9) return false;
    return true;
  }
  if (_startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    const tail = Buffer.from(buf.buffer, buf.byteOffset, buf.length).subarray(-64);
    return tail.indexOf('IEND', 0, 'latin1') < 0;
  }
  return false;
}

// Decoding one image with sharp into an 8-bit sRGB RGB buffer, safely: bytes are checked before decoding
// (size, zero length, SVG sanitised offline, declared dimensions against a pixel limit), then one libvips
// pipeline applies EXIF orientation, composites transparency on a background, converts CMYK / 16-bit /
// grey / palette to sRGB, resizes (crop, pad or stretch, with shrink-on-load for JPEG) and emits raw RGB.
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import sharp, { type Metadata } from 'sharp';
import { _classifyReadError, _classifySharpError, ImageLoadError } from './errors.js';
import { _isGzip, _looksLikeSvg, _missingEndMarker, IMAGE_FORMATS, type ImageFormat } from './formats.js';
import { sanitizeSvg } from './svg.js';
import {
  DEFAULT_BACKGROUND,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  type ResizeMode,
  type Rgb,
  type RgbImage,
} from './types.js';

/**
 * A file path or the encoded bytes of an image (a `Buffer` is a `Uint8Array`).
 *
 * @example
 * ```ts
 * const a: ImageSource = 'data/cat.jpg';
 * const b: ImageSource = await fs.readFile('data/cat.jpg');
 * ```
 */
export type ImageSource = string | Uint8Array;

/**
 * Resampling kernels sharp offers; `cubic` matches the bicubic resize of CLIP / ALBEF preprocessing.
 *
 * @example
 * ```ts
 * await loadImage('a.png', { imageSize: 64, kernel: 'lanczos3' });
 * ```
 */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

/**
 * Options for {@link loadImage}; every field has a safe default.
 *
 * @example
 * ```ts
 * const opts: LoadImageOptions = { imageSize: 224, resize: 'crop', background: [0, 0, 0], maxPixels: 20e6 };
 * ```
 */
export interface LoadImageOptions {
  /** Output a square of this side. Omit to keep the aspect ratio (see `maxShortSide`). */
  imageSize?: number;
  /** How a non-square image becomes square (default `'crop'`: shorter side, then centre crop). */
  resize?: ResizeMode;
  /** Without `imageSize`: shrink (never enlarge) so the shorter side is at most this. Default: keep. */
  maxShortSide?: number;
  /** Resampling kernel (default `'cubic'`). */
  kernel?: ResizeKernel;
  /** Colour behind transparent pixels and in letterbox bars (default white). */
  background?: Rgb | string;
  /** Refuse images whose declared width x height exceeds this, before decoding (default 40 MP). */
  maxPixels?: number;
  /** Refuse files larger than this many bytes, before reading them (default 64 MiB). */
  maxBytes?: number;
  /** Accepted encoded formats (default {@link IMAGE_FORMATS}). */
  formats?: readonly ImageFormat[];
  /** sharp's `failOn`: how damaged pixel data may be before decoding aborts (default `'error'`). */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /** Abort a decode that runs longer than this (default 30 s; pathological SVGs). */
  timeoutSeconds?: number;
  /** Name used in errors for in-memory sources (default `'<buffer>'`). */
  label?: string;
}

const DEFAULTS = {
  resize: 'crop' as ResizeMode,
  kernel: 'cubic' as ResizeKernel,
  failOn: 'error' as const,
  timeoutSeconds: 30,
};

function _background(bg: Rgb | string | undefined): string | { r: number; g: number; b: number } {
  const c = bg ?? DEFAULT_BACKGROUND;
  return typeof c === 'string' ? c : { r: c[0], g: c[1], b: c[2] };
}

function _mp(n: number): string {
  return `${(n / 1e6).toFixed(1)} MP`;
}

async function _readBytes(source: ImageSource, label: string, maxBytes: number): Promise<Buffer> {
  if (typeof source !== 'string') {
    if (source.length > maxBytes) {
      throw new ImageLoadError(label, 'too-large', `${source.length} bytes exceeds limit of ${maxBytes}`);
    }
    return Buffer.from(source.buffer, source.byteOffset, source.length);
  }
  try {
    const st = await stat(source);
    if (st.isDirectory()) throw new ImageLoadError(label, 'read-error', 'is a directory');
    // A FIFO, socket or device would block the read forever (or never end): only regular files are read.
    if (!st.isFile())
      throw new ImageLoadError(label, 'read-error', 'not a regular file (FIFO, socket or device)');
    if (st.size > maxBytes) {
      throw new ImageLoadError(label, 'too-large', `${st.size} bytes exceeds limit of ${maxBytes}`);
    }
    return await readFile(source);
  } catch (e) {
    throw e instanceof ImageLoadError ? e : _classifyReadError(label, e);
  }
}

/** Inflates `.svgz` (bounded) and sanitises any SVG; returns the bytes sharp may see. */
function _prepareBytes(bytes: Buffer, label: string, maxBytes: number): { bytes: Buffer; svg: boolean } {
  let data = bytes;
  if (_isGzip(data)) {
    try {
      data = gunzipSync(data, { maxOutputLength: maxBytes });
    } catch (e) {
      const tooBig = /maxOutputLength|buffer size|Cannot create a Buffer/i.test(String(e));
      throw new ImageLoadError(label, tooBig ? 'too-large' : 'corrupt', `gzip: ${String(e)}`, { cause: e });
    }
    if (!_looksLikeSvg(data)) throw new ImageLoadError(label, 'unsupported-format', 'gzip data is not SVG');
  }
  if (!_looksLikeSvg(data)) return { bytes: data, svg: false };
  const result = sanitizeSvg(data.toString('utf8'));
  if (!result.ok) throw new ImageLoadError(label, 'unsafe-svg', result.reason);
  return { bytes: Buffer.from(result.svg, 'utf8'), svg: true };
}

/** The size the shorter side is headed for, if any (used to pick an SVG's render density). */
function _targetShortSide(options: LoadImageOptions): number | undefined {
  return options.imageSize ?? options.maxShortSide;
}

/**
 * Chooses the DPI to render an SVG at: its shorter side lands on the target size (vector art stays sharp
 * at any size), and the rendered area stays under the pixel limit. Without a target: 72 DPI, capped.
 */
function _svgDensity(w: number, h: number, target: number | undefined, maxPixels: number): number {
  const base = 72;
  let density = target !== undefined ? (base * target) / Math.max(1, Math.min(w, h)) : base;
  const cap = base * Math.sqrt(maxPixels / Math.max(1, w * h));
  density = Math.min(density, cap);
  return Math.min(100_000, Math.max(1, density));
}

/**
 * Decodes one image to 8-bit sRGB RGB, oriented, with transparency composited, optionally resized.
 * Throws {@link ImageLoadError} with a reason for every kind of unusable input; never anything else
 * for bad data.
 *
 * @example
 * ```ts
 * const img = await loadImage('photos/cat.jpg', { imageSize: 224 }); // centre crop, white behind alpha
 * img.width; // 224
 * const icon = await loadImage(svgBytes, { imageSize: 64, resize: 'pad', label: 'icon.svg' });
 * ```
 */
export async function loadImage(source: ImageSource, options: LoadImageOptions = {}): Promise<RgbImage> {
  const label = typeof source === 'string' ? source : (options.label ?? '<buffer>');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const formats: readonly string[] = options.formats ?? IMAGE_FORMATS;
  const failOn = options.failOn ?? DEFAULTS.failOn;

  const raw = await _readBytes(source, label, maxBytes);
  if (raw.length === 0) throw new ImageLoadError(label, 'empty-file', 'zero bytes');
  const { bytes, svg } = _prepareBytes(raw, label, maxBytes);

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn }).metadata();
  } catch (e) {
    throw _classifySharpError(label, e, _missingEndMarker(bytes));
  }
  if (!formats.includes(meta.format)) {
    throw new ImageLoadError(label, 'unsupported-format', `format '${meta.format}' is not in [${formats}]`);
  }
  if (meta.format === 'svg' && !svg) {
    throw new ImageLoadError(label, 'unsafe-svg', 'SVG not recognised by the sanitiser; refusing to render');
  }
  const w = meta.width;
  const h = meta.height;
  if (!(w > 0 && h > 0)) throw new ImageLoadError(label, 'corrupt', `invalid dimensions ${w}x${h}`);

  let density: number | undefined;
  if (svg) {
    density = _svgDensity(w, h, _targetShortSide(options), maxPixels);
    const rendered = (w * density * h * density) / (72 * 72);
    if (rendered > maxPixels * 1.01) {
      throw new ImageLoadError(
        label,
        'too-large',
        `SVG of ${w}x${h} exceeds ${_mp(maxPixels)} even at 1 DPI`,
      );
    }
  } else if (w * h > maxPixels) {
    throw new ImageLoadError(
      label,
      'too-large',
      `declared ${w}x${h} = ${_mp(w * h)} exceeds the limit of ${_mp(maxPixels)}`,
    );
  }

  const background = _background(options.background);
  let pipeline = sharp(bytes, {
    failOn,
    limitInputPixels: Math.ceil(maxPixels * 1.02),
    pages: 1,
    page: 0,
    ...(density !== undefined ? { density } : {}),
  })
    .timeout({ seconds: Math.max(1, Math.round(options.timeoutSeconds ?? DEFAULTS.timeoutSeconds)) })
    .autoOrient()
    .flatten({ background });
  const kernel = options.kernel ?? DEFAULTS.kernel;
  if (options.imageSize !== undefined) {
    const size = options.imageSize;
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`imageSize must be a positive integer`);
    const mode = options.resize ?? DEFAULTS.resize;
    const fit = mode === 'crop' ? 'cover' : mode === 'pad' ? 'contain' : 'fill';
    pipeline = pipeline.resize(size, size, { fit, position: 'centre', background, kernel });
  } else if (options.maxShortSide !== undefined) {
    const ow = meta.autoOrient?.width ?? w;
    const oh = meta.autoOrient?.height ?? h;
    const side = options.maxShortSide;
    pipeline =
      ow <= oh
        ? pipeline.resize({ width: side, withoutEnlargement: true, kernel })
        : pipeline.resize({ height: side, withoutEnlargement: true, kernel });
  }
  try {
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return {
      data: _toRgb(pixels, info.width, info.height, info.channels),
      width: info.width,
      height: info.height,
    };
  } catch (e) {
    throw _classifySharpError(label, e, _missingEndMarker(bytes));
  }
}

/** Guarantees 3 channels (libvips always gives 3 after `toColourspace('srgb')`; this is a safety net). */
function _toRgb(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  if (channels === 3) return data;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const src = i * channels;
    const grey = channels < 3;
    out[i * 3] = data[src] ?? 0;
    out[i * 3 + 1] = data[grey ? src : src + 1] ?? 0;
    out[i * 3 + 2] = data[grey ? src : src + 2] ?? 0;
  }
  return out;
}

// Test-only: real image files of every supported format and every kind of broken input, made with sharp
// into a temporary directory. Colours are chosen so each test can tell which pixels came from where.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export const RED = { r: 255, g: 0, b: 0 };
export const BLUE = { r: 0, g: 0, b: 255 };

/** A w x h RGB image whose left half is `left` and right half is `right`, as raw bytes. */
export function halves(
  w: number,
  h: number,
  left: { r: number; g: number; b: number },
  right: { r: number; g: number; b: number },
): Buffer {
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = x < w / 2 ? left : right;
      buf.set([c.r, c.g, c.b], (y * w + x) * 3);
    }
  }
  return buf;
}

function _crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function _pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(_crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid-looking PNG whose IHDR declares `w x h` RGB but carries only a tiny IDAT (a decompression bomb). */
export function pngDeclaring(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    _pngChunk('IHDR', ihdr),
    _pngChunk('IDAT', deflateSync(Buffer.alloc(w + 1))),
    _pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const NOISE = {
  create: {
    width: 96,
    height: 96,
    channels: 3 as const,
    background: { r: 0, g: 0, b: 0 },
    noise: { type: 'gaussian' as const, mean: 128, sigma: 40 },
  },
};

/** Every fixture file by name; paths under one fresh temp directory. */
export interface Fixtures {
  dir: string;
  files: Record<string, string>;
}

/** Writes all fixtures; `externalPort` is an HTTP server the SVG fixtures point at. */
export async function makeFixtures(externalPort: number): Promise<Fixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'vlp-vision-'));
  const files: Record<string, string> = {};
  const put = async (name: string, data: Buffer | string): Promise<void> => {
    const p = join(dir, name);
    await writeFile(p, data);
    files[name] = p;
  };
  const redBlue = { raw: { width: 40, height: 20, channels: 3 as const } };
  const rb = halves(40, 20, RED, BLUE);
  // Stored 40x20 with red on the left; orientation 6 means "rotate 90 degrees clockwise to display".
  await put(
    'oriented.jpg',
    await sharp(rb, redBlue).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
  );
  // Left half fully transparent, right half opaque blue, middle row band half-transparent red.
  const rgba = Buffer.alloc(16 * 16 * 4);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const o = (y * 16 + x) * 4;
      if (x >= 8) rgba.set([0, 0, 255, 255], o);
      else if (y >= 6 && y < 10) rgba.set([255, 0, 0, 128], o);
      else rgba.set([0, 255, 0, 0], o);
    }
  }
  const rgbaRaw = { raw: { width: 16, height: 16, channels: 4 as const } };
  await put('alpha.png', await sharp(rgba, rgbaRaw).png().toBuffer());
  await put('image.webp', await sharp(rb, redBlue).webp({ lossless: true }).toBuffer());
  const frame = (c: { r: number; g: number; b: number }) =>
    sharp({ create: { width: 12, height: 10, channels: 3, background: c } })
      .png()
      .toBuffer();
  const frames = await Promise.all([frame(RED), frame({ r: 0, g: 255, b: 0 })]);
  await put(
    'animated.gif',
    await sharp(frames, { join: { animated: true } })
      .gif({ delay: 100 })
      .toBuffer(),
  );
  await put('image.tiff', await sharp(rb, redBlue).tiff().toBuffer());
  // 16-bit: the raw value 0x8080 (32896) is 128 in 8 bits.
  const deep = new Uint16Array(8 * 8 * 3).fill(0x8080);
  await put(
    'deep16.png',
    await sharp(Buffer.from(deep.buffer), { raw: { width: 8, height: 8, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer(),
  );
  await put(
    'grey.png',
    await sharp({ create: { width: 10, height: 6, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace('b-w')
      .png()
      .toBuffer(),
  );
  await put('cmyk.jpg', await sharp(rb, redBlue).toColourspace('cmyk').jpeg().toBuffer());
  await put('palette.png', await sharp(rb, redBlue).png({ palette: true, colours: 4 }).toBuffer());
  await put(
    'shape.svg',
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="10" height="10" fill="#00ff00"/></svg>',
  );
  const redPng = await sharp({ create: { width: 10, height: 10, channels: 3, background: RED } })
    .png()
    .toBuffer();
  await put('secret.png', redPng);
  await put(
    'external.svg',
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
  <style>@import url(http://127.0.0.1:${externalPort}/style.css);</style>
  <script>fetch('http://127.0.0.1:${externalPort}/script')</script>
  <image href="http://127.0.0.1:${externalPort}/remote.png" width="10" height="10"/>
  <image xlink:href="file://${files['secret.png']}" width="10" height="10"/>
  <image href="${files['secret.png']}" width="10" height="10"/>
  <rect width="10" height="10" fill="url(http://127.0.0.1:${externalPort}/paint#p)" opacity="0.5"/>
</svg>`,
  );
  await put(
    'entity.svg',
    `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file://${files['secret.png']}">]>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>`,
  );
  // Broken inputs.
  await put('empty.jpg', Buffer.alloc(0));
  const noiseJpg = await sharp(NOISE).jpeg().toBuffer();
  await put('truncated.jpg', noiseJpg.subarray(0, Math.floor(noiseJpg.length * 0.6)));
  const noisePng = await sharp(NOISE).png().toBuffer();
  await put('truncated.png', noisePng.subarray(0, Math.floor(noisePng.length * 0.5)));
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  await put('random.jpg', random);
  await put('bomb.png', pngDeclaring(20000, 20000));
  // BMP: a real image format, but not one sharp (or we) decode.
  const bmp = Buffer.alloc(54 + 4 * 3);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(2, 18);
  bmp.writeInt32LE(2, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  await put('image.bmp', bmp);
  await put('notes.txt', 'just some text, not an image\n');
  files['missing.jpg'] = join(dir, 'missing.jpg');
  return { dir, files };
}

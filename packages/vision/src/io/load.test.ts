// Decoding tests on real files of every supported format (made by sharp in a temp dir) and on broken ones.

import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../_test-fixtures.js';
import { ImageLoadError, type ImageLoadReason } from './errors.js';
import { loadImage } from './load.js';
import type { RgbImage } from './types.js';

function px(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return Array.from(img.data.subarray(o, o + 3));
}

function near(actual: number[], expected: number[], tol: number): void {
  expect(actual).toHaveLength(3);
  actual.forEach((v, i) => {
    expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(tol);
  });
}

let fx: Fixtures;
let server: Server;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fx = await makeFixtures((server.address() as AddressInfo).port);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(fx.dir, { recursive: true, force: true });
});

const f = (name: string): string => {
  const p = fx.files[name];
  if (p === undefined) throw new Error(`no fixture ${name}`);
  return p;
};

describe('loadImage: supported formats', () => {
  it('applies EXIF orientation 6 (rotate 90 degrees clockwise): stored left edge becomes the top', async () => {
    const img = await loadImage(f('oriented.jpg'));
    expect([img.width, img.height]).toEqual([20, 40]);
    near(px(img, 10, 2), [255, 0, 0], 12);
    near(px(img, 10, 37), [0, 0, 255], 12);
    expect(img.data.length).toBe(20 * 40 * 3);
  });

  it('composites PNG transparency on white by default and on a chosen background', async () => {
    const white = await loadImage(f('alpha.png'));
    near(px(white, 2, 2), [255, 255, 255], 0); // fully transparent green -> background
    near(px(white, 12, 2), [0, 0, 255], 0); // opaque blue stays
    near(px(white, 2, 7), [255, 127, 127], 2); // 50% red over white
    const black = await loadImage(f('alpha.png'), { background: [0, 0, 0] });
    near(px(black, 2, 2), [0, 0, 0], 0);
    near(px(black, 2, 7), [128, 0, 0], 2);
  });

  it('decodes WebP, TIFF, palette PNG and the first frame of an animated GIF', async () => {
    for (const name of ['image.webp', 'image.tiff', 'palette.png']) {
      const img = await loadImage(f(name));
      expect([img.width, img.height]).toEqual([40, 20]);
      near(px(img, 5, 10), [255, 0, 0], 8);
      near(px(img, 35, 10), [0, 0, 255], 8);
    }
    const gif = await loadImage(f('animated.gif'));
    expect([gif.width, gif.height]).toEqual([12, 10]); // one frame, not the frames stacked
    near(px(gif, 6, 5), [255, 0, 0], 0);
  });

  it('converts 16-bit, grayscale and CMYK to 8-bit sRGB with three channels', async () => {
    const deep = await loadImage(f('deep16.png'));
    near(px(deep, 3, 3), [128, 128, 128], 1);
    const grey = await loadImage(f('grey.png'));
    expect(grey.data.length).toBe(10 * 6 * 3);
    near(px(grey, 4, 4), [90, 90, 90], 1);
    const cmyk = await loadImage(f('cmyk.jpg'));
    expect(cmyk.data.length).toBe(40 * 20 * 3);
    const [r, g, b] = px(cmyk, 5, 10) as [number, number, number];
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g, b)).toBeLessThan(60);
    const [r2, , b2] = px(cmyk, 35, 10) as [number, number, number];
    expect(b2).toBeGreaterThan(120);
    expect(r2).toBeLessThan(80);
  });

  it('renders SVG, sized so its shorter side meets the target', async () => {
    const native = await loadImage(f('shape.svg'));
    expect([native.width, native.height]).toEqual([20, 10]);
    near(px(native, 5, 5), [0, 255, 0], 0);
    near(px(native, 15, 5), [255, 255, 255], 0); // transparent -> white
    const big = await loadImage(f('shape.svg'), { maxShortSide: 40 });
    expect([big.width, big.height]).toEqual([80, 40]);
    near(px(big, 10, 20), [0, 255, 0], 0);
  });

  it('accepts in-memory bytes and names them in errors by label', async () => {
    const bytes = await readFile(f('image.webp'));
    const img = await loadImage(bytes, { imageSize: 8 });
    expect([img.width, img.height]).toEqual([8, 8]);
    await expect(loadImage(new Uint8Array(3), { label: 'upload-7' })).rejects.toMatchObject({
      path: 'upload-7',
      reason: 'unsupported-format',
    });
  });
});

describe('loadImage: resize modes', () => {
  it('crop: shorter side to the size, then the centre square', async () => {
    const img = await loadImage(f('image.webp'), { imageSize: 10 }); // 40x20 -> 20x10 -> centre 10x10
    expect([img.width, img.height]).toEqual([10, 10]);
    near(px(img, 1, 5), [255, 0, 0], 10);
    near(px(img, 8, 5), [0, 0, 255], 10);
  });

  it('pad: the whole image letterboxed with the background', async () => {
    const img = await loadImage(f('image.webp'), { imageSize: 20, resize: 'pad', background: [0, 0, 0] });
    expect([img.width, img.height]).toEqual([20, 20]);
    near(px(img, 10, 1), [0, 0, 0], 0); // top bar
    near(px(img, 10, 18), [0, 0, 0], 0); // bottom bar
    near(px(img, 2, 10), [255, 0, 0], 10);
    near(px(img, 17, 10), [0, 0, 255], 10);
  });

  it('stretch: both sides to the size', async () => {
    const img = await loadImage(f('image.webp'), { imageSize: 16, resize: 'stretch', kernel: 'nearest' });
    expect([img.width, img.height]).toEqual([16, 16]);
    near(px(img, 0, 0), [255, 0, 0], 0);
    near(px(img, 15, 15), [0, 0, 255], 0);
  });

  it('maxShortSide never enlarges', async () => {
    const img = await loadImage(f('image.webp'), { maxShortSide: 100 });
    expect([img.width, img.height]).toEqual([40, 20]);
    const small = await loadImage(f('oriented.jpg'), { maxShortSide: 10 });
    expect([small.width, small.height]).toEqual([10, 20]); // oriented 20x40 -> 10x20
  });

  it('rejects an invalid size as a programming error, not a load error', async () => {
    await expect(loadImage(f('image.webp'), { imageSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('loadImage: broken and hostile input', () => {
  const cases: [string, ImageLoadReason, RegExp][] = [
    ['empty.jpg', 'empty-file', /zero bytes/],
    ['truncated.jpg', 'truncated', /premature end/i],
    ['truncated.png', 'truncated', /./],
    ['random.jpg', 'unsupported-format', /unsupported image format/],
    ['bomb.png', 'too-large', /20000x20000 = 400\.0 MP exceeds the limit of 40\.0 MP/],
    ['image.bmp', 'unsupported-format', /unsupported/],
    ['notes.txt', 'unsupported-format', /unsupported/],
    ['missing.jpg', 'not-found', /ENOENT/],
    ['entity.svg', 'unsafe-svg', /entity/],
  ];
  for (const [name, reason, message] of cases) {
    it(`${name} -> ${reason}`, async () => {
      const err = await loadImage(f(name)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ImageLoadError);
      const e = err as ImageLoadError;
      expect(e.reason).toBe(reason);
      expect(e.path).toBe(f(name));
      expect(e.detail).toMatch(message);
      expect(e.toSkipped()).toEqual({ path: f(name), reason, message: e.detail });
    });
  }

  it('a directory is a read error', async () => {
    await expect(loadImage(fx.dir)).rejects.toMatchObject({ reason: 'read-error' });
  });

  it('a FIFO named like an image is a read error, not a read that blocks forever', async () => {
    const fifo = `${fx.dir}/pipe.jpg`;
    execFileSync('mkfifo', [fifo]);
    await expect(loadImage(fifo)).rejects.toMatchObject({
      reason: 'read-error',
      detail: 'not a regular file (FIFO, socket or device)',
    });
  });

  it('limits are configurable: pixels and bytes', async () => {
    await expect(loadImage(f('image.webp'), { maxPixels: 799 })).rejects.toMatchObject({
      reason: 'too-large',
    });
    await expect(loadImage(f('image.webp'), { maxPixels: 800 })).resolves.toMatchObject({ width: 40 });
    await expect(loadImage(f('image.webp'), { maxBytes: 10 })).rejects.toMatchObject({ reason: 'too-large' });
  });

  it('formats outside the allowed list are refused', async () => {
    await expect(loadImage(f('image.tiff'), { formats: ['jpeg', 'png'] })).rejects.toMatchObject({
      reason: 'unsupported-format',
    });
  });

  it('SVG with external references and scripts renders offline: nothing fetched, no file read', async () => {
    const img = await loadImage(f('external.svg'));
    expect([img.width, img.height]).toEqual([10, 10]);
    // secret.png is solid red: had it been read, red would show. Everything stripped -> white.
    for (const [x, y] of [
      [0, 0],
      [5, 5],
      [9, 9],
    ] as const) {
      near(px(img, x, y), [255, 255, 255], 0);
    }
    // Barrier: our own request is accepted after any the decoder might have opened, so once it is
    // answered every earlier connection has been counted.
    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/barrier`);
    expect(requests).toEqual(['/barrier']);
  });

  it('the same SVG machinery does render an allowed inline image (so the white above is meaningful)', async () => {
    const red = (await readFile(f('secret.png'))).toString('base64');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
      <image href="data:image/png;base64,${red}" width="10" height="10"/></svg>`;
    const img = await loadImage(Buffer.from(svg));
    near(px(img, 5, 5), [255, 0, 0], 0);
  });

  it('gzip-compressed SVG (.svgz) is sanitised too; other gzip data is unsupported', async () => {
    const svgz = gzipSync(await readFile(f('external.svg')));
    const img = await loadImage(svgz, { label: 'external.svgz' });
    near(px(img, 5, 5), [255, 255, 255], 0);
    await expect(loadImage(gzipSync(Buffer.from('hello')))).rejects.toMatchObject({
      reason: 'unsupported-format',
    });
  });
});

// Test fixtures: a temporary tree with an allowed folder of real PNGs (made with sharp), a corrupt PNG, a
// secret folder outside it and a symlink from inside pointing out; a folder of emoji with sidecar captions
// (from emoji-datasource-google, resolved through @vlp/pretrain's devDependencies); and a backend probe
// that needs no GPU.
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendReport } from '@vlp/tensor-core';
import sharp from 'sharp';
import { BackendService } from './services/backends.js';

export interface Tree {
  root: string;
  allowed: string;
  outside: string;
  secret: string;
  dataDir: string;
}

/** A solid-colour PNG of the given size. */
export function png(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

/** allowed/{red,green,blue}.png, allowed/corrupt.png, allowed/escape -> outside, outside/secret.png. */
export async function makeTree(): Promise<Tree> {
  const root = await mkdtemp(join(tmpdir(), 'vlp-desktop-'));
  const allowed = join(root, 'allowed');
  const outside = join(root, 'outside');
  const dataDir = join(root, 'data');
  await Promise.all([mkdir(allowed), mkdir(outside), mkdir(dataDir)]);
  await writeFile(join(allowed, 'red.png'), await png(48, 32, [220, 40, 40]));
  await writeFile(join(allowed, 'green.png'), await png(32, 48, [40, 200, 60]));
  await writeFile(join(allowed, 'blue.png'), await png(40, 40, [40, 80, 220]));
  const good = await png(40, 40, [10, 10, 10]);
  await writeFile(join(allowed, 'corrupt.png'), good.subarray(0, 40)); // PNG signature, then nothing usable
  const secret = join(outside, 'secret.png');
  await writeFile(secret, await png(8, 8, [1, 2, 3]));
  await symlink(outside, join(allowed, 'escape'));
  return { root, allowed, outside, secret, dataDir };
}

/**
 * `dir` filled with `count` 64 px Google emoji of the given categories (spread evenly) as `<code>.png`, each
 * with a `<code>.txt` sidecar caption (its lower-case name). Returns caption and category by file name.
 */
export async function makeEmojiFolder(
  dir: string,
  count: number,
  categories: readonly string[] = ['Food & Drink', 'Animals & Nature', 'Travel & Places'],
  captions = true,
): Promise<Map<string, { caption: string; category: string }>> {
  const require = createRequire(new URL('../../../../packages/pretrain/package.json', import.meta.url));
  const jsonPath = require.resolve('emoji-datasource-google/emoji.json');
  const imgDir = join(dirname(jsonPath), 'img', 'google', '64');
  type Emoji = { name: string; image: string; category: string; sort_order: number; has_img_google: boolean };
  const all = (require(jsonPath) as Emoji[])
    .filter((e) => e.has_img_google && categories.includes(e.category))
    .sort((a, b) => a.sort_order - b.sort_order);
  const stride = Math.max(1, Math.floor(all.length / count));
  const picked = Array.from({ length: Math.min(count, all.length) }, (_, i) => all[i * stride] as Emoji);
  await mkdir(dir, { recursive: true });
  const out = new Map<string, { caption: string; category: string }>();
  for (const e of picked) {
    await copyFile(join(imgDir, e.image), join(dir, e.image));
    const caption = e.name.toLowerCase();
    if (captions) await writeFile(join(dir, e.image.replace(/\.png$/, '.txt')), `${caption}\n`);
    out.set(e.image, { caption, category: e.category });
  }
  return out;
}

/** A BackendService over a fixed report (cpu available, webgpu missing with a reason). */
export function stubBackends(): BackendService {
  const report: BackendReport = {
    probes: [
      { name: 'tensorflow', available: false, reason: 'tfjs-node-gpu not installed' },
      { name: 'webgpu', available: false, reason: 'no WebGPU adapter: test stub' },
      { name: 'ort', available: false, reason: 'test stub' },
      { name: 'wasm', available: true, detail: 'SIMD' },
      { name: 'cpu', available: true, detail: 'pure JavaScript' },
    ],
    auto: 'wasm',
    forced: undefined,
  };
  return new BackendService(async () => report);
}

// Test fixtures: a temporary tree with an allowed folder of real PNGs (made with sharp), a corrupt PNG, a
// secret folder outside it and a symlink from inside pointing out; and a backend probe that needs no GPU.
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

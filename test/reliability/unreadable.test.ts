// Unreadable files for real (issue 10): root reads a mode-000 file anyway, so the loader runs in a child
// process as an unprivileged user (uid/gid 65534 when the tests run as root; the current user otherwise)
// over a folder holding a mode-000 image, a mode-000 caption and a mode-000 subfolder. loadImages and
// ingest must report each as a read-error skip naming it, keep the readable pair, and not die.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Figures } from './_figures.js';

const figures = new Figures('unreadable');
let dir: string;
let script: string;
const isRoot = process.getuid?.() === 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vlp-unreadable-'));
  script = join(dir, 'unreadable-child.cjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '_unreadable-child.ts')],
    outfile: script,
    bundle: true,
    format: 'cjs', // CommonJS so NODE_PATH finds sharp from a bundle living in a temp dir
    platform: 'node',
    target: 'node20',
    conditions: ['@vlp/source'],
    logLevel: 'error',
    external: ['sharp', 'onnxruntime-node', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const pics = join(dir, 'pics');
  await mkdir(join(pics, 'private'), { recursive: true });
  const png = (r: number) =>
    sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g: 0, b: 0 } } })
      .png()
      .toBuffer();
  for (const [name, r] of [
    ['ok', 10],
    ['locked', 20],
    ['lockedcap', 30],
    ['private/hidden', 40],
  ] as const) {
    await writeFile(join(pics, `${name}.png`), await png(r));
    await writeFile(join(pics, `${name}.txt`), `a ${name} square`);
  }
  await chmod(join(pics, 'locked.png'), 0o000);
  await chmod(join(pics, 'lockedcap.txt'), 0o000);
  await chmod(join(pics, 'private'), 0o000);
  await mkdir(join(dir, 'out'));
  for (const d of [dir, pics]) await chmod(d, 0o755);
  await chmod(join(dir, 'out'), 0o777);
});

afterAll(async () => {
  figures.write();
  if (dir) {
    await chmod(join(dir, 'pics', 'private'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('unreadable files, read by an unprivileged process', () => {
  it('a mode-000 image, caption and folder are read-error skips naming them; the readable pair is kept', async () => {
    const child = spawn(process.execPath, [script, dir], {
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
      env: { ...process.env, NODE_PATH: resolve(import.meta.dirname, '..', 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(0);
    const result = JSON.parse(out) as {
      uid: number;
      loaded: string[];
      skipped: { path: string; reason: string; message: string }[];
      pairs: string[];
      ingestSkipped: { path: string; reason: string; message: string }[];
    };
    expect(result.uid).not.toBe(0);
    // loadImages over the top-level PNGs.
    expect(result.loaded.map((p) => p.split('/').pop()).sort()).toEqual(['lockedcap.png', 'ok.png']);
    expect(result.skipped).toEqual([
      {
        path: join(dir, 'pics', 'locked.png'),
        reason: 'read-error',
        message: expect.stringMatching(/EACCES/),
      },
    ]);
    figures.count('mode-000 image', 'loadImages (unprivileged)', 'read-error');
    // ingest of the sidecar folder: one pair kept, three skips, nothing thrown.
    expect(result.pairs).toEqual(['../pics/ok.png']);
    const skips = result.ingestSkipped.map((s) => `${s.path} ${s.reason}`).sort();
    expect(skips).toEqual([
      '../pics/locked.png read-error',
      '../pics/lockedcap.png read-error',
      '../pics/private read-error',
    ]);
    for (const s of result.ingestSkipped) expect(s.message).toMatch(/EACCES|permission/);
    figures.count('mode-000 image', 'ingest (sidecar, unprivileged)', 'read-error');
    figures.count('mode-000 caption file', 'ingest (sidecar, unprivileged)', 'read-error');
    figures.count('mode-000 subfolder', 'ingest (sidecar, unprivileged)', 'read-error');
  });
});

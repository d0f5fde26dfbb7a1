// Packs every publishable @vlp package with `pnpm pack` and installs the tarballs, with plain npm, into a
// scratch project outside the workspace: the way our users meet us (`pnpm add @vlp/fusion`).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Publishable workspace packages (private ones are never packed). */
export function publishablePackages(): { name: string; dir: string; version: string }[] {
  const root = path.join(REPO_ROOT, 'packages');
  return fs
    .readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')))
    .map((dir) => ({ dir, pj: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pj }) => !pj.private)
    .map(({ dir, pj }) => ({ name: pj.name as string, dir, version: pj.version as string }));
}

/** Runs `pnpm pack` in each package (its dist must be built) and returns name -> tarball path. */
export function packAll(outDir: string): Map<string, string> {
  const tarballs = new Map<string, string>();
  for (const pkg of publishablePackages()) {
    if (!fs.existsSync(path.join(pkg.dir, 'dist', 'index.js'))) {
      throw new Error(`${pkg.name} has no dist/index.js: run \`pnpm build\` first (pnpm test does).`);
    }
    const out = execFileSync('pnpm', ['pack', '--pack-destination', outDir], {
      cwd: pkg.dir,
      encoding: 'utf8',
    });
    const file = out.trim().split('\n').pop()!.trim();
    tarballs.set(pkg.name, path.isAbsolute(file) ? file : path.join(outDir, path.basename(file)));
  }
  return tarballs;
}

/**
 * Creates a scratch ESM project in the OS temp dir with the tarballs as file: dependencies (and overrides,
 * so no @vlp package can ever come from the registry), installs it with npm and returns its directory.
 */
export function scratchProject(tarballs: Map<string, string>, extraDeps: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlp-consumer-'));
  const fileDeps = Object.fromEntries([...tarballs].map(([name, tgz]) => [name, `file:${tgz}`]));
  const pj = {
    name: 'vlp-consumer',
    private: true,
    type: 'module',
    dependencies: { ...fileDeps, ...extraDeps },
    overrides: fileDeps,
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pj, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    // onnxruntime-node's install script otherwise fetches CUDA libraries we cannot reach.
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    stdio: 'pipe',
    timeout: 600_000,
  });
  return dir;
}

// Path traversal on every call that takes a path, enumerated from the contract (not a hand list): every
// string argument of ARG_SCHEMAS as long as a path (max 4096) is found by walking the zod schemas, each is
// sent a set of escapes over HTTP (dot-dot, symlink out, absolute elsewhere, NUL byte, an over-long name,
// percent-encoded dots), and the call must refuse (4xx, never 2xx or 5xx), leak nothing of what lies
// outside, and leave the outside folder exactly as it was. A new path-taking call without a sample below
// fails the first test, so the list cannot fall behind the contract.
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ARG_SCHEMAS, METHODS } from '../../shared/contract.js';
import { makeTree, stubBackends, type Tree } from '../_test-fixtures.js';
import type { WebServer } from './server.js';
import { startWebMode } from './start.js';

let tree: Tree;
let server: WebServer;

function api(method: string, args: unknown): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const body = JSON.stringify(args);
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/${method}`,
        method: 'POST',
        headers: {
          host: `127.0.0.1:${server.port}`,
          'content-type': 'application/json',
          'x-vlp-token': server.token,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** Every `[method, field]` whose schema is a path-length string (optional or not), from the contract. */
function pathFields(): [string, string][] {
  const out: [string, string][] = [];
  for (const method of METHODS) {
    const schema = ARG_SCHEMAS[method] as unknown;
    if (!(schema instanceof z.ZodObject)) continue;
    for (const [field, raw] of Object.entries(schema.shape as Record<string, unknown>)) {
      const inner = raw instanceof z.ZodOptional ? raw.unwrap() : raw;
      if (inner instanceof z.ZodString && (inner.maxLength ?? 0) >= 4096) out.push([method, field]);
    }
  }
  return out;
}

/**
 * Valid arguments around one path field, per call. Keyed by name (not typed by the contract) so calls
 * another branch adds or removes do not break the build; a missing entry fails the completeness test.
 */
const SAMPLES: Record<string, (field: string, p: string) => Record<string, unknown>> = {
  foldersChoose: (_f, p) => ({ path: p }),
  corpusAdd: (_f, p) => ({ name: 'x', kind: 'images', path: p }),
  thumbnail: (_f, p) => ({ path: p }),
  jobsStart: (_f, p) => ({ kind: 'thumbnails', path: p }),
  modelsImport: (f, p) => ({ name: 'x', image: '/nonexistent/i.onnx', text: '/nonexistent/t.onnx', [f]: p }),
  modelsExport: (_f, p) => ({ id: 'colour', dest: p }),
  labelStart: (f, p) =>
    f === 'labelsFile'
      ? { model: 'colour', folder: '/nonexistent', labelsFile: p, threshold: 0 }
      : { model: 'colour', folder: p, labels: ['red', 'blue'], threshold: 0 },
  labelCorrect: (_f, p) => ({ id: 'no-such-run', path: p, label: 'red' }),
  labelExport: (_f, p) => ({ id: 'no-such-run', format: 'csv', path: `${p}.csv` }),
  labelOrganise: (_f, p) => ({ id: 'no-such-run', mode: 'move', dest: p, confirmed: true }),
};

/** Calls that grant a folder by design (web mode: whoever holds the token typed the path). */
const GRANTS = new Set(['foldersChoose']);

/** Names, sizes and mtimes of everything under `dir` (symlinks not followed). */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const st = await lstat(join(dir, name));
    out.push(`${name} ${st.size} ${st.mtimeMs}`);
  }
  return out;
}

beforeAll(async () => {
  tree = await makeTree();
  ({ server } = await startWebMode({
    dataDir: tree.dataDir,
    rendererDir: tree.root,
    backends: stubBackends(),
    allow: [tree.allowed],
  }));
});

afterAll(async () => {
  await server?.close();
  await rm(tree.root, { recursive: true, force: true });
});

describe('path traversal, every path argument of the contract', () => {
  it('finds the path arguments and has a sample for each call that takes one', () => {
    const fields = pathFields();
    expect(fields.map(([m, f]) => `${m}.${f}`)).toEqual(
      expect.arrayContaining(['thumbnail.path', 'corpusAdd.path', 'jobsStart.path']),
    );
    expect(fields.filter(([m]) => SAMPLES[m] === undefined).map(([m, f]) => `${m}.${f}`)).toEqual([]);
  });

  it('each escape is refused with a 4xx, nothing outside leaks or changes', async () => {
    const escapes = [
      join(tree.allowed, '..', 'outside', 'secret.png'),
      `${tree.allowed}/../outside`,
      join(tree.allowed, 'escape', 'secret.png'), // symlink out
      join(tree.allowed, 'escape'),
      join(tree.allowed, 'escape', 'new-file'), // a write through the link
      tree.secret,
      tree.outside,
      join(tree.outside, 'new-file'),
      '/etc/passwd',
      '/',
      `${tree.allowed}/%2e%2e/outside`,
      `${tree.allowed}/red.png\u0000/../../outside/secret.png`,
      `${tree.allowed}/${'a'.repeat(4000)}`,
      'relative/../../outside',
    ];
    const before = await snapshot(tree.outside);
    const wrong: string[] = [];
    const statuses = new Map<string, number>();
    let tried = 0;
    for (const [method, field] of pathFields()) {
      if (GRANTS.has(method)) continue;
      const sample = SAMPLES[method];
      if (sample === undefined) continue;
      for (const p of escapes) {
        const reply = await api(method, sample(field, p));
        tried++;
        statuses.set(`${reply.status}`, (statuses.get(`${reply.status}`) ?? 0) + 1);
        if (reply.status < 400 || reply.status >= 500)
          wrong.push(`${method}.${field} ${JSON.stringify(p)}: ${reply.status} ${reply.body}`);
        if (reply.body.includes('secret.png') && !p.includes('secret.png'))
          wrong.push(`${method}.${field} leaked a name: ${reply.body}`);
      }
    }
    console.log(
      `path traversal: ${tried} attempts over ${pathFields().length} path arguments; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(wrong).toEqual([]);
    expect(await snapshot(tree.outside)).toEqual(before);
    // Figures for docs/reliability/REPORT.md (scripts/reliability-report.mjs), in test/reliability's format.
    const dir = process.env.VLP_RELIABILITY_DIR ?? join(tmpdir(), 'vlp-reliability');
    await mkdir(dir, { recursive: true });
    const figures = {
      suite: 'desktop-traversal',
      cases: [
        {
          kind: `path escapes on ${pathFields().length - GRANTS.size} path arguments`,
          entry: 'web API (HTTP, token)',
          tried,
          outcomes: Object.fromEntries([...statuses].map(([k, v]) => [`HTTP ${k}`, v])),
        },
      ],
      filesLost: 0,
    };
    await writeFile(join(dir, 'desktop-traversal.json'), `${JSON.stringify(figures, null, 1)}\n`);
    expect(tried).toBeGreaterThanOrEqual(3 * escapes.length);
  });

  it('foldersChoose grants only an existing absolute directory and refuses the rest with a 4xx', async () => {
    for (const p of [
      'relative/../../outside',
      `${tree.allowed}/red.png`,
      `${tree.allowed}/\u0000`,
      '/nonexistent/folder',
    ]) {
      const reply = await api('foldersChoose', { path: p });
      expect(reply.status, `${JSON.stringify(p)}: ${reply.body}`).toBeGreaterThanOrEqual(400);
      expect(reply.status, `${JSON.stringify(p)}: ${reply.body}`).toBeLessThan(500);
    }
  });
});

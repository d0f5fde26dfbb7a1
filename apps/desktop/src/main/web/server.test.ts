// Web mode's defences, tried for real over HTTP: the token on every API call, Host and Origin checks, no
// CORS, the CSP, zod on every argument, and the folder allow-list on every call that takes a path.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../build/bundle.js';
import { makeTree, stubBackends, type Tree } from '../_test-fixtures.js';
import type { Services } from '../services/index.js';
import type { WebServer } from './server.js';
import { startWebMode } from './start.js';

let tree: Tree;
let server: WebServer;
let services: Services;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch forbids setting Host, Origin and Sec-Fetch-* ourselves). */
function call(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<Reply>((ok, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(opts.body);
  });
}

const api = (method: string, args: unknown, headers: Record<string, string> = {}) =>
  call(`/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vlp-token': server.token, ...headers },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  });

beforeAll(async () => {
  tree = await makeTree();
  const { rendererDir } = await bundle({ outDir: join(tree.root, 'build') });
  ({ server, services } = await startWebMode({
    dataDir: tree.dataDir,
    rendererDir,
    backends: stubBackends(),
    allow: [tree.allowed],
  }));
});
afterAll(async () => {
  await server?.close();
  await rm(tree.root, { recursive: true, force: true });
});

describe('web mode: where it listens and the token', () => {
  it('binds 127.0.0.1 only and puts a 64-hex-digit token in the URL fragment', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=[0-9a-f]{64}$`));
    expect(server.token).toHaveLength(64);
  });

  it('answers a call with the right token', async () => {
    const r = await api('backendsReport', {});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).result.rows.map((x: { name: string }) => x.name)).toContain('cpu');
  });

  it('refuses a call without a token (401) and with a wrong one (403), on every call', async () => {
    for (const method of ['backendsReport', 'foldersList', 'corpusAdd', 'thumbnail', 'jobsStart']) {
      const none = await call(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(none.status).toBe(401);
      const wrong = await api(method, {}, { 'x-vlp-token': 'f'.repeat(64) });
      expect(wrong.status).toBe(403);
      const short = await api(method, {}, { 'x-vlp-token': 'abc' });
      expect(short.status).toBe(403);
    }
    expect((await call('/api/events')).status).toBe(401);
  });
});

describe('web mode: cross-origin and rebinding', () => {
  it('refuses another Origin, and sends no CORS headers', async () => {
    const r = await api('backendsReport', {}, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await call('/api/backendsReport', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a cross-site Sec-Fetch-Site even with the token', async () => {
    expect((await api('backendsReport', {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await api('backendsReport', {}, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await api('backendsReport', {}, { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('accepts its own origin', async () => {
    expect((await api('backendsReport', {}, { origin: server.origin })).status).toBe(200);
  });

  it('refuses a Host header that is not 127.0.0.1/localhost with our port (DNS rebinding)', async () => {
    expect((await api('backendsReport', {}, { host: 'evil.example' })).status).toBe(403);
    expect((await api('backendsReport', {}, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await api('backendsReport', {}, { host: '127.0.0.1:1' })).status).toBe(403);
    expect((await call('/', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await api('backendsReport', {}, { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses an OPTIONS preflight (it never carries the token) and non-JSON bodies', async () => {
    const pre = await call('/api/backendsReport', { method: 'OPTIONS' });
    expect(pre.status).toBe(401);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-headers']).toBeUndefined();
    const form = await api('backendsReport', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
  });
});

describe('web mode: the page', () => {
  it('serves the renderer with a strict CSP and no token needed for static files', async () => {
    const r = await call('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<main id="screen">');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect((await call('/main.js')).status).toBe(200);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const p of ['/../../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd.html']) {
      const r = await call(p);
      expect(r.status).toBe(404);
      expect(r.body).not.toContain('"name"');
    }
  });
});

describe('web mode: arguments', () => {
  it('rejects wrong types, unknown keys, unknown calls and bad JSON', async () => {
    expect((await api('backendsReport', { extra: 1 })).status).toBe(400);
    expect((await api('corpusAdd', { name: 'x', kind: 'images', path: 42 })).status).toBe(400);
    expect((await api('corpusAdd', { name: 'x', kind: 'pdf', path: tree.allowed })).status).toBe(400);
    expect((await api('corpusAdd', { name: '../x', kind: 'images', path: tree.allowed })).status).toBe(400);
    const extraKey = { name: 'x', kind: 'images', path: tree.allowed, imageRoot: '/' };
    expect((await api('corpusAdd', extraKey)).status).toBe(400);
    expect((await api('thumbnail', { path: tree.allowed, size: 1e9 })).status).toBe(400);
    expect((await api('jobsCancel', { id: '../../x' })).status).toBe(400);
    expect((await api('backendsSelect', { name: 'cuda' })).status).toBe(400);
    expect((await api('backendsReport', [])).status).toBe(400);
    expect((await api('nope', {})).status).toBe(404);
    expect((await api('__proto__', {})).status).toBe(404);
    expect((await api('toString', {})).status).toBe(404);
    expect((await api('backendsReport', '{not json')).status).toBe(400);
  });
});

describe('web mode: every call that takes a path stays inside the folders picked', () => {
  const outsidePaths = () => [
    join(tree.allowed, '..', 'outside', 'secret.png'), // traversal
    `${tree.allowed}/../outside`,
    join(tree.allowed, 'escape', 'secret.png'), // symlink out
    join(tree.allowed, 'escape'),
    tree.secret, // absolute path elsewhere
    tree.outside,
    '/etc/passwd',
    '/',
  ];

  it('thumbnail, corpusAdd and jobsStart answer 403 for every path outside', async () => {
    for (const path of outsidePaths()) {
      expect((await api('thumbnail', { path })).status, `thumbnail ${path}`).toBe(403);
      expect((await api('corpusAdd', { name: 'x', kind: 'images', path })).status, `corpusAdd ${path}`).toBe(
        403,
      );
      expect((await api('jobsStart', { kind: 'thumbnails', path })).status, `jobsStart ${path}`).toBe(403);
    }
  });

  it('labelling, label export / organise and model import / export answer 403 for every path outside', async () => {
    const labels = ['red', 'blue'];
    for (const path of outsidePaths()) {
      const st = async (m: string, a: unknown) => (await api(m, a)).status;
      expect(await st('labelStart', { model: 'colour', folder: path, labels, threshold: 0 }), path).toBe(403);
      expect(
        await st('labelStart', { model: 'colour', folder: tree.allowed, labelsFile: path, threshold: 0 }),
        path,
      ).toBe(403);
      expect(await st('modelsImport', { name: 'x', image: path, text: path }), path).toBe(403);
      expect(await st('modelsExport', { id: 'colour', dest: path }), path).toBe(403);
    }
  });

  it('relative paths are refused (400) everywhere, including foldersChoose', async () => {
    for (const path of ['allowed/red.png', '../outside', 'red.png']) {
      expect((await api('thumbnail', { path })).status).toBe(400);
      expect((await api('corpusAdd', { name: 'x', kind: 'images', path })).status).toBe(400);
      expect((await api('jobsStart', { kind: 'thumbnails', path })).status).toBe(400);
      expect((await api('foldersChoose', { path })).status).toBe(400);
    }
  });

  it('the same calls work inside, and the secret never appears in any answer', async () => {
    const thumb = await api('thumbnail', { path: join(tree.allowed, 'red.png') });
    expect(thumb.status).toBe(200);
    expect(JSON.parse(thumb.body).result).toMatch(/^data:image\/png;base64,/);
    const added = await api('corpusAdd', { name: 'allowed', kind: 'images', path: tree.allowed });
    expect(added.status).toBe(200);
    const report = JSON.parse(added.body).result;
    expect(report.counts.images).toBe(3);
    // corrupt.png, and the picture behind the `escape` symlink, reported by the link's name only.
    expect(report.counts.skipped).toBe(2);
    const outside = report.skipped.find((s: { reason: string }) => s.reason === 'outside-folders');
    expect(outside.path.endsWith('escape')).toBe(true);
    expect(outside.thumbnail).toBeNull();
    expect(added.body).not.toContain('secret');
  });
});

describe('web mode: training calls', () => {
  it('lists @vlp/pretrain recipes split into method and size', async () => {
    const r = await api('trainRecipes', {});
    expect(r.status).toBe(200);
    const recipes = JSON.parse(r.body).result as { name: string; method: string; size: string }[];
    expect(recipes.find((x) => x.name === 'cavl-tiny')).toMatchObject({ method: 'cavl', size: 'tiny' });
    expect(recipes.find((x) => x.name === 'albef-base')).toMatchObject({ method: 'albef', size: 'base' });
    expect(recipes.length).toBe(15);
  });

  it('validates trainStart and trainControl before any worker starts', async () => {
    const ok = { corpus: 'allowed', recipe: 'cavl-tiny', steps: 5 };
    expect((await api('trainStart', { ...ok, steps: 0 })).status).toBe(400);
    expect((await api('trainStart', { ...ok, steps: 2.5 })).status).toBe(400);
    expect((await api('trainStart', { ...ok, recipe: '../cavl' })).status).toBe(400);
    expect((await api('trainStart', { ...ok, corpus: '../x' })).status).toBe(400);
    expect((await api('trainStart', { ...ok, lr: -1 })).status).toBe(400);
    expect((await api('trainStart', { ...ok, manifest: '/etc/passwd' })).status).toBe(400);
    expect((await api('trainStart', { ...ok, corpus: 'never-added' })).status).toBe(404);
    // 'allowed' was added as plain images: no caption pairs to train on.
    const noPairs = await api('trainStart', ok);
    expect(noPairs.status).toBe(400);
    expect(JSON.parse(noPairs.body).error).toMatch(/0 image-caption pairs/);
    expect((await api('trainStart', { ...ok, recipe: 'nope-tiny' })).status).toBe(400);
    expect((await api('trainControl', { id: 'no-such-run', action: 'pause' })).status).toBe(404);
    expect((await api('trainControl', { id: 'x', action: 'explode' })).status).toBe(400);
    expect(JSON.parse((await api('trainList', {})).body).result).toEqual([]);
  });
});

describe('web mode: a caption source naming an image outside', () => {
  it('drops it from the manifest as outside-folders and trains on nothing from it', async () => {
    const dir = join(tree.allowed, 'listed');
    await mkdir(dir);
    const rows = [
      { image: tree.secret, caption: 'a secret' },
      { image: join(tree.allowed, 'red.png'), caption: 'a red square' },
    ];
    await writeFile(join(dir, 'pairs.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const r = await api('corpusAdd', { name: 'listed', kind: 'jsonl', path: join(dir, 'pairs.jsonl') });
    expect(r.status).toBe(200);
    const report = JSON.parse(r.body).result;
    expect(report.counts.pairs).toBe(1);
    const out = report.skipped.filter((s: { reason: string }) => s.reason === 'outside-folders');
    expect(out).toHaveLength(1);
    const manifest = JSON.parse(await readFile(report.manifestPath, 'utf8'));
    expect(manifest.pairs.map((p: { captions: string[] }) => p.captions[0])).toEqual(['a red square']);
  });
});

describe('web mode: labelling and model calls', () => {
  it('lists the colour baseline among the models', async () => {
    const list = JSON.parse((await api('modelsList', {})).body).result as { id: string; kind: string }[];
    expect(list[0]).toMatchObject({ id: 'colour', kind: 'baseline' });
  });

  it('validates labelling arguments before a worker starts', async () => {
    const ok = { model: 'colour', folder: tree.allowed, labels: ['red', 'blue'], threshold: 0.2 };
    const st = async (m: string, a: unknown) => (await api(m, a)).status;
    expect(await st('labelStart', { ...ok, labels: ['red'] })).toBe(400); // at least two
    expect(await st('labelStart', { ...ok, labels: ['red', ' '] })).toBe(400); // blank label
    expect(await st('labelStart', { ...ok, threshold: 1.5 })).toBe(400);
    expect(await st('labelStart', { ...ok, labelsFile: join(tree.allowed, 'x.txt') })).toBe(400); // both
    const { labels: _, ...neither } = ok;
    expect(await st('labelStart', neither)).toBe(400);
    expect(await st('labelStart', { ...ok, folder: 'allowed' })).toBe(400);
    expect(await st('labelStart', { ...ok, model: 'no-such-model' })).toBe(404);
    // A labels file must hold two labels at least; red.png is no such file.
    expect(await st('labelStart', { ...neither, labelsFile: join(tree.allowed, 'red.png') })).toBe(400);
    for (const m of ['labelResults', 'labelCancel']) expect(await st(m, { id: 'nope' })).toBe(404);
    // None of the refused starts left a run behind.
    expect(JSON.parse((await api('labelList', {})).body).result).toEqual([]);
    expect(await st('labelCorrect', { id: 'nope', path: 'a.png', label: 'red' })).toBe(404);
    expect(await st('labelExport', { id: 'nope', format: 'csv', path: join(tree.allowed, 'a.csv') })).toBe(
      404,
    );
    expect(await st('labelExport', { id: 'nope', format: 'xlsx', path: join(tree.allowed, 'a.csv') })).toBe(
      400,
    );
    const organise = { id: 'nope', mode: 'copy', dest: tree.allowed };
    expect(await st('labelOrganise', organise)).toBe(400); // no confirmation
    expect(await st('labelOrganise', { ...organise, confirmed: false })).toBe(400);
    expect(await st('labelOrganise', { ...organise, mode: 'delete', confirmed: true })).toBe(400);
    expect(await st('labelOrganise', { ...organise, confirmed: true })).toBe(404);
    expect(await st('modelsExport', { id: 'colour', dest: tree.allowed })).toBe(400); // not a trained model
    expect(
      await st('modelsImport', {
        name: 'x',
        image: join(tree.allowed, 'red.png'),
        text: join(tree.allowed, 'red.png'),
      }),
    ).toBe(400); // no sidecar
  });
});

describe('web mode: events', () => {
  it('streams service events as SSE to a client with the token', async () => {
    const message = await new Promise<string>((ok, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/events',
          headers: { host: `127.0.0.1:${server.port}`, 'x-vlp-token': server.token },
        },
        (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            if (buffer.includes(': connected'))
              services.events.emit({ type: 'log', level: 'info', message: 'sse works' });
            const line = buffer.split('\n').find((l) => l.startsWith('data: '));
            if (line !== undefined) {
              req.destroy();
              ok(line.slice(6));
            }
          });
        },
      );
      req.on('error', fail);
      req.end();
    });
    expect(JSON.parse(message)).toEqual({ type: 'log', level: 'info', message: 'sse works' });
  });
});

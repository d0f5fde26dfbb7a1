// Electron main with a mocked `electron` module: the window's security preferences and navigation guards,
// one IPC handler per contract call, sender checks, zod validation and the folder allow-list behind IPC.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { channelOf, EVENT_CHANNEL, METHODS } from '../shared/contract.js';
import { makeTree, stubBackends, type Tree } from './_test-fixtures.js';
import { createServices, type Services } from './services/index.js';

type Handler = (event: { senderFrame: { url: string } | null }, args: unknown) => Promise<unknown>;

const electron = vi.hoisted(() => {
  const handlers = new Map<string, (...a: unknown[]) => Promise<unknown>>();
  const windows: { options: unknown; openHandler?: () => unknown; navigate?: (...a: unknown[]) => void }[] =
    [];
  const sent: unknown[][] = [];
  class BrowserWindow {
    readonly record: (typeof windows)[number];
    readonly webContents: Record<string, unknown>;
    constructor(options: unknown) {
      this.record = { options };
      windows.push(this.record);
      const record = this.record;
      this.webContents = {
        setWindowOpenHandler: (h: () => unknown) => {
          record.openHandler = h;
        },
        on: (name: string, h: (...a: unknown[]) => void) => {
          if (name === 'will-navigate') record.navigate = h;
        },
        send: (...a: unknown[]) => sent.push(a),
      };
    }
    loadURL = async () => undefined;
    on = () => this;
  }
  return {
    handlers,
    windows,
    sent,
    dialogResult: { canceled: false, filePaths: [] as string[] },
    BrowserWindow,
  };
});

vi.mock('electron', () => ({
  app: {
    whenReady: async () => undefined,
    getPath: () => '/tmp',
    on: () => undefined,
    quit: () => undefined,
  },
  BrowserWindow: electron.BrowserWindow,
  ipcMain: {
    handle: (channel: string, h: (...a: unknown[]) => Promise<unknown>) => electron.handlers.set(channel, h),
  },
  dialog: { showOpenDialog: async () => electron.dialogResult },
  session: { defaultSession: { setPermissionRequestHandler: () => undefined } },
}));

const { createWindow, isTrustedSender, registerIpc, RENDERER_INDEX, WEB_PREFERENCES } = await import(
  './electron.js'
);

const rendererUrl = pathToFileURL(RENDERER_INDEX).href;
let tree: Tree;
let services: Services;
const trusted = { senderFrame: { url: rendererUrl } };
const invoke = (method: string, args: unknown, event: Parameters<Handler>[0] = trusted) => {
  const h = electron.handlers.get(`vlp:${method}`) as Handler | undefined;
  if (h === undefined) throw new Error(`no handler for ${method}`);
  return h(event, args) as Promise<{ ok: boolean; status?: number; result?: unknown; error?: string }>;
};

beforeAll(async () => {
  tree = await makeTree();
  services = createServices({ dataDir: tree.dataDir, backends: stubBackends() });
  registerIpc(services, rendererUrl, () => null);
});
afterAll(() => rm(tree.root, { recursive: true, force: true }));
beforeEach(() => {
  electron.dialogResult = { canceled: false, filePaths: [] };
});

describe('electron main: the window', () => {
  it('uses contextIsolation, sandbox, no Node integration and the preload', () => {
    expect(WEB_PREFERENCES).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    createWindow(rendererUrl);
    const win = electron.windows.at(-1);
    expect(win?.options).toMatchObject({
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
    });
    const prefs = (win?.options ?? {}) as { webPreferences?: { preload?: string } };
    expect(String(prefs.webPreferences?.preload)).toMatch(/preload[\\/]index\.cjs$/);
  });

  it('denies new windows and navigation away from the renderer', () => {
    const win = electron.windows.at(-1);
    expect(win?.openHandler?.()).toEqual({ action: 'deny' });
    const away = { preventDefault: vi.fn() };
    win?.navigate?.(away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalledOnce();
    const home = { preventDefault: vi.fn() };
    win?.navigate?.(home, rendererUrl);
    expect(home.preventDefault).not.toHaveBeenCalled();
  });
});

describe('electron main: IPC', () => {
  it('registers exactly one handler per contract call', () => {
    expect([...electron.handlers.keys()].sort()).toEqual(METHODS.map(channelOf).sort());
  });

  it('checks the sender: other pages, other files, remote frames and missing frames are refused', async () => {
    const senders = [
      { senderFrame: { url: 'https://evil.example/index.html' } },
      { senderFrame: { url: pathToFileURL(join(tree.allowed, 'index.html')).href } },
      { senderFrame: { url: 'file:///etc/index.html' } },
      { senderFrame: null },
    ];
    for (const s of senders) {
      expect(isTrustedSender(s as never, rendererUrl)).toBe(false);
      expect(await invoke('foldersList', {}, s)).toEqual({
        ok: false,
        status: 403,
        error: 'untrusted sender',
      });
    }
    expect(isTrustedSender({ senderFrame: { url: `${rendererUrl}#x` } } as never, rendererUrl)).toBe(true);
  });

  it('validates arguments with the zod schemas before any service runs', async () => {
    const spy = vi.spyOn(services.corpus, 'add');
    for (const bad of [
      undefined,
      null,
      'x',
      { name: 'x', kind: 'images' },
      { name: 'x', kind: 'images', path: 1 },
      { name: 'x', kind: 'images', path: tree.allowed, extra: true },
    ]) {
      const reply = await invoke('corpusAdd', bad);
      expect(reply.ok).toBe(false);
      expect(reply.status).toBe(400);
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('grants the folder the native dialog returned, and nothing on cancel', async () => {
    electron.dialogResult = { canceled: true, filePaths: [] };
    expect(await invoke('foldersChoose', {})).toEqual({ ok: true, result: null });
    expect(services.folders.list()).toEqual([]);
    electron.dialogResult = { canceled: false, filePaths: [tree.allowed] };
    const reply = await invoke('foldersChoose', { path: '/' });
    expect(reply).toMatchObject({ ok: true, result: { path: tree.allowed } });
  });

  it('keeps every path argument inside the picked folders', async () => {
    for (const path of [
      tree.secret,
      join(tree.allowed, 'escape', 'secret.png'),
      `${tree.allowed}/../outside`,
    ]) {
      expect((await invoke('thumbnail', { path })).status).toBe(403);
      expect((await invoke('corpusAdd', { name: 'x', kind: 'images', path })).status).toBe(403);
      expect((await invoke('jobsStart', { kind: 'thumbnails', path })).status).toBe(403);
    }
    const ok = await invoke('thumbnail', { path: join(tree.allowed, 'blue.png') });
    expect(ok).toMatchObject({ ok: true });
  });

  it('refuses copy/move without confirmation and label / model paths outside, before any service runs', async () => {
    const organise = vi.spyOn(services.labelling, 'organise');
    const start = vi.spyOn(services.training, 'start');
    for (const args of [
      { id: 'x', mode: 'move', dest: tree.allowed },
      { id: 'x', mode: 'move', dest: tree.allowed, confirmed: false },
      { id: 'x', mode: 'move', dest: tree.allowed, confirmed: 'yes' },
    ])
      expect((await invoke('labelOrganise', args)).status).toBe(400);
    expect(organise).not.toHaveBeenCalled();
    expect((await invoke('trainStart', { corpus: 'x', recipe: 'albef-tiny', steps: -1 })).status).toBe(400);
    expect(start).not.toHaveBeenCalled();
    const labels = { model: 'colour', labels: ['red', 'blue'], threshold: 0 };
    expect((await invoke('labelStart', { ...labels, folder: tree.outside })).status).toBe(403);
    expect(
      (await invoke('labelExport', { id: 'x', format: 'csv', path: join(tree.outside, 'a.csv') })).status,
    ).toBe(404); // no such run: looked up before the path
    expect((await invoke('modelsExport', { id: 'colour', dest: tree.outside })).status).toBe(403);
    expect((await invoke('modelsImport', { name: 'x', image: tree.secret, text: tree.secret })).status).toBe(
      403,
    );
  });

  it('forwards service events to the window on the event channel', () => {
    createWindow(rendererUrl);
    const before = electron.sent.length;
    services.events.emit({ type: 'log', level: 'info', message: 'hello' });
    // registerIpc was given a window getter returning null: nothing is sent, nothing throws.
    expect(electron.sent.length).toBe(before);
    const local = createServices({ dataDir: tree.dataDir, backends: stubBackends() });
    const win = new electron.BrowserWindow({});
    registerIpc(local, rendererUrl, () => win as never);
    local.events.emit({ type: 'log', level: 'info', message: 'hello' });
    expect(electron.sent.at(-1)).toEqual([EVENT_CHANNEL, { type: 'log', level: 'info', message: 'hello' }]);
  });
});

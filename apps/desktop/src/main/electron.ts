// The Electron main process: one locked-down BrowserWindow (contextIsolation, sandbox, no Node in the page,
// no navigation, no new windows, no permissions), IPC handlers that check who is calling (the sender frame
// must be our renderer's page) and validate every argument with the contract's zod schemas before the
// same services web mode uses run. Events are forwarded to the window.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, type IpcMainInvokeEvent, ipcMain, session } from 'electron';
import { ApiError, channelOf, EVENT_CHANNEL, METHODS } from '../shared/contract.js';
import { createHandlers, dispatch } from './dispatch.js';
import { createServices, type Services } from './services/index.js';

/** Where the built app lives: dist/main/electron.js -> dist/renderer, dist/preload. */
const distDir = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_INDEX = join(distDir, 'renderer', 'index.html');
export const PRELOAD = join(distDir, 'preload', 'index.cjs');

/** True when an IPC call comes from our renderer page (not an iframe, not a navigated-away page). */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  rendererUrl: string,
): boolean {
  const url = event.senderFrame?.url;
  if (url === undefined) return false;
  const { origin, pathname, protocol } = new URL(url);
  const want = new URL(rendererUrl);
  return protocol === want.protocol && origin === want.origin && pathname === want.pathname;
}

/** The options every window gets; exported so tests assert them. */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  preload: PRELOAD,
} as const;

/**
 * Registers one `ipcMain.handle` per contract call. Each checks the sender, then dispatches (zod first).
 * Errors cross IPC as `{ ok: false, status, error }` so the renderer sees the same shapes as web mode.
 */
export function registerIpc(services: Services, rendererUrl: string, getWindow: () => BrowserWindow | null) {
  const handlers = createHandlers(services, async ({ path }) => {
    const win = getWindow();
    const options = {
      properties: ['openDirectory' as const],
      ...(path === undefined ? {} : { defaultPath: path }),
    };
    const picked =
      win === null ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(win, options);
    const first = picked.filePaths[0];
    return picked.canceled || first === undefined ? null : services.folders.grant(first);
  });
  for (const method of METHODS) {
    ipcMain.handle(channelOf(method), async (event, args: unknown) => {
      if (!isTrustedSender(event, rendererUrl)) return { ok: false, status: 403, error: 'untrusted sender' };
      try {
        return { ok: true, result: await dispatch(handlers, method, args) };
      } catch (error) {
        const status = error instanceof ApiError ? error.status : 500;
        return { ok: false, status, error: (error as Error).message };
      }
    });
  }
  services.events.subscribe((event) => getWindow()?.webContents.send(EVENT_CHANNEL, event));
}

/** Creates the window with the locked-down preferences and navigation guards. */
export function createWindow(rendererUrl: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'vlp',
    webPreferences: { ...WEB_PREFERENCES },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (url !== rendererUrl) event.preventDefault();
  });
  void win.loadURL(rendererUrl);
  return win;
}

/** App start-up: deny every permission request, build services, register IPC, open the window. */
export async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  const services = createServices({ dataDir: join(app.getPath('userData') || homedir(), 'vlp') });
  const rendererUrl = pathToFileURL(RENDERER_INDEX).href;
  let win: BrowserWindow | null = null;
  registerIpc(services, rendererUrl, () => win);
  win = createWindow(rendererUrl);
  win.on('closed', () => {
    win = null;
  });
  app.on('window-all-closed', () => {
    void Promise.all([services.jobs.close(), services.training.close(), services.labelling.close()]).then(
      () => app.quit(),
    );
  });
}

if (process.versions.electron !== undefined && !process.env.VITEST) void main();

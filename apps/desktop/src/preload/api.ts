// The preload's API object: one function per contract call, each a single `ipcRenderer.invoke` on the
// call's channel, plus `onEvent`. Nothing else of Electron or Node reaches the page. Kept apart from
// index.ts (which only exposes it) so tests can build it around a mocked ipcRenderer.
import { channelOf, EVENT_CHANNEL } from '../shared/constants.js';
import type { AppEvent, Method, VlpApi } from '../shared/contract.js';

/**
 * The part of ipcRenderer the API uses. Web mode implements the same three functions over fetch + SSE, so
 * both transports produce the very same API object (and type).
 */
export interface Invoker {
  invoke(channel: string, args: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: AppEvent) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: AppEvent) => void): unknown;
}

/** What main's IPC handlers answer (see registerIpc) and web mode's client reproduces. */
export type Envelope = { ok: true; result: unknown } | { ok: false; status: number; error: string };

/** An error from main, with the HTTP-like status web mode would have answered. */
export class CallError extends Error {
  override readonly name = 'CallError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the API around an ipcRenderer.
 *
 * @example
 * ```ts
 * const api = createApi(ipcRenderer);
 * const view = await api.backendsReport({});
 * ```
 */
export function createApi(ipc: Invoker) {
  // Each call's result type comes from the contract (VlpApi) through `satisfies` below.
  const call =
    <M extends Method>(method: M) =>
    async (args: Parameters<VlpApi[M]>[0]): Promise<Awaited<ReturnType<VlpApi[M]>>> => {
      const reply = (await ipc.invoke(channelOf(method), args)) as Envelope;
      if (!reply.ok) throw new CallError(reply.status, reply.error);
      return reply.result as Awaited<ReturnType<VlpApi[M]>>;
    };
  const api = {
    backendsReport: call('backendsReport'),
    backendsSelect: call('backendsSelect'),
    foldersList: call('foldersList'),
    foldersChoose: call('foldersChoose'),
    foldersRemove: call('foldersRemove'),
    corpusAdd: call('corpusAdd'),
    corpusList: call('corpusList'),
    thumbnail: call('thumbnail'),
    jobsStart: call('jobsStart'),
    jobsList: call('jobsList'),
    jobsCancel: call('jobsCancel'),
    trainRecipes: call('trainRecipes'),
    trainStart: call('trainStart'),
    trainControl: call('trainControl'),
    trainList: call('trainList'),
    modelsList: call('modelsList'),
    modelsImport: call('modelsImport'),
    modelsExport: call('modelsExport'),
    labelStart: call('labelStart'),
    labelResults: call('labelResults'),
    labelCorrect: call('labelCorrect'),
    labelExport: call('labelExport'),
    labelOrganise: call('labelOrganise'),
    labelCancel: call('labelCancel'),
    labelList: call('labelList'),
    onEvent(listener: (event: AppEvent) => void): () => void {
      // The IpcRendererEvent (with its sender) never reaches the page: only the payload does.
      const wrapped = (_event: unknown, payload: AppEvent) => listener(payload);
      ipc.on(EVENT_CHANNEL, wrapped);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, wrapped);
      };
    },
  } satisfies VlpApi;
  return api;
}

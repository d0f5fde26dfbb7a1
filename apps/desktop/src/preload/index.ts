// The sandboxed preload: exposes the contract's API to the page as `window.vlp` through contextBridge.
// Bundled to one CommonJS file (dist/preload/index.cjs): a sandboxed preload may only require 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { createApi } from './api.js';

const api = createApi(ipcRenderer);
contextBridge.exposeInMainWorld('vlp', api);

/** The renderer's API type: derived from what the preload really exposes, never written by hand. */
export type PreloadApi = typeof api;

// The renderer's one way to main: the preload's `window.vlp` in Electron, or the same API object built over
// fetch + Server-Sent Events in web mode (token from the URL fragment, sent as the x-vlp-token header).
// Both are `createApi(...)` results, so the type is the preload's, derived, not kept by hand.

import { createApi, type Envelope, type Invoker } from '../preload/api.js';
import type { PreloadApi } from '../preload/index.js';
import type { AppEvent } from '../shared/contract.js';

declare global {
  interface Window {
    vlp?: PreloadApi;
  }
}

const TOKEN_KEY = 'vlp-token';

/** Reads the token from `#token=...` once, keeps it for this tab only, and removes it from the address bar. */
function takeToken(): string {
  const match = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (match?.[1] !== undefined) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null) throw new Error('No access token: open the URL vlp-desktop --web printed.');
  return token;
}

/** Reads `data:` lines of an SSE response body and hands each parsed event on. */
async function readEvents(token: string, emit: (e: AppEvent) => void): Promise<void> {
  const res = await fetch('/api/events', { headers: { 'x-vlp-token': token } });
  if (!res.ok || res.body === null) throw new Error(`event stream refused: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of block.split('\n'))
        if (line.startsWith('data: ')) emit(JSON.parse(line.slice(6)) as AppEvent);
    }
  }
}

/** An Invoker over HTTP: POST /api/<call> with JSON, and one shared SSE stream for events. */
function webInvoker(token: string): Invoker {
  const listeners = new Set<(event: unknown, payload: AppEvent) => void>();
  let streaming = false;
  return {
    async invoke(channel, args) {
      const res = await fetch(`/api/${channel.slice('vlp:'.length)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-vlp-token': token },
        body: JSON.stringify(args ?? {}),
      });
      const body = (await res.json()) as { ok: boolean; result?: unknown; error?: string };
      const envelope: Envelope = body.ok
        ? { ok: true, result: body.result }
        : { ok: false, status: res.status, error: body.error ?? res.statusText };
      return envelope;
    },
    on(_channel, listener) {
      listeners.add(listener);
      if (!streaming) {
        streaming = true;
        readEvents(token, (e) => {
          for (const l of listeners) l(null, e);
        }).catch((error: unknown) => console.error(error));
      }
    },
    removeListener(_channel, listener) {
      listeners.delete(listener);
    },
  };
}

/** The API for this page and which transport carries it. */
export function connect(): { api: PreloadApi; mode: 'electron' | 'web' } {
  if (window.vlp !== undefined) return { api: window.vlp, mode: 'electron' };
  return { api: createApi(webInvoker(takeToken())), mode: 'web' };
}

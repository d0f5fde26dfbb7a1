// The preload with a mocked `electron`: it exposes exactly the contract's calls plus onEvent as `vlp`, each
// call is one invoke on its channel, errors from main become CallErrors, and events reach the page without
// Electron's event object.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { channelOf, EVENT_CHANNEL, METHODS } from '../shared/contract.js';

const mocks = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoke: vi.fn<(channel: string, args: unknown) => Promise<unknown>>(),
  listeners: new Map<string, Set<(...a: unknown[]) => void>>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => mocks.exposed.set(key, value) },
  ipcRenderer: {
    invoke: mocks.invoke,
    on: (channel: string, l: (...a: unknown[]) => void) => {
      const set = mocks.listeners.get(channel) ?? new Set();
      set.add(l);
      mocks.listeners.set(channel, set);
    },
    removeListener: (channel: string, l: (...a: unknown[]) => void) =>
      mocks.listeners.get(channel)?.delete(l),
  },
}));

await import('./index.js');
const { CallError } = await import('./api.js');
type Api = import('./index.js').PreloadApi;
const api = mocks.exposed.get('vlp') as Api;

beforeEach(() => mocks.invoke.mockReset());

describe('preload', () => {
  it('exposes one object, `vlp`, with exactly the contract calls and onEvent', () => {
    expect([...mocks.exposed.keys()]).toEqual(['vlp']);
    expect(Object.keys(api).sort()).toEqual([...METHODS, 'onEvent'].sort());
  });

  it('maps every call 1:1 onto its IPC channel with the arguments unchanged', async () => {
    mocks.invoke.mockResolvedValue({ ok: true, result: 'r' });
    for (const method of METHODS) {
      const args = { probe: method };
      const fn = api[method] as (a: unknown) => Promise<unknown>;
      expect(await fn(args)).toBe('r');
      expect(mocks.invoke).toHaveBeenLastCalledWith(channelOf(method), args);
    }
    expect(mocks.invoke).toHaveBeenCalledTimes(METHODS.length);
  });

  it('turns an error reply into a CallError with its status', async () => {
    mocks.invoke.mockResolvedValue({ ok: false, status: 403, error: 'outside the folders you picked' });
    const err = await api.thumbnail({ path: '/etc/passwd' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect(err).toMatchObject({ status: 403, message: 'outside the folders you picked' });
  });

  it('delivers event payloads only, and unsubscribes', () => {
    const got: unknown[] = [];
    const off = api.onEvent((e) => got.push(e));
    const set = mocks.listeners.get(EVENT_CHANNEL);
    expect(set?.size).toBe(1);
    const payload = { type: 'log', level: 'info', message: 'hi' };
    for (const l of set ?? []) l({ sender: 'ipc internals' }, payload);
    expect(got).toEqual([payload]);
    off();
    expect(set?.size).toBe(0);
  });
});

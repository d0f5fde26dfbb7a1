// Web mode wired to real services: what `vlp-desktop --web` and the end-to-end test both run.
import { fileURLToPath } from 'node:url';
import { createHandlers } from '../dispatch.js';
import { createServices, type Services, type ServicesOptions } from '../services/index.js';
import { startWebServer, type WebServer } from './server.js';

/** Options for {@link startWebMode}. */
export interface WebModeOptions extends ServicesOptions {
  /** The built renderer; default dist/renderer next to this file's dist/main. */
  rendererDir?: string;
  port?: number;
  /** Folders granted at start (`--allow`). */
  allow?: string[];
}

/**
 * Services + web server. In web mode, choosing a folder grants the path the user typed: the page is only
 * reachable with the token, so whoever can type there already is the user.
 *
 * @example
 * ```ts
 * const { server } = await startWebMode({ dataDir: '/tmp/vlp' });
 * console.log(server.url);
 * ```
 */
export async function startWebMode(
  options: WebModeOptions,
): Promise<{ server: WebServer; services: Services }> {
  const services = createServices(options);
  for (const dir of options.allow ?? []) await services.folders.grant(dir);
  const handlers = createHandlers(services, async ({ path }) =>
    path === undefined ? null : services.folders.grant(path),
  );
  const server = await startWebServer({
    handlers,
    subscribe: (listener) => services.events.subscribe(listener),
    rendererDir: options.rendererDir ?? fileURLToPath(new URL('../../renderer/', import.meta.url)),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const close = server.close;
  server.close = async () => {
    await services.jobs.close();
    await services.training.close();
    await services.labelling.close();
    await close();
  };
  return { server, services };
}

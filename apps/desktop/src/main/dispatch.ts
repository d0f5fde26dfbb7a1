// One dispatcher for both transports: a call name and raw arguments in, a validated call to a service out.
// The zod schema of the call runs first (wrong types and unknown keys are a 400 before any service code
// runs); path arguments are then checked by the services against the folder allow-list.
import { z } from 'zod';
import { ApiError, ARG_SCHEMAS, type Contract, type Method } from '../shared/contract.js';
import type { Services } from './services/index.js';
import { thumbnailDataUrl } from './services/thumbnails.js';

/** Service implementations of every call, typed by the contract. */
export type Handlers = { [M in Method]: (args: Contract[M]['args']) => Promise<Contract[M]['result']> };

/**
 * Binds the contract to the services. `chooseFolder` differs by mode: Electron shows a dialog, web mode
 * grants the path the user typed.
 *
 * @example
 * ```ts
 * const handlers = createHandlers(services, async ({ path }) => (path ? services.folders.grant(path) : null));
 * ```
 */
export function createHandlers(services: Services, chooseFolder: Handlers['foldersChoose']): Handlers {
  const { backends, folders, corpus, jobs, training, models, labelling } = services;
  return {
    backendsReport: () => backends.report(),
    backendsSelect: ({ name }) => backends.select(name),
    foldersList: async () => folders.list(),
    foldersChoose: chooseFolder,
    foldersRemove: async ({ id }) => folders.revoke(id),
    corpusAdd: (args) => corpus.add(args),
    corpusList: async () => corpus.list(),
    thumbnail: async ({ path, size }) => {
      const file = await folders.resolve(path, 'file');
      const url = await thumbnailDataUrl(file, size ?? 96);
      if (url === null) throw new ApiError(400, `cannot decode ${path}`);
      return url;
    },
    jobsStart: (args) => jobs.start(args),
    jobsList: async () => jobs.list(),
    jobsCancel: ({ id }) => jobs.cancel(id),
    trainRecipes: async () => training.recipes(),
    trainStart: (args) => training.start(args),
    trainControl: (args) => training.control(args),
    trainList: async () => training.list(),
    modelsList: () => models.list(),
    modelsImport: (args) => models.import(args),
    modelsExport: (args) => models.export(args),
    labelStart: (args) => labelling.start(args),
    labelResults: ({ id }) => labelling.results(id),
    labelCorrect: (args) => labelling.correct(args),
    labelExport: (args) => labelling.export(args),
    labelOrganise: (args) => labelling.organise(args),
    labelCancel: ({ id }) => labelling.cancel(id),
    labelList: async () => labelling.list(),
  };
}

/** True for a known call name (own keys only: `__proto__` or `toString` are not calls). */
export function isMethod(name: string): name is Method {
  return Object.hasOwn(ARG_SCHEMAS, name);
}

/**
 * Validates `raw` against the call's schema and runs it.
 *
 * @throws ApiError 404 for an unknown call, 400 when the arguments do not match the schema.
 * @example
 * ```ts
 * await dispatch(handlers, 'corpusAdd', { name: 'x', kind: 'images', path: '/data/x' });
 * ```
 */
export async function dispatch(handlers: Handlers, method: string, raw: unknown): Promise<unknown> {
  if (!isMethod(method)) throw new ApiError(404, `unknown call: ${method}`);
  const parsed = ARG_SCHEMAS[method].safeParse(raw);
  if (!parsed.success)
    throw new ApiError(400, `invalid arguments for ${method}: ${z.prettifyError(parsed.error)}`);
  const handler = handlers[method] as (args: unknown) => Promise<unknown>;
  return handler(parsed.data);
}

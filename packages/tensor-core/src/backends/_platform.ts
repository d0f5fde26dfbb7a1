// Small environment facts shared by the backend candidates: are we in Node, and a require() for resolving
// optional packages without loading them. Kept free of top-level Node imports so browsers can load this file.

/** True in Node (and Electron's main process), false in browsers and renderers without Node integration. */
export function _isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Reads an environment variable in Node; undefined elsewhere or when empty. */
export function _envVar(name: string): string | undefined {
  if (!_isNode()) return undefined;
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Resolves a package's file path (Node only) without executing it; undefined when not installed. */
export async function _resolvePackageFile(specifier: string): Promise<string | undefined> {
  if (!_isNode()) return undefined;
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The message of an unknown thrown value, first line only (native errors can be long). */
export function _firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

// Internal: read a user's JSON (or JSON Lines) file and validate it with a zod schema, with errors that
// name the file, the line for JSONL, and the offending field.
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';

function _issues(e: z.ZodError): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function _text(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} ${path}: file not found`);
  return readFileSync(path, 'utf8');
}

/** Parses `path` as JSON and validates it against `schema`. */
export function _readJson<S extends z.ZodType>(path: string, schema: S, what: string): z.infer<S> {
  const text = _text(path, what);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path}: not valid JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`${what} ${path}: unexpected shape: ${_issues(r.error)}`);
  return r.data;
}

/** A JSON array, or JSON Lines (one object per non-empty line), each element validated by `schema`. */
export function _readRecords<S extends z.ZodType>(path: string, schema: S, what: string): Array<z.infer<S>> {
  const text = _text(path, what).trim();
  const out: Array<z.infer<S>> = [];
  if (text.startsWith('[')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${what} ${path}: not valid JSON (${(e as Error).message})`);
    }
    (raw as unknown[]).forEach((item, i) => {
      const r = schema.safeParse(item);
      if (!r.success) throw new Error(`${what} ${path}: record ${i}: ${_issues(r.error)}`);
      out.push(r.data);
    });
    return out;
  }
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new Error(`${what} ${path}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
    }
    const r = schema.safeParse(raw);
    if (!r.success) throw new Error(`${what} ${path}: line ${i + 1}: ${_issues(r.error)}`);
    out.push(r.data);
  });
  return out;
}

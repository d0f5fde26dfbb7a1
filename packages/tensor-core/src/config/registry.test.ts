import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigRegistry } from '@vlp/tensor-core';
import { afterEach, describe, expect, it, vi } from 'vitest';

interface Widget {
  name?: string;
  dim: number;
}

function parse(value: unknown, source: string): Widget {
  const v = value as Partial<Widget>;
  if (typeof v !== 'object' || v === null || typeof v.dim !== 'number' || v.dim <= 0) {
    throw new Error(`${source}: dim must be a positive number`);
  }
  for (const key of Object.keys(v)) {
    if (key !== 'dim' && key !== 'name') throw new Error(`${source}: unknown key "${key}"`);
  }
  return v as Widget;
}

function presetDir(files: Record<string, string>): URL {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlp-configs-'));
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return pathToFileURL(`${dir}/`);
}

describe('ConfigRegistry', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads presets from the folder, sorted, and returns copies', () => {
    const dir = presetDir({ 'b.json': '{"name": "b", "dim": 2}', 'a.json': '{"dim": 1}', 'notes.txt': 'x' });
    const reg = new ConfigRegistry({ what: 'widget', parse, dir });
    expect(reg.list()).toEqual(['a', 'b']);
    const a = reg.get('a');
    a.dim = 99;
    expect(reg.get('a').dim).toBe(1);
  });

  it('names the known configs when one is missing, and the file when a preset is bad', () => {
    const reg = new ConfigRegistry({ what: 'widget', parse, dir: presetDir({ 'a.json': '{"dim": 1}' }) });
    expect(() => reg.get('zzz')).toThrow('Unknown widget "zzz". Should be one of: a');
    const bad = new ConfigRegistry({ what: 'widget', parse, dir: presetDir({ 'x.json': '{"dim": -1}' }) });
    expect(() => bad.list()).toThrow('configs/x.json: dim must be a positive number');
    const broken = new ConfigRegistry({ what: 'widget', parse, dir: presetDir({ 'y.json': '{"dim":' }) });
    expect(() => broken.list()).toThrow(/configs\/y\.json: not valid JSON/);
    const misnamed = new ConfigRegistry({
      what: 'widget',
      parse,
      dir: presetDir({ 'z.json': '{"name":"q","dim":1}' }),
    });
    expect(() => misnamed.list()).toThrow('configs/z.json: name "q" must match the file name');
  });

  it('validates registrations, warns on replacing, and merges overrides before validating', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const reg = new ConfigRegistry({ what: 'widget', parse });
    reg.register('w', { dim: 4 });
    expect(warn).not.toHaveBeenCalled();
    reg.register('w', { dim: 5 });
    expect(warn).toHaveBeenCalledWith('widget registry: replacing "w"');
    expect(() => reg.register('v', { dim: 'x' })).toThrow('widget "v": dim must be a positive number');
    expect(reg.resolve('w', { dim: 7 }).dim).toBe(7);
    expect(() => reg.resolve('w', { depth: 2 })).toThrow('widget "w": unknown key "depth"');
    expect(reg.resolve({ dim: 3 }).dim).toBe(3);
  });
});

// The config registry: presets read from configs/*.json, validation of overrides, runtime registration.
import { Rng } from '@vlp/tensor-core';
import { useBackend } from '@vlp/tensor-core/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MICRO } from './_test-micro.js';
import { parseTextEncoderConfig } from './config.js';
import {
  createTextEncoder,
  getTextEncoderConfig,
  listTextEncoders,
  registerTextEncoderConfig,
} from './registry.js';

describe('text encoder registry', () => {
  beforeAll(() => useBackend('cpu'));

  it('lists the JSON presets with their BERT shapes', () => {
    expect(listTextEncoders()).toEqual(expect.arrayContaining(['bert-base', 'bert-small', 'bert-tiny']));
    const shape = (n: string) => {
      const c = getTextEncoderConfig(n);
      return [c.dim, c.depth, c.heads, c.mlpDim, c.maxPositions, c.vocabSize];
    };
    expect(shape('bert-tiny')).toEqual([128, 2, 2, 512, 64, 30522]);
    expect(shape('bert-small')).toEqual([512, 4, 8, 2048, 128, 30522]);
    expect(shape('bert-base')).toEqual([768, 12, 12, 3072, 512, 30522]);
  });

  it('names the known presets for an unknown one', () => {
    expect(() => getTextEncoderConfig('bert-huge')).toThrow(
      /Unknown text encoder "bert-huge". Should be one of: .*bert-base, bert-small, bert-tiny/,
    );
  });

  it('applies and validates overrides', () => {
    const enc = createTextEncoder('bert-tiny', { vocabSize: 40, depth: 1, dropout: 0 }, new Rng(0));
    expect(enc.config.depth).toBe(1);
    expect(enc.embeddings.wordEmbeddings.weight.shape).toEqual([40, 128]);
    enc.dispose();
    expect(() => createTextEncoder('bert-tiny', { heads: 3 })).toThrow(/heads: heads must divide dim/);
    expect(() => createTextEncoder('bert-tiny', { dropout: 1 })).toThrow(/dropout/);
    expect(() => parseTextEncoderConfig({ ...MICRO, extra: 1 })).toThrow(/extra|Unrecognized/);
  });

  it('builds the same weights from the same seed', async () => {
    const a = createTextEncoder(MICRO, {}, new Rng(5));
    const b = createTextEncoder(MICRO, {}, new Rng(5));
    const c = createTextEncoder(MICRO, {}, new Rng(6));
    const w = (e: typeof a) => e.embeddings.wordEmbeddings.weight.data();
    expect(await w(a)).toEqual(await w(b));
    expect(await w(a)).not.toEqual(await w(c));
    for (const e of [a, b, c]) e.dispose();
  });

  it('registers presets at run time, warning on overwrite', () => {
    registerTextEncoderConfig('micro-test', MICRO);
    expect(listTextEncoders()).toContain('micro-test');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    registerTextEncoderConfig('micro-test', { ...MICRO, depth: 2 });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('micro-test'));
    warn.mockRestore();
    expect(getTextEncoderConfig('micro-test').depth).toBe(2);
    expect(() => registerTextEncoderConfig('bad', { ...MICRO, dim: 0 })).toThrow(/dim/);
  });
});

// Registry and configs: the JSON folder is the registry; overrides are validated; parameter counts of
// the big configs are checked analytically against published numbers without allocating weights.
import { Rng } from '@vlp/tensor-core';
import { useBackend } from '@vlp/tensor-core/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CnnConfig } from './config.js';
import { countImageEncoderParameters, imageEncoderGrid } from './params.js';
import {
  createImageEncoder,
  getImageEncoderConfig,
  listImageEncoders,
  registerImageEncoderConfig,
} from './registry.js';

beforeAll(() => useBackend('cpu'));
afterEach(() => {
  vi.restoreAllMocks();
});

describe('registry', () => {
  it('lists every JSON config, tiny / small / base for both families', () => {
    const names = listImageEncoders();
    for (const n of ['vit-tiny', 'vit-small', 'vit-base', 'resnet-tiny', 'resnet-small', 'resnet-base']) {
      expect(names).toContain(n);
    }
    expect(getImageEncoderConfig('vit-tiny')).toMatchObject({
      kind: 'vit',
      mlpRatio: 2,
      normalization: 'clip',
    });
    expect(getImageEncoderConfig('resnet-tiny')).toMatchObject({ kind: 'cnn', bnMomentum: 0.1, bnEps: 1e-5 });
  });

  it('names the alternatives for an unknown encoder', () => {
    expect(() => getImageEncoderConfig('vit-huge')).toThrow(
      /Unknown image encoder "vit-huge". Should be one of: .*vit-tiny/,
    );
  });

  it('validates overrides after merging and reports every problem', () => {
    expect(() => createImageEncoder('vit-tiny', { heads: 3 })).toThrow(/dim must be divisible by heads/);
    expect(() => createImageEncoder('vit-tiny', { patchSize: 5 })).toThrow(/multiple of patchSize/);
    expect(() => createImageEncoder('resnet-tiny', { patchSize: 8 })).toThrow(/patchSize/);
    expect(() => createImageEncoder('resnet-tiny', { depths: [1, 1] })).toThrow(/equal length/);
    expect(() => createImageEncoder({ kind: 'mlp' } as never)).toThrow(/"kind" must be "vit" or "cnn"/);
  });

  it('registers configs at run time and warns when replacing one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const cfg = {
      kind: 'vit',
      name: 'vit-micro-test',
      imageSize: 16,
      patchSize: 8,
      dim: 8,
      depth: 1,
      heads: 2,
    } as const;
    registerImageEncoderConfig(cfg);
    expect(warn).not.toHaveBeenCalled();
    registerImageEncoderConfig({ ...cfg, depth: 2 });
    expect(warn).toHaveBeenCalledWith('image encoder registry: replacing "vit-micro-test"');
    const enc = createImageEncoder('vit-micro-test', {}, new Rng(0));
    expect(enc.numParameters()).toBe(countImageEncoderParameters(getImageEncoderConfig('vit-micro-test')));
    enc.dispose();
  });

  it('returns copies: editing a fetched config changes nothing', () => {
    const cfg = getImageEncoderConfig('resnet-tiny') as CnnConfig;
    cfg.widths.push(1);
    expect((getImageEncoderConfig('resnet-tiny') as CnnConfig).widths).toEqual([16, 32, 64]);
  });
});

describe('analytic sizes of the big configs (no weights allocated)', () => {
  it('vit-base is ViT-B/16: 85,798,656 parameters (timm vit_base_patch16_224, num_classes=0)', () => {
    expect(countImageEncoderParameters(getImageEncoderConfig('vit-base'))).toBe(85_798_656);
    expect(imageEncoderGrid(getImageEncoderConfig('vit-base'))).toEqual({
      height: 14,
      width: 14,
      tokens: 196,
    });
    expect(imageEncoderGrid(getImageEncoderConfig('vit-base'), 384).tokens).toBe(576);
  });

  it('resnet-base is a ResNet-50 backbone (torchvision 25,557,032 minus the 2,049,000 fc) + projection', () => {
    const proj = 2048 * 768 + 768 + 2 * 768;
    expect(countImageEncoderParameters(getImageEncoderConfig('resnet-base'))).toBe(23_508_032 + proj);
    expect(imageEncoderGrid(getImageEncoderConfig('resnet-base'))).toEqual({
      height: 7,
      width: 7,
      tokens: 49,
    });
  });

  it('resnet-small is a ResNet-18 backbone (torchvision 11,689,512 minus the 513,000 fc) + projection', () => {
    const proj = 512 * 384 + 384 + 2 * 384;
    expect(countImageEncoderParameters(getImageEncoderConfig('resnet-small'))).toBe(11_176_512 + proj);
  });

  it('vit-small: hand count', () => {
    const d = 384;
    const block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d);
    const expected = 16 * 16 * 3 * d + d + d + 65 * d + 6 * block + 2 * d;
    expect(countImageEncoderParameters(getImageEncoderConfig('vit-small'))).toBe(expected);
  });
});

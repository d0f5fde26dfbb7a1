// Batch loading: good images kept in order, every bad one reported, bounded concurrency, NHWC tensors.
import '@tensorflow/tfjs-backend-cpu';
import { rm } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../_test-fixtures.js';
import { loadImageBatch, loadImages, mapWithConcurrency } from './batch.js';
import { NORMALIZATIONS } from './normalize.js';

let fx: Fixtures;
beforeAll(async () => {
  await tf.setBackend('cpu');
  fx = await makeFixtures(9); // port 9 (discard): the SVG fixtures' refs are stripped anyway
});
afterAll(async () => {
  await rm(fx.dir, { recursive: true, force: true });
});

const f = (name: string): string => fx.files[name] as string;

describe('mapWithConcurrency', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      for (let i = 0; i < x; i++) await Promise.resolve();
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });

  it('rejects a non-positive limit', async () => {
    await expect(mapWithConcurrency([1], 0, async (x) => x)).rejects.toThrow(RangeError);
  });
});

describe('loadImages / loadImageBatch', () => {
  const names = [
    'image.webp',
    'empty.jpg',
    'oriented.jpg',
    'truncated.jpg',
    'bomb.png',
    'alpha.png',
    'missing.jpg',
    'random.jpg',
    'shape.svg',
    'cmyk.jpg',
  ];

  it('returns the good images in input order and a reason for every bad one', async () => {
    const paths = names.map(f);
    const r = await loadImages([...paths, new Uint8Array([1, 2, 3])], { imageSize: 16, concurrency: 2 });
    expect(r.indices).toEqual([0, 2, 5, 8, 9]);
    expect(r.paths).toEqual([0, 2, 5, 8, 9].map((i) => paths[i]));
    expect(r.images.every((im) => im.width === 16 && im.height === 16 && im.data.length === 768)).toBe(true);
    expect(r.skipped.map((s) => [s.path, s.reason])).toEqual([
      [f('empty.jpg'), 'empty-file'],
      [f('truncated.jpg'), 'truncated'],
      [f('bomb.png'), 'too-large'],
      [f('missing.jpg'), 'not-found'],
      [f('random.jpg'), 'unsupported-format'],
      ['<buffer #10>', 'unsupported-format'],
    ]);
    expect(r.skipped.every((s) => s.message.length > 0)).toBe(true);
  });

  it('stacks a normalised float32 NHWC batch and creates no other tensors', async () => {
    const before = tf.memory().numTensors;
    const batch = await loadImageBatch(names.map(f), {
      imageSize: 8,
      resize: 'pad',
      normalization: 'imagenet',
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    const pixels = batch.pixels as tf.Tensor4D;
    expect(pixels.shape).toEqual([5, 8, 8, 3]);
    expect(pixels.dtype).toBe('float32');
    expect(batch.skipped).toHaveLength(5);
    // image 2 in the batch is alpha.png; its top-left is transparent -> white -> (1 - mean) / std.
    const corner = tf.slice(pixels, [2, 0, 0, 0], [1, 1, 1, 3]);
    const v = (await corner.data()) as Float32Array;
    const { mean, std } = NORMALIZATIONS.imagenet;
    v.forEach((x, c) => {
      expect(x).toBeCloseTo((1 - (mean[c] as number)) / (std[c] as number), 5);
    });
    tf.dispose([pixels, corner]);
  });

  it('gives pixels null when nothing decodes', async () => {
    const batch = await loadImageBatch([f('empty.jpg')], { imageSize: 8 });
    expect(batch.pixels).toBeNull();
    expect(batch.skipped).toEqual([{ path: f('empty.jpg'), reason: 'empty-file', message: 'zero bytes' }]);
  });

  it('still throws for programming errors', async () => {
    await expect(loadImages([f('image.webp')], { imageSize: -1 })).rejects.toThrow(RangeError);
  });
});

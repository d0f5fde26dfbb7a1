// Backend selection: name validation, VLP_BACKEND, 'auto' order (software WebGPU skipped), fallback when an
// activation fails, the error for a requested-but-missing backend, and the report table.
import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_NAMES,
  type BackendName,
  backendReport,
  formatBackendReport,
  parseBackendName,
  registerBackendCandidate,
  releaseBackends,
  selectBackend,
} from '@vlp/tensor-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { _resolveTestBackends } from '../testing/backends.js';
import { ortCandidate } from './ort/candidate.js';
import { _describeAdapter } from './webgpu.js';

const UNSUPPORTED = 'Unsupported backend "x". Should be one of: tensorflow, webgpu, ort, wasm, cpu';

afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(() => releaseBackends());

describe('selectBackend', () => {
  it('rejects unknown names with the list of valid ones', async () => {
    expect(() => parseBackendName('x')).toThrow(UNSUPPORTED);
    await expect(selectBackend('x' as BackendName)).rejects.toThrow(UNSUPPORTED);
    expect(parseBackendName(' WASM ')).toBe('wasm');
  });

  it('activates the requested backend and registers gradients', async () => {
    const selected = await selectBackend('cpu');
    expect(selected).toMatchObject({ name: 'cpu', tfjsName: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2]));
    expect(Array.from(await dx.data())).toEqual([2, -4]);
  });

  it('lets VLP_BACKEND force a choice, unless the caller opts out', async () => {
    vi.stubEnv('VLP_BACKEND', 'wasm');
    expect((await selectBackend('cpu')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect((await selectBackend('cpu', { respectEnv: false })).name).toBe('cpu');
    vi.stubEnv('VLP_BACKEND', 'tensorflow,cpu');
    expect((await selectBackend()).name).toBe('cpu');
    vi.stubEnv('VLP_BACKEND', 'x');
    await expect(selectBackend()).rejects.toThrow(UNSUPPORTED);
    expect(formatBackendReport(await backendReport())).toContain(`VLP_BACKEND=x is invalid: ${UNSUPPORTED}`);
  });

  it('names the reason and the available backends when a requested one is missing', async () => {
    const report = await backendReport();
    const available = report.probes.filter((p) => p.available).map((p) => p.name);
    const error = await selectBackend('tensorflow').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `Backend "tensorflow" unavailable (tensorflow: tfjs-node-gpu not installed (npm i @tensorflow/tfjs-node-gpu)). ` +
        `Available backends: ${available.join(', ')}`,
    );
    expect(available).toEqual(expect.arrayContaining(['wasm', 'cpu']));
  });

  it("'auto' picks what the report says, never a software WebGPU adapter", async () => {
    const report = await backendReport();
    const webgpu = report.probes.find((p) => p.name === 'webgpu');
    const selected = await selectBackend('auto');
    expect(selected.name).toBe(report.auto);
    if (webgpu?.autoSelect === false) expect(selected.name).not.toBe('webgpu');
    expect(selected.probes[0]?.name).toBe('tensorflow'); // the walk starts at the top of the order
  });

  it("'auto' moves on when activation fails; a named request reports it", async () => {
    const broken = {
      ...ortCandidate,
      probe: async () => ({ name: 'ort' as const, available: true }),
      activate: async () => {
        throw new Error('binding exploded');
      },
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    registerBackendCandidate(broken);
    try {
      const selected = await selectBackend('auto');
      expect(selected.probes.find((p) => p.name === 'ort')).toEqual({
        name: 'ort',
        available: false,
        reason: 'activation failed: binding exploded',
      });
      expect(selected.name).not.toBe('ort');
      await expect(selectBackend('ort')).rejects.toThrow('(ort: activation failed: binding exploded)');
      expect(warn).toHaveBeenCalledWith('vlp: replacing the "ort" backend candidate');
    } finally {
      registerBackendCandidate(ortCandidate);
      warn.mockRestore();
    }
  });
});

describe('backendReport', () => {
  it('probes all five backends and explains every missing one', async () => {
    const report = await backendReport();
    expect(report.probes.map((p) => p.name)).toEqual([...BACKEND_NAMES]);
    for (const p of report.probes) if (!p.available) expect(p.reason).toBeTruthy();
    const text = formatBackendReport(report);
    expect(text.split('\n')[0]).toMatch(/^backend\s+status\s+details$/);
    expect(text).toMatch(/^cpu\s+available\s+pure JavaScript$/m);
    expect(text).toMatch(/^tensorflow\s+missing\s+tfjs-node-gpu not installed/m);
  });

  it('marks software adapters as not auto-selectable', () => {
    const adapter = (info: Record<string, unknown>) => ({ info }) as unknown as GPUAdapter;
    expect(_describeAdapter(adapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15)' })).software).toBe(true);
    expect(_describeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader' })).software).toBe(true);
    expect(_describeAdapter(adapter({ vendor: 'x', isFallbackAdapter: true })).detail).toMatch(
      /fallback adapter/,
    );
    const nvidia = _describeAdapter(
      adapter({ vendor: 'nvidia', architecture: 'ampere', description: 'RTX 3090' }),
    );
    expect(nvidia).toEqual({ detail: 'nvidia ampere RTX 3090 (hardware adapter)', software: false });
  });
});

describe('test matrix', () => {
  it('honours VLP_TEST_BACKENDS and fails loudly on a missing one', async () => {
    expect(await _resolveTestBackends('wasm,cpu')).toEqual(['wasm', 'cpu']);
    await expect(_resolveTestBackends('cpu,tensorflow')).rejects.toThrow(
      /VLP_TEST_BACKENDS=cpu,tensorflow asks for backends that are unavailable here \(tensorflow: tfjs-node-gpu/,
    );
    const defaults = await _resolveTestBackends(undefined);
    expect(defaults).toEqual(expect.arrayContaining(['wasm', 'cpu']));
    expect(defaults).not.toContain('tensorflow');
  });
});

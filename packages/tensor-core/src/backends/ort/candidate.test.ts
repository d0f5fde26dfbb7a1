import { describe, expect, it } from 'vitest';
import { loadOrtRuntime, type NativeSessionOptions } from './_binding.js';
import { OrtRunner } from './_runner.js';
import { ortCandidate } from './candidate.js';
import { ortThreads } from './register.js';

describe('ort candidate', () => {
  it('probes available with the pinned version and thread count', async () => {
    const p = await ortCandidate.probe();
    expect(p).toMatchObject({ name: 'ort', available: true });
    expect(p.detail).toContain('onnxruntime-node 1.30.0');
    expect(ortCandidate.tfjsName).toBe('vlp-ort');
  });
  it('threads: option, then VLP_ORT_THREADS, then the available cores', () => {
    const saved = process.env.VLP_ORT_THREADS;
    try {
      process.env.VLP_ORT_THREADS = '3';
      expect(ortThreads()).toBe(3);
      expect(ortThreads(1)).toBe(1);
      process.env.VLP_ORT_THREADS = 'x';
      expect(ortThreads()).toBeGreaterThanOrEqual(1);
    } finally {
      if (saved === undefined) delete process.env.VLP_ORT_THREADS;
      else process.env.VLP_ORT_THREADS = saved;
    }
  });
  it('keeps at most maxSessions sessions, least recently used out first', () => {
    const { runtime } = loadOrtRuntime();
    const runner = new OrtRunner(runtime!, { threads: 1, spin: false, arena: false, maxSessions: 2 });
    const spec = () => ({
      inputs: [{ name: 'x', rank: 1 }],
      outputs: [{ name: 'y', rank: 1 }],
      nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }],
    });
    const run = (key: string) =>
      Array.from(
        runner.run(
          key,
          spec,
          [{ data: new Float32Array([1, -2]), shape: [2] }],
          [{ shape: [2] }],
        )[0] as Float32Array,
      );
    expect(run('a')).toEqual([-1, 2]);
    run('b');
    run('a'); // a is now the most recent
    run('c'); // evicts b
    expect(runner.sessionCount).toBe(2);
    expect(runner.built).toBe(3);
    run('a');
    expect(runner.built).toBe(3);
    run('b');
    expect(runner.built).toBe(4);
    runner.dispose();
  });
  it("passes a graph's memPattern to its session (default on) and runs the same either way", () => {
    const { runtime } = loadOrtRuntime();
    const seen: (boolean | undefined)[] = [];
    const spy = {
      ...runtime!,
      createSession: (model: Uint8Array, o: NativeSessionOptions) => {
        seen.push(o.memPattern);
        return runtime!.createSession(model, o);
      },
    };
    const runner = new OrtRunner(spy, { threads: 1, spin: false, arena: false, maxSessions: 4 });
    const spec = (memPattern?: boolean) => () => ({
      inputs: [{ name: 'x', rank: 1 }],
      outputs: [{ name: 'y', rank: 1 }],
      nodes: [
        { op: 'Neg', inputs: ['x'], outputs: ['n'] },
        { op: 'Mul', inputs: ['n', 'x'], outputs: ['y'] },
      ],
      ...(memPattern === undefined ? {} : { memPattern }),
    });
    const run = (key: string, memPattern?: boolean) =>
      Array.from(
        runner.run(
          key,
          spec(memPattern),
          [{ data: new Float32Array([1, -2, 3]), shape: [3] }],
          [{ shape: [3] }],
        )[0] as Float32Array,
      );
    expect(run('default')).toEqual([-1, -4, -9]);
    expect(run('off', false)).toEqual([-1, -4, -9]);
    expect(seen).toEqual([true, false]);
    runner.dispose();
  });
});

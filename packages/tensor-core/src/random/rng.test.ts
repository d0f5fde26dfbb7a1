import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('matches the xoshiro128** reference outputs for state [1, 2, 3, 4]', () => {
    const rng = Rng.fromState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4], spareNormal: null });
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      11520, 0, 5927040, 70819200,
    ]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const sa = Array.from({ length: 8 }, () => a.uniform());
    expect(Array.from({ length: 8 }, () => b.uniform())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.uniform())).not.toEqual(sa);
    expect(new Rng(2 ** 40).nextUint32()).not.toBe(new Rng(0).nextUint32());
  });

  it('draws uniforms in [0, 1) and normals with the right moments', () => {
    const rng = new Rng(7);
    const n = 50_000;
    let su = 0;
    let minU = 1;
    let maxU = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      su += u;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      const z = rng.normal(1, 2);
      sn += z;
      sn2 += z * z;
    }
    expect(minU).toBeGreaterThanOrEqual(0);
    expect(maxU).toBeLessThan(1);
    expect(su / n).toBeCloseTo(0.5, 2);
    const mean = sn / n;
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.sqrt(sn2 / n - mean * mean)).toBeCloseTo(2, 1);
  });

  it('int(n) covers [0, n) evenly and rejects bad n', () => {
    const rng = new Rng(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const k = rng.int(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(/integer/);
    expect(() => rng.int(1.5)).toThrow(/integer/);
  });

  it('shuffles into a deterministic permutation', () => {
    const a = new Rng(9).shuffle([...Array(20).keys()]);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(new Rng(9).shuffle([...Array(20).keys()])).toEqual(a);
    expect(a).not.toEqual([...Array(20).keys()]);
  });

  it('fork gives independent, reproducible streams without advancing the parent', () => {
    const root = new Rng(1);
    const before = root.getState();
    const a1 = root.fork('a');
    const a2 = root.fork('a');
    const b = root.fork('b');
    expect(root.getState()).toEqual(before);
    const seq = (r: Rng) => Array.from({ length: 6 }, () => r.nextUint32());
    const sa = seq(a1);
    expect(seq(a2)).toEqual(sa);
    expect(seq(b)).not.toEqual(sa);
    expect(seq(root)).not.toEqual(sa);
    // Forks are decorrelated: the fraction of equal bits between two fork streams is ~1/2.
    const x = root.fork('x');
    const y = root.fork('y');
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      let v = ~(x.nextUint32() ^ y.nextUint32()) >>> 0;
      while (v) {
        same += v & 1;
        v >>>= 1;
      }
    }
    expect(same / (2000 * 32)).toBeCloseTo(0.5, 1);
  });

  it('getState/setState round-trips through JSON, spare normal included', () => {
    const rng = new Rng(5);
    rng.normal(); // leaves a spare
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const next = [rng.normal(), rng.normal(), rng.uniform(), rng.int(1000)];
    const restored = new Rng(0);
    restored.setState(saved);
    expect([restored.normal(), restored.normal(), restored.uniform(), restored.int(1000)]).toEqual(next);
  });

  it('rejects corrupt states', () => {
    const rng = new Rng(0);
    expect(() => rng.setState({ algorithm: 'xoshiro128**', s: [0, 0, 0, 0], spareNormal: null })).toThrow(
      /zero/,
    );
    expect(() => rng.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3, -1], spareNormal: null })).toThrow(
      /uint32/,
    );
    expect(() =>
      rng.setState(JSON.parse('{"algorithm":"mt19937","s":[1,2,3,4],"spareNormal":null}')),
    ).toThrow(/algorithm/);
  });
});

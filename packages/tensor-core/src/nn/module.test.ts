import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../backends/index.js';
import { init } from '../random/index.js';
import { Rng } from '../random/rng.js';
import { layerBackends, useBackend, values } from './_test-helpers.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module, ModuleList } from './module.js';

class Block extends Module {
  readonly norm: LayerNorm;
  readonly fc: Linear;
  readonly drop: Dropout;
  readonly stat: tf.Variable;
  constructor(rng: Rng) {
    super();
    this.norm = this.registerModule('norm', new LayerNorm(3));
    this.fc = this.registerModule('fc', new Linear(3, 2, { rng }));
    this.drop = this.registerModule('drop', new Dropout(0.5, rng));
    this.stat = this.registerBuffer('stat', init.zeros([2]));
  }
}

class Net extends Module {
  readonly scale: tf.Variable;
  readonly blocks: ModuleList<Block>;
  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.scale = this.registerParameter('scale', init.ones([1]));
    this.blocks = this.registerModule('blocks', new ModuleList([new Block(rng), new Block(rng)]));
  }
}

function moduleSuite(backend: BackendName): void {
  describe(`Module [${backend}]`, () => {
    beforeAll(() => useBackend(backend));
    const live: Module[] = [];
    afterEach(() => {
      for (const m of live.splice(0)) m.dispose();
    });
    const make = (seed: number) => {
      const n = new Net(seed);
      live.push(n);
      return n;
    };

    it('names parameters and buffers with dotted paths in a stable order', () => {
      const net = make(0);
      expect(net.namedParameters().map(([n]) => n)).toEqual([
        'scale',
        'blocks.0.norm.weight',
        'blocks.0.norm.bias',
        'blocks.0.fc.weight',
        'blocks.0.fc.bias',
        'blocks.1.norm.weight',
        'blocks.1.norm.bias',
        'blocks.1.fc.weight',
        'blocks.1.fc.bias',
      ]);
      expect(net.namedBuffers().map(([n]) => n)).toEqual(['blocks.0.stat', 'blocks.1.stat']);
      expect(Object.keys(net.stateDict())).toEqual([
        // As torch: own parameters, own buffers, then each child.
        'scale',
        'blocks.0.stat',
        'blocks.0.norm.weight',
        'blocks.0.norm.bias',
        'blocks.0.fc.weight',
        'blocks.0.fc.bias',
        'blocks.1.stat',
        'blocks.1.norm.weight',
        'blocks.1.norm.bias',
        'blocks.1.fc.weight',
        'blocks.1.fc.bias',
      ]);
      expect(net.numParameters()).toBe(1 + 2 * (3 + 3 + 6 + 2));
      expect(net.blocks.length).toBe(2);
      expect(net.namedModules().map(([n]) => n)).toContain('blocks.1.drop');
      expect(() => net.blocks.get(2)).toThrow(/out of range/);
    });

    it('lets any number of instances coexist (unique engine variable names)', () => {
      const a = make(0);
      const b = make(0);
      const names = new Set([...a.parameters(), ...b.parameters()].map((v) => v.name));
      expect(names.size).toBe(2 * a.parameters().length);
    });

    it('rejects duplicate and dotted local names', () => {
      class Bad extends Module {
        constructor(kind: 'dup' | 'dot') {
          super();
          this.registerParameter('w', init.zeros([1]));
          if (kind === 'dup') this.registerBuffer('w', init.zeros([1]));
          else this.registerParameter('a.b', init.zeros([1]));
        }
      }
      const before = tf.memory().numTensors;
      expect(() => new Bad('dup')).toThrow(/already registered/);
      expect(() => new Bad('dot')).toThrow(/no '\.'/);
      // The successfully registered 'w' of each failed construction stays alive; nothing else leaks.
      expect(tf.memory().numTensors - before).toBe(2);
    });

    it('round-trips a state dict between two differently seeded models', async () => {
      const a = make(1);
      const b = make(2);
      expect(await values(a.blocks.get(0).fc.weight)).not.toEqual(await values(b.blocks.get(0).fc.weight));
      a.blocks.get(1).stat.assign(tf.tensor1d([3, 4]));
      b.loadStateDict(a.stateDict());
      for (const [name, t] of Object.entries(a.stateDict())) {
        expect(await values(b.stateDict()[name] as tf.Tensor)).toEqual(await values(t));
      }
      // Copy-on-write: updating a afterwards leaves b's values alone.
      a.scale.assign(tf.tensor1d([7]));
      expect(await values(b.scale)).toEqual([1]);
    });

    it('reports missing, unexpected and mis-shaped keys clearly', () => {
      const a = make(0);
      const sd = { ...a.stateDict() };
      delete sd['blocks.1.fc.bias'];
      const extra = tf.zeros([5]);
      sd.extra = extra;
      expect(() => a.loadStateDict(sd)).toThrow(/missing key 'blocks\.1\.fc\.bias' \(model shape \[2\]\)/);
      expect(() => a.loadStateDict(sd)).toThrow(/unexpected key 'extra' \(shape \[5\]\)/);
      const res = a.loadStateDict(sd, { strict: false });
      expect(res).toEqual({ missingKeys: ['blocks.1.fc.bias'], unexpectedKeys: ['extra'] });
      const wrong = tf.zeros([2, 3]);
      expect(() =>
        a.loadStateDict({ ...a.stateDict(), 'blocks.0.fc.weight': wrong }, { strict: false }),
      ).toThrow(/shape mismatch for 'blocks\.0\.fc\.weight': checkpoint \[2, 3\], model \[3, 2\]/);
      tf.dispose([extra, wrong]);
    });

    it('validates before writing and casts dtypes', async () => {
      const a = make(0);
      const w0 = await values(a.blocks.get(0).fc.weight);
      const good = tf.ones([3, 2]);
      const bad = tf.zeros([7]);
      expect(() => a.loadStateDict({ 'blocks.0.fc.weight': good, scale: bad }, { strict: false })).toThrow(
        /scale/,
      );
      expect(await values(a.blocks.get(0).fc.weight)).toEqual(w0);
      const intScale = tf.tensor1d([3], 'int32');
      a.loadStateDict({ scale: intScale }, { strict: false });
      expect(a.scale.dtype).toBe('float32');
      expect(await values(a.scale)).toEqual([3]);
      tf.dispose([good, bad, intScale]);
    });

    it('propagates train/eval and freezes with requiresGrad', () => {
      const a = make(0);
      expect(a.blocks.get(1).drop.training).toBe(true);
      a.eval();
      expect(a.blocks.get(1).drop.training).toBe(false);
      a.train();
      expect(a.blocks.get(0).norm.training).toBe(true);
      a.blocks.get(0).requiresGrad(false);
      expect(a.namedParameters().length).toBe(5);
      expect(a.namedParameters({ includeFrozen: true }).length).toBe(9);
      expect(a.numParameters({ trainableOnly: true })).toBe(1 + 14);
      a.requiresGrad(true);
      expect(a.namedParameters().length).toBe(9);
    });

    it('lists shared children once and frees everything on dispose', () => {
      const before = tf.memory().numTensors;
      const shared = new Linear(2, 2, { rng: new Rng(0) });
      class Tied extends Module {
        constructor() {
          super();
          this.registerModule('a', shared);
          this.registerModule('b', shared);
        }
      }
      const t = new Tied();
      expect(t.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
      expect(Object.keys(t.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
      t.dispose();
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

for (const backend of await layerBackends()) moduleSuite(backend);

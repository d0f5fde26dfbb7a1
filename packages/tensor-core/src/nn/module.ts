// The module system: a tree of Modules owning tf.Variables, addressed by dotted names
// (`blocks.0.attn.qkv.weight`) like torch.nn.Module, so checkpoints, optimisers and momentum copies can
// walk parameters by name. Parameters are trainable tf.Variables; buffers are non-trainable tf.Variables
// (BatchNorm running stats, an EMA-updated codebook) that live in the state dict but get no gradient.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Options for {@link Module.registerParameter}.
 * @example
 * ```ts
 * this.registerParameter('pos', init.zeros([1, 16, 64]), { trainable: false } satisfies ParameterOptions);
 * ```
 */
export interface ParameterOptions {
  /** Whether tf.variableGrads / optimisers see it. Default true. */
  trainable?: boolean;
}

/**
 * Options for {@link Module.loadStateDict}.
 * @example
 * ```ts
 * model.loadStateDict(sd, { strict: false } satisfies LoadStateDictOptions);
 * ```
 */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (shape mismatches always throw). Default true. */
  strict?: boolean;
}

/**
 * What a non-strict {@link Module.loadStateDict} skipped.
 * @example
 * ```ts
 * const { missingKeys, unexpectedKeys }: LoadStateDictResult = model.loadStateDict(sd, { strict: false });
 * ```
 */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Options for walking parameters.
 * @example
 * ```ts
 * const all = model.namedParameters({ includeFrozen: true } satisfies ParameterQuery);
 * ```
 */
export interface ParameterQuery {
  /** Also list parameters whose variable is currently not trainable (frozen). Default false. */
  includeFrozen?: boolean;
}

let _nextModuleId = 0;

function _checkLocalName(kind: string, name: string): void {
  if (name.length === 0 || name.includes('.')) {
    throw new Error(`${kind} name '${name}' must be non-empty and contain no '.'`);
  }
}

/**
 * Base class of every layer and model. Subclasses register their state in the constructor and implement
 * a `forward(...)` with whatever signature fits; the tree gives dotted names, state dicts and train/eval.
 *
 * Variable names in the tfjs engine are generated (`vlp/<Class>#<id>/<name>`) so any number of model
 * instances can coexist; the dotted names from `namedParameters()` are the stable, user-facing ones.
 *
 * @example
 * ```ts
 * class Affine extends Module {
 *   readonly scale: tf.Variable;
 *   constructor(dim: number) {
 *     super();
 *     this.scale = this.registerParameter('scale', init.ones([dim]));
 *   }
 *   forward(x: tf.Tensor): tf.Tensor {
 *     return tf.mul(x, this.scale);
 *   }
 * }
 * const m = new Affine(4);
 * m.namedParameters(); // [['scale', Variable]]
 * m.dispose();
 * ```
 */
export abstract class Module {
  /** Training mode: dropout active, BatchNorm uses batch statistics. Set with `train()` / `eval()`. */
  training = true;
  private readonly _params = new Map<string, tf.Variable>();
  private readonly _buffers = new Map<string, tf.Variable>();
  private readonly _children = new Map<string, Module>();
  private readonly _uid = _nextModuleId++;
  private _disposed = false;

  private _assertFree(name: string): void {
    if (this._params.has(name) || this._buffers.has(name) || this._children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    }
  }

  private _variableName(name: string): string {
    return `vlp/${this.constructor.name}#${this._uid}/${name}`;
  }

  /** Turns `tensor` into a variable, disposing the tensor handle (also when the name is rejected). */
  private _adopt(kind: string, name: string, tensor: tf.Tensor, trainable: boolean): tf.Variable {
    const owned = !(tensor instanceof tf.Variable);
    try {
      _checkLocalName(kind, name);
      this._assertFree(name);
      return tf.variable(tensor, trainable, this._variableName(name));
    } finally {
      if (owned) tensor.dispose();
    }
  }

  /**
   * Registers a parameter and returns its tf.Variable. Takes ownership of `tensor`: its data becomes the
   * variable's and the tensor handle itself is disposed (a tf.Variable passed in is left alone; the new
   * variable shares its data copy-on-write).
   * @example
   * ```ts
   * this.weight = this.registerParameter('weight', init.truncNormal(rng, [inF, outF], 0.02));
   * ```
   */
  protected registerParameter(name: string, tensor: tf.Tensor, opts: ParameterOptions = {}): tf.Variable {
    const v = this._adopt('Parameter', name, tensor, opts.trainable ?? true);
    this._params.set(name, v);
    return v;
  }

  /**
   * Registers non-trainable state that belongs in the state dict (running statistics, EMA codebooks).
   * Update it in place with `buffer.assign(newValue)`. Takes ownership of `tensor` like registerParameter.
   * @example
   * ```ts
   * this.runningMean = this.registerBuffer('running_mean', init.zeros([c]));
   * ```
   */
  protected registerBuffer(name: string, tensor: tf.Tensor): tf.Variable {
    const v = this._adopt('Buffer', name, tensor, false);
    this._buffers.set(name, v);
    return v;
  }

  /**
   * Registers a child module under `name`; returns it for assignment to a field.
   * @example
   * ```ts
   * this.norm = this.registerModule('norm', new LayerNorm(dim));
   * ```
   */
  protected registerModule<M extends Module>(name: string, module: M): M {
    _checkLocalName('Module', name);
    this._assertFree(name);
    if (module === (this as Module)) throw new Error(`${this.constructor.name}: cannot register itself`);
    this._children.set(name, module);
    return module;
  }

  /**
   * Direct children in registration order.
   * @example
   * ```ts
   * for (const [name, child] of block.namedChildren()) console.log(name, child.constructor.name);
   * ```
   */
  namedChildren(): Array<[string, Module]> {
    return [...this._children.entries()];
  }

  /**
   * This module ('' prefix) and all descendants, depth first, with dotted names.
   * @example
   * ```ts
   * const norms = model.namedModules().filter(([, m]) => m instanceof LayerNorm);
   * ```
   */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this._children) {
      out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`));
    }
    return out;
  }

  private _walk(
    prefix: string,
    visit: (name: string, v: tf.Variable, kind: 'param' | 'buffer') => void,
  ): void {
    const full = (n: string) => (prefix === '' ? n : `${prefix}.${n}`);
    for (const [n, v] of this._params) visit(full(n), v, 'param');
    for (const [n, v] of this._buffers) visit(full(n), v, 'buffer');
    for (const [n, child] of this._children) child._walk(full(n), visit);
  }

  /**
   * Parameters with dotted names in a stable order (own parameters in registration order, then each
   * child's). Only currently trainable ones unless `includeFrozen`. Shared variables appear once.
   * @example
   * ```ts
   * const names = model.namedParameters().map(([n]) => n); // ['blocks.0.norm1.weight', ...]
   * ```
   */
  namedParameters(opts: ParameterQuery = {}): Array<[string, tf.Variable]> {
    const seen = new Set<tf.Variable>();
    const out: Array<[string, tf.Variable]> = [];
    this._walk('', (name, v, kind) => {
      if (kind !== 'param' || seen.has(v) || (!v.trainable && !opts.includeFrozen)) return;
      seen.add(v);
      out.push([name, v]);
    });
    return out;
  }

  /**
   * The parameter variables of {@link Module.namedParameters}, e.g. the var list for tf.variableGrads.
   * @example
   * ```ts
   * const { value, grads } = tf.variableGrads(() => loss(model), model.parameters());
   * ```
   */
  parameters(opts: ParameterQuery = {}): tf.Variable[] {
    return this.namedParameters(opts).map(([, v]) => v);
  }

  /**
   * Buffers with dotted names, stable order; shared buffers appear once.
   * @example
   * ```ts
   * model.namedBuffers(); // [['bn.running_mean', Variable], ['bn.running_var', Variable]]
   * ```
   */
  namedBuffers(): Array<[string, tf.Variable]> {
    const seen = new Set<tf.Variable>();
    const out: Array<[string, tf.Variable]> = [];
    this._walk('', (name, v, kind) => {
      if (kind !== 'buffer' || seen.has(v)) return;
      seen.add(v);
      out.push([name, v]);
    });
    return out;
  }

  /**
   * Every parameter (trainable or frozen) and buffer by dotted name. The values are the live variables,
   * not copies: do not dispose them; read or serialise them.
   * @example
   * ```ts
   * const sd = model.stateDict();
   * other.loadStateDict(sd);
   * ```
   */
  stateDict(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this._walk('', (name, v) => {
      out[name] = v;
    });
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers. Everything is validated before anything is
   * written: shape mismatches always throw (naming the key and both shapes); missing and unexpected keys
   * throw when `strict` (the default) and are reported otherwise. Values are cast to the variable's
   * dtype. The caller keeps ownership of `sd`'s tensors (variables share their data, copy-on-write).
   * @example
   * ```ts
   * const { missingKeys } = model.loadStateDict(checkpoint, { strict: false });
   * ```
   */
  loadStateDict(sd: Record<string, tf.Tensor>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict() as Record<string, tf.Variable>;
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(sd, k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !Object.hasOwn(own, k));
    const problems: string[] = [];
    for (const [key, v] of Object.entries(own)) {
      const t = Object.hasOwn(sd, key) ? sd[key] : undefined;
      if (t === undefined) continue;
      if (t.isDisposed) problems.push(`tensor for '${key}' is disposed`);
      else if (!tf.util.arraysEqual(t.shape, v.shape)) {
        problems.push(
          `shape mismatch for '${key}': checkpoint [${t.shape.join(', ')}], model [${v.shape.join(', ')}]`,
        );
      }
    }
    if (strict) {
      for (const k of missingKeys)
        problems.push(`missing key '${k}' (model shape [${own[k]?.shape.join(', ')}])`);
      for (const k of unexpectedKeys)
        problems.push(`unexpected key '${k}' (shape [${sd[k]?.shape.join(', ')}])`);
    }
    if (problems.length > 0) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
      );
    }
    for (const [key, v] of Object.entries(own)) {
      const t = Object.hasOwn(sd, key) ? sd[key] : undefined;
      if (t === undefined || t === v) continue;
      if (t.dtype === v.dtype) v.assign(t);
      else {
        const cast = tf.cast(t, v.dtype);
        v.assign(cast);
        cast.dispose();
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Sets training mode on this module and all descendants; returns this.
   * @example
   * ```ts
   * model.train(); // dropout on
   * ```
   */
  train(mode = true): this {
    this.training = mode;
    for (const child of this._children.values()) child.train(mode);
    return this;
  }

  /**
   * Evaluation mode (`train(false)`): dropout is the identity, BatchNorm uses running statistics.
   * @example
   * ```ts
   * model.eval();
   * ```
   */
  eval(): this {
    return this.train(false);
  }

  /**
   * Freezes (false) or unfreezes (true) every parameter in the tree by setting `variable.trainable`;
   * frozen parameters get no gradient from tf.variableGrads / optimisers. Buffers are never trainable.
   * @example
   * ```ts
   * momentumModel.requiresGrad(false);
   * ```
   */
  requiresGrad(flag = true): this {
    for (const v of this.parameters({ includeFrozen: true })) v.trainable = flag;
    return this;
  }

  /**
   * Number of scalar parameters (buffers excluded); frozen ones included unless `trainableOnly`.
   * @example
   * ```ts
   * new Linear(4, 3).numParameters(); // 15
   * ```
   */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const [, v] of this.namedParameters({ includeFrozen: !opts.trainableOnly })) n += v.size;
    return n;
  }

  /**
   * Disposes every parameter and buffer in the tree (idempotent). The module is unusable afterwards.
   * @example
   * ```ts
   * const m = new Linear(4, 4);
   * m.dispose();
   * ```
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const v of [...this._params.values(), ...this._buffers.values()]) if (!v.isDisposed) v.dispose();
    for (const child of this._children.values()) child.dispose();
  }
}

/**
 * An indexed list of child modules named '0', '1', ... (`blocks.3.attn.proj.weight`).
 * @example
 * ```ts
 * const blocks = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 * for (const b of blocks) x = b.forward(x);
 * blocks.get(0).namedParameters();
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  /** Appends a module (named by its index); returns it. */
  push(module: M): M {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return module;
  }

  /** The module at `index` (throws when out of range). */
  get(index: number): M {
    const m = this.items[index];
    if (m === undefined)
      throw new Error(`ModuleList: index ${index} out of range (length ${this.items.length})`);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

// A leaner reverse pass for tfjs-core's engine (installed by ensureGradients). tfjs-core 4.22's
// Engine.gradients keeps every saved activation and every intermediate gradient until the whole backward pass
// ends, so a training step's peak tensor memory is the forward's activations plus all the gradients of them
// (encoder_step bench: 362 MB). This version walks the same filtered tape in the same order, with the same
// gradient functions and the same checks, but frees each node's output gradients and saved tensors as soon as
// the node is done (encoder_step: 183 MB peak, identical gradients). Higher-order gradients (a tf.grad inside a
// tf.grad, gradientDepth > 0) keep tfjs's own method. getFilteredNodesXToY is tfjs-core's (Apache-2.0), ported.
// Also: kernels whose gradient needs only input shapes (Reshape, Add, Sub) save shapes, not tensors.
import * as tf from '@tensorflow/tfjs-core';
import { _envVar } from './_platform.js';

/** One tape entry, as tfjs-core's engine records it (tape.d.ts `TapeNode`). */
interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: tf.NamedTensorMap;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

type GradientsFn = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

/** The engine members the reverse pass uses (all public in tfjs-core's JS, some untyped). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: GradientsFn;
}

const UPSTREAM = Symbol.for('vlp.tensor-core.upstreamGradients');
type PatchedEngine = EngineInternals & { [UPSTREAM]?: GradientsFn };

/** The nodes that connect `xs` to `y`, each with its inputs pruned to those that depend on `xs`. */
function filteredNodesXToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    for (const name in node.inputs) {
      if (fromX.has((node.inputs[name] as tf.Tensor).id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const leadToY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i] as TapeNode;
    if (!node.outputs.some((o) => leadToY.has(o.id))) continue;
    for (const name in node.inputs) {
      leadToY.add((node.inputs[name] as tf.Tensor).id);
      nodesToY.add(node.id);
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: tf.NamedTensorMap = {};
    for (const name in node.inputs) {
      const input = node.inputs[name] as tf.Tensor;
      if (fromX.has(input.id)) inputs[name] = input;
    }
    filtered.push({ ...node, inputs });
  }
  return filtered;
}

function disposeSaved(node: TapeNode, keep: (t: tf.Tensor) => boolean): void {
  for (const t of node.saved ?? []) if (!keep(t)) t.dispose();
  if (node.saved) node.saved.length = 0;
}

/** Engine.gradients with early frees; `this` is the engine. */
function leanGradients(
  this: PatchedEngine,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  const upstream = this[UPSTREAM] as GradientsFn;
  if (this.state.gradientDepth !== 0) return upstream.call(this, f, xs, dy, allowNoGradients);
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32')
    throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const y = this.scopedRun(
    () => this.startTape(),
    () => this.endTape(),
    () => this.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = this.state.activeTape ?? [];
  const filtered = filteredNodesXToY(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0 && xs.length > 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all ' +
        'operations that lead from x to y.',
    );
  }
  return this.tidy('backward', () => {
    // Gradient of every tensor still waiting for its producer node; a tensor may appear under several ids
    // (a gradient function may return its dy or a saved tensor), so frees check the whole map first.
    const acc = new Map<number, tf.Tensor>();
    const held = (t: tf.Tensor) => t === dy || [...acc.values()].includes(t);
    const onPath = new Set(filtered.map((n) => n.id));
    for (const node of tape) if (!onPath.has(node.id)) disposeSaved(node, () => false);
    acc.set(y.id, dy ?? tf.ones(y.shape));
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i] as TapeNode;
      if (node.gradient == null) {
        throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      }
      const inputGradients = node.gradient(node.outputs.map((o) => acc.get(o.id) ?? null));
      for (const name in node.inputs) {
        const gradOf = inputGradients[name];
        if (gradOf === undefined) {
          throw new Error(
            `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
          );
        }
        const dx = this.tidy(gradOf);
        if (dx.dtype !== 'float32') {
          throw new Error(
            `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' ` +
              `dtype, but has '${dx.dtype}'`,
          );
        }
        const x = node.inputs[name] as tf.Tensor;
        if (!tf.util.arraysEqual(dx.shape, x.shape)) {
          throw new Error(
            `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
              `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
          );
        }
        const prev = acc.get(x.id);
        if (prev === undefined) acc.set(x.id, dx);
        else {
          acc.set(x.id, tf.add(prev, dx));
          if (!held(prev)) prev.dispose();
        }
      }
      // This node is done: nothing upstream needs its outputs' gradients or its saved tensors any more.
      for (const o of node.outputs) {
        const g = acc.get(o.id);
        acc.delete(o.id);
        if (g !== undefined && !held(g)) g.dispose();
      }
      disposeSaved(node, held);
    }
    const grads = xs.map((x) => acc.get(x.id)) as tf.Tensor[];
    this.state.activeTape = null; // every node's saved tensors are freed by now
    return { value: y, grads };
  });
}

/**
 * Kernels whose tfjs gradient reads nothing but the shapes of the inputs it saves (checked against tfjs-core
 * 4.22's Reshape_grad, Add_grad, Sub_grad). Saving the tensors themselves keeps their data alive until backprop
 * (encoder_step: the residual stream at every Add and the qkv projection at its Reshape, ~45 MB of peak), so
 * for these the tape keeps a shape-only stand-in instead, as long as tfjs's own gradient is the registered one.
 */
const SHAPE_ONLY_KERNELS = ['Reshape', 'Add', 'Sub'] as const;

/** What a shape-only gradient reads from a saved input; dispose() is a no-op so tfjs can free it as a tensor. */
interface ShapeStandIn {
  readonly [STAND_IN]: true;
  readonly shape: number[];
  readonly dtype: tf.DataType;
  readonly rank: number;
  readonly size: number;
  readonly isDisposed: false;
  dispose(): void;
}

const STAND_IN = Symbol('vlp.shapeStandIn');

/** The engine members that choose and keep what a kernel saves for its gradient. */
interface SaveInternals {
  getTensorsForGradient(kernelName: string, inputs: tf.NamedTensorMap, outputs: tf.Tensor[]): tf.Tensor[];
  saveTensorsForBackwardMode(tensors: (tf.Tensor | ShapeStandIn)[]): (tf.Tensor | ShapeStandIn)[];
}

function standIn(t: tf.Tensor): ShapeStandIn {
  const { shape, dtype, rank, size } = t;
  return { [STAND_IN]: true, shape, dtype, rank, size, isDisposed: false, dispose() {} };
}

function isStandIn(t: tf.Tensor | ShapeStandIn): t is ShapeStandIn {
  return (t as Partial<ShapeStandIn>)[STAND_IN] === true;
}

type SavingEngine = PatchedEngine & SaveInternals;

function installShapeOnlySaving(engine: SavingEngine): void {
  const tfjsGradients = new Map<string, tf.GradConfig>();
  for (const kernel of SHAPE_ONLY_KERNELS) {
    const config = tf.getGradient(kernel);
    if (config !== undefined) tfjsGradients.set(kernel, config);
  }
  const getTensors = engine.getTensorsForGradient;
  const save = engine.saveTensorsForBackwardMode;
  engine.getTensorsForGradient = function (kernelName, inputs, outputs) {
    const tensors = getTensors.call(this, kernelName, inputs, outputs);
    const config = tfjsGradients.get(kernelName);
    if (config === undefined || tf.getGradient(kernelName) !== config) return tensors;
    return tensors.map(standIn) as unknown as tf.Tensor[];
  };
  engine.saveTensorsForBackwardMode = function (tensors) {
    if (!tensors.some(isStandIn)) return save.call(this, tensors);
    return tensors.map((t) => (isStandIn(t) ? t : (save.call(this, [t])[0] as tf.Tensor)));
  };
}

const PATCHED = ['gradients', 'getTensorsForGradient', 'saveTensorsForBackwardMode'] as const;

/**
 * Swaps tfjs's Engine.gradients for the early-freeing one and has Reshape/Add/Sub save shapes only (idempotent;
 * the engine is global, so this covers every tfjs-core copy in the process). Call after the gradients are
 * registered. `VLP_LEAN_BACKPROP=0` keeps tfjs's own methods.
 */
export function _installLeanBackprop(): void {
  if (_envVar('VLP_LEAN_BACKPROP') === '0') return;
  const engine = tf.engine() as unknown as SavingEngine;
  if (engine[UPSTREAM] !== undefined) return;
  engine[UPSTREAM] = engine.gradients;
  engine.gradients = leanGradients;
  installShapeOnlySaving(engine);
}

/** Tests: restores tfjs's own engine methods (undone by the next _installLeanBackprop). */
export function _uninstallLeanBackprop(): void {
  const engine = tf.engine() as unknown as SavingEngine;
  if (engine[UPSTREAM] === undefined) return;
  for (const name of PATCHED) delete (engine as Partial<SavingEngine>)[name]; // back to Engine.prototype's
  delete engine[UPSTREAM];
}

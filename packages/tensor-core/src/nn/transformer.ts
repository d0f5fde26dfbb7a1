// Pre-LN transformer blocks (Xiong et al., 2020; the ViT/timm and GPT-2 layout):
//   x = x + attn(LN(x)); [x = x + crossAttn(LN(x), context)]; x = x + mlp(LN(x))
// with a GELU-tanh MLP. The cross-attention variant is the ALBEF fusion layer (text attends to image
// tokens); masks are keep-masks broadcastable to [B, heads, Tq, Tk] (see paddingMask()).
// Optional sub-layer hooks (`setSubLayerAdapter`) transform the attention and MLP outputs before their
// residual adds, so bottleneck adapters (Houlsby et al. 2019; CAVL's Adapter II) plug into any tower.
import * as tf from '@tensorflow/tfjs-core';
import { defaultRng, type Rng } from '../random/rng.js';
import { GELU } from './activations.js';
import { MultiHeadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module, ModuleList } from './module.js';
import type { UnaryModule } from './sequential.js';

/**
 * Where {@link TransformerBlock.setSubLayerAdapter} inserts a module: on the self-attention output or on
 * the MLP output, in both cases before the residual add.
 * @example
 * ```ts
 * const sites: SubLayerSite[] = ['attn', 'mlp'];
 * ```
 */
export type SubLayerSite = 'attn' | 'mlp';

/**
 * Two-layer perceptron `fc2(drop(gelu(fc1(x))))` then dropout, as in timm's Mlp.
 * @example
 * ```ts
 * const mlp = new Mlp(64, 256, { rng: new Rng(0) });
 * const y = mlp.forward(x); // [..., 64] -> [..., 64]
 * ```
 */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly act: GELU;
  readonly fc2: Linear;
  readonly drop: Dropout;

  constructor(inDim: number, hiddenDim: number, opts: { outDim?: number; dropout?: number; rng?: Rng } = {}) {
    super();
    const rng = opts.rng ?? defaultRng();
    this.fc1 = this.registerModule('fc1', new Linear(inDim, hiddenDim, { rng }));
    this.act = this.registerModule('act', new GELU());
    this.fc2 = this.registerModule('fc2', new Linear(hiddenDim, opts.outDim ?? inDim, { rng }));
    this.drop = this.registerModule('drop', new Dropout(opts.dropout ?? 0, rng));
  }

  /** x [..., in] -> [..., out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.drop.forward(this.act.forward(this.fc1.forward(x))); // [..., hidden]
      return this.drop.forward(this.fc2.forward(h)); // [..., out]
    });
  }
}

/**
 * Options for {@link TransformerBlock}.
 * @example
 * ```ts
 * const opts: TransformerBlockOptions = { dim: 64, heads: 4, mlpDim: 256, crossAttention: true, contextDim: 96 };
 * ```
 */
export interface TransformerBlockOptions {
  dim: number;
  heads: number;
  /** Hidden width of the MLP (typically 4 * dim). */
  mlpDim: number;
  /** Dropout on attention probabilities, projections and the MLP. Default 0. */
  dropout?: number;
  /** Add a cross-attention sub-layer attending to `context` (ALBEF fusion layer). Default false. */
  crossAttention?: boolean;
  /** Width of `context`; default dim. */
  contextDim?: number;
  /** Default 1e-5 (timm ViTs use 1e-6). */
  layerNormEps?: number;
  /** Bias on q/k/v projections. Default true. */
  qkvBias?: boolean;
  rng?: Rng;
}

/**
 * Per-call inputs of {@link TransformerBlock.forward} and {@link TransformerEncoder.forward}.
 * @example
 * ```ts
 * block.forward(text, { mask: paddingMask(textMask), context: image } satisfies TransformerCallOptions);
 * ```
 */
export interface TransformerCallOptions {
  /** Self-attention keep-mask, broadcastable to [B, heads, T, T]. */
  mask?: tf.Tensor;
  /** Cross-attention keys/values [B, Tc, contextDim]; required iff the block has cross-attention. */
  context?: tf.Tensor;
  /** Cross-attention keep-mask broadcastable to [B, heads, T, Tc] (e.g. paddingMask of image tokens). */
  contextMask?: tf.Tensor;
}

/**
 * One pre-LN transformer block. x [B, T, dim] -> [B, T, dim].
 * @example
 * ```ts
 * const block = new TransformerBlock({ dim: 64, heads: 4, mlpDim: 256, rng: new Rng(0) });
 * const y = block.forward(x, { mask: paddingMask(attentionMask) });
 * const fusion = new TransformerBlock({ dim: 64, heads: 4, mlpDim: 256, crossAttention: true, contextDim: 96 });
 * const z = fusion.forward(text, { mask: paddingMask(textMask), context: imageTokens });
 * ```
 */
export class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly crossNorm: LayerNorm | undefined;
  readonly crossAttn: MultiHeadAttention | undefined;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  private _attnAdapter: UnaryModule | undefined;
  private _mlpAdapter: UnaryModule | undefined;

  constructor(opts: TransformerBlockOptions) {
    super();
    const rng = opts.rng ?? defaultRng();
    const { dim, heads } = opts;
    const eps = opts.layerNormEps ?? 1e-5;
    const dropout = opts.dropout ?? 0;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim, { eps }));
    this.attn = this.registerModule(
      'attn',
      new MultiHeadAttention({ dim, heads, dropout, qkvBias: opts.qkvBias, rng }),
    );
    if (opts.crossAttention) {
      this.crossNorm = this.registerModule('crossNorm', new LayerNorm(dim, { eps }));
      this.crossAttn = this.registerModule(
        'crossAttn',
        new MultiHeadAttention({
          dim,
          heads,
          kvDim: opts.contextDim ?? dim,
          cross: true,
          dropout,
          qkvBias: opts.qkvBias,
          rng,
        }),
      );
    } else {
      this.crossNorm = undefined;
      this.crossAttn = undefined;
    }
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim, { eps }));
    this.mlp = this.registerModule('mlp', new Mlp(dim, opts.mlpDim, { dropout, rng }));
  }

  /**
   * Inserts `module` ([B, T, dim] -> [B, T, dim]) on a sub-layer's output, before its residual add:
   * `h = x + module(attn(norm1(x)))` or `y = h + module(mlp(norm2(h)))`. It becomes a child named
   * `attnAdapter` / `mlpAdapter` (in state dicts and parameter lists); one per site, set once. Returns it.
   * @example
   * ```ts
   * const block = new TransformerBlock({ dim: 8, heads: 2, mlpDim: 16 });
   * block.setSubLayerAdapter('mlp', new Linear(8, 8));
   * block.namedParameters().map(([n]) => n); // [..., 'mlpAdapter.weight', 'mlpAdapter.bias']
   * ```
   */
  setSubLayerAdapter<M extends UnaryModule>(site: SubLayerSite, module: M): M {
    if (site !== 'attn' && site !== 'mlp') {
      throw new Error(
        `TransformerBlock: unknown sub-layer site "${String(site)}". Should be one of: attn, mlp`,
      );
    }
    if (this.subLayerAdapter(site) !== undefined) {
      throw new Error(`TransformerBlock: the ${site} sub-layer already has an adapter`);
    }
    this.registerModule(`${site}Adapter`, module);
    if (site === 'attn') this._attnAdapter = module;
    else this._mlpAdapter = module;
    return module;
  }

  /**
   * The module set on a sub-layer by {@link TransformerBlock.setSubLayerAdapter}, if any.
   * @example
   * ```ts
   * block.subLayerAdapter('attn'); // undefined until one is set
   * ```
   */
  subLayerAdapter(site: SubLayerSite): UnaryModule | undefined {
    return site === 'attn' ? this._attnAdapter : this._mlpAdapter;
  }

  /** x [B, T, dim] -> [B, T, dim]. */
  forward(x: tf.Tensor, opts: TransformerCallOptions = {}): tf.Tensor {
    if (this.crossAttn === undefined && opts.context !== undefined) {
      throw new Error(
        'TransformerBlock: got a context but the block has no cross-attention (crossAttention: true)',
      );
    }
    if (this.crossAttn !== undefined && opts.context === undefined) {
      throw new Error('TransformerBlock: this block has cross-attention and needs a context');
    }
    return tf.tidy(() => {
      let a = this.attn.forward(this.norm1.forward(x), undefined, { mask: opts.mask }); // [B, T, D]
      if (this._attnAdapter !== undefined) a = this._attnAdapter.forward(a); // [B, T, D]
      let h = tf.add(x, a); // [B, T, D]
      if (this.crossAttn !== undefined && this.crossNorm !== undefined) {
        const c = this.crossAttn.forward(this.crossNorm.forward(h), opts.context, { mask: opts.contextMask });
        h = tf.add(h, c); // [B, T, D]
      }
      let m = this.mlp.forward(this.norm2.forward(h)); // [B, T, D]
      if (this._mlpAdapter !== undefined) m = this._mlpAdapter.forward(m); // [B, T, D]
      return tf.add(h, m); // [B, T, D]
    });
  }
}

/**
 * Options for {@link TransformerEncoder}: a block's options plus depth and the final norm.
 * @example
 * ```ts
 * const opts: TransformerEncoderOptions = { depth: 4, dim: 64, heads: 4, mlpDim: 256, finalNorm: true };
 * ```
 */
export interface TransformerEncoderOptions extends TransformerBlockOptions {
  depth: number;
  /** Apply a LayerNorm after the last block (pre-LN stacks need it). Default true. */
  finalNorm?: boolean;
}

/**
 * A stack of {@link TransformerBlock}s (`blocks.0` ... `blocks.{depth-1}`) and an optional final `norm`.
 * @example
 * ```ts
 * const enc = new TransformerEncoder({ depth: 2, dim: 64, heads: 4, mlpDim: 256, rng: new Rng(0) });
 * const y = enc.forward(x, { mask: paddingMask(attentionMask) }); // [B, T, 64]
 * const all = enc.forwardHidden(x); // every block's output, for taking intermediate layers
 * ```
 */
export class TransformerEncoder extends Module {
  readonly blocks: ModuleList<TransformerBlock>;
  readonly norm: LayerNorm | undefined;

  constructor(opts: TransformerEncoderOptions) {
    super();
    const rng = opts.rng ?? defaultRng();
    const blocks: TransformerBlock[] = [];
    for (let i = 0; i < opts.depth; i++) blocks.push(new TransformerBlock({ ...opts, rng }));
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    this.norm =
      (opts.finalNorm ?? true)
        ? this.registerModule('norm', new LayerNorm(opts.dim, { eps: opts.layerNormEps ?? 1e-5 }))
        : undefined;
  }

  /** x [B, T, dim] -> [B, T, dim] (after the final norm when present). */
  forward(x: tf.Tensor, opts: TransformerCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (const block of this.blocks) h = block.forward(h, opts);
      return this.norm ? this.norm.forward(h) : h;
    });
  }

  /**
   * Every block's output (not normed) followed by the final output; the caller disposes them all.
   * @example
   * ```ts
   * const hidden = enc.forwardHidden(x); // length depth + 1
   * tf.dispose(hidden);
   * ```
   */
  forwardHidden(x: tf.Tensor, opts: TransformerCallOptions = {}): tf.Tensor[] {
    return tf.tidy(() => {
      const out: tf.Tensor[] = [];
      let h = x;
      for (const block of this.blocks) {
        h = block.forward(h, opts);
        out.push(h);
      }
      out.push(this.norm ? this.norm.forward(h) : tf.clone(h));
      return out;
    });
  }
}

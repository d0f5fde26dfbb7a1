// CAVL's Adapter II (Xu et al., 2023; the bottleneck adapter of Houlsby et al., ICML 2019): a residual
// Linear -> GELU -> Linear bottleneck on the output of the attention and of the feed-forward sub-layer of
// every transformer layer, before the residual add, so the adapted output feeds the next LayerNorm. The
// up-projection starts at zero, so a freshly attached adapter is the identity and the frozen tower's
// outputs are unchanged until training moves it.
import * as tf from '@tensorflow/tfjs-core';
import { GELU, init, Linear, Module, Rng, type SubLayerSite, TransformerBlock } from '@vlp/tensor-core';

/**
 * Options of {@link AdapterII}.
 * @example
 * ```ts
 * const opts: AdapterIIOptions = { bottleneck: 8, initStd: 0, rng: new Rng(0) };
 * ```
 */
export interface AdapterIIOptions {
  /** Width of the bottleneck (Houlsby et al. use 8-256; a few percent of the layer width). Default 8. */
  bottleneck?: number;
  /**
   * Std of the up-projection's init. Default 0: the adapter starts as the identity. A small non-zero value
   * (1e-2) makes every adapter weight receive gradient from the first step (used by gradient checks).
   */
  initStd?: number;
  rng?: Rng;
}

/**
 * `y = x + up(gelu(down(x)))` over the last axis: [..., dim] -> [..., dim].
 * @example
 * ```ts
 * const adapter = new AdapterII(32, { bottleneck: 8, rng: new Rng(0) });
 * const y = adapter.forward(x); // [B, T, 32], equal to x at init
 * adapter.numParameters(); // 32 * 8 + 8 + 8 * 32 + 32 = 552
 * ```
 */
export class AdapterII extends Module {
  readonly down: Linear;
  readonly act: GELU;
  readonly up: Linear;

  constructor(
    readonly dim: number,
    opts: AdapterIIOptions = {},
  ) {
    super();
    const rng = opts.rng ?? new Rng(0);
    const bottleneck = opts.bottleneck ?? 8;
    if (!Number.isInteger(bottleneck) || bottleneck < 1) {
      throw new Error(`AdapterII: bottleneck must be a positive integer, got ${bottleneck}`);
    }
    const std = opts.initStd ?? 0;
    this.down = this.registerModule('down', new Linear(dim, bottleneck, { rng: rng.fork('down') }));
    this.act = this.registerModule('act', new GELU());
    this.up = this.registerModule(
      'up',
      new Linear(bottleneck, dim, {
        rng: rng.fork('up'),
        weightInit: (r, shape) => (std === 0 ? init.zeros(shape) : init.truncNormal(r, shape, std)),
      }),
    );
  }

  /** x [..., dim] -> [..., dim]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.act.forward(this.down.forward(x)); // [..., bottleneck]
      return tf.add(x, this.up.forward(h)); // [..., dim]
    });
  }
}

/**
 * What {@link attachAdapterII} inserted: the adapters by the dotted name of their block and site.
 * @example
 * ```ts
 * const { adapters }: AttachedAdapters = attachAdapterII(tower);
 * adapters.map(([name]) => name); // ['encoder.blocks.0.attnAdapter', 'encoder.blocks.0.mlpAdapter', ...]
 * ```
 */
export interface AttachedAdapters {
  adapters: Array<[string, AdapterII]>;
  /** Scalar parameters the adapters add. */
  parameters: number;
}

/**
 * Inserts an {@link AdapterII} after the attention and after the MLP of every {@link TransformerBlock}
 * in `tower` (a ViT, a BERT text tower, a fusion stack, or a whole `VlpModel`), through the blocks'
 * sub-layer hook. The adapters are new trainable parameters; freeze the backbone before (or use
 * {@link freezeExcept} after) attaching. Throws when `tower` holds no transformer block.
 * @example
 * ```ts
 * const model = createModel('cavl-tiny', {}, new Rng(0), { vocabSize: tok.vocabSize, batchSize: 8 });
 * model.requiresGrad(false);
 * const { parameters } = attachAdapterII(model.towers.vision, { bottleneck: 8 });
 * model.numParameters({ trainableOnly: true }) === parameters; // true
 * ```
 */
export function attachAdapterII(
  tower: Module,
  opts: AdapterIIOptions & { sites?: readonly SubLayerSite[] } = {},
): AttachedAdapters {
  const rng = opts.rng ?? new Rng(0);
  const sites = opts.sites ?? ['attn', 'mlp'];
  const adapters: Array<[string, AdapterII]> = [];
  for (const [name, m] of tower.namedModules()) {
    if (!(m instanceof TransformerBlock)) continue;
    const dim = m.norm1.weight.shape[0] as number;
    for (const site of sites) {
      const adapter = new AdapterII(dim, { ...opts, rng: rng.fork(`${name}.${site}`) });
      m.setSubLayerAdapter(site, adapter);
      adapters.push([`${name === '' ? '' : `${name}.`}${site}Adapter`, adapter]);
    }
  }
  if (adapters.length === 0) {
    throw new Error(`attachAdapterII: ${tower.constructor.name} contains no TransformerBlock`);
  }
  return { adapters, parameters: adapters.reduce((n, [, a]) => n + a.numParameters(), 0) };
}

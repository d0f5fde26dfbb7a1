// The reference encoder of ../shared/bench/torch_reference.py in TensorFlow.js. Two builds of the same math:
// 'blocks' (default) stacks @vlp/tensor-core's own TransformerBlock (pre-LN, fused qkv, tanh-GELU MLP; LN weight
// initialised to ones = torch's g + 1 with g = 0), 'ops' writes the reference line by line with tensor-core's
// functional ops. Loss = mean(x^2); Adam(lr) with torch's defaults (betas 0.9/0.999, eps 1e-8).

/** The encoder as a stack of tensor-core TransformerBlocks (no final norm, as the reference). */
export function makeBlocks(tf, core, cfg) {
  const rng = new core.Rng(0);
  const blocks = Array.from(
    { length: cfg.layers },
    () =>
      new core.TransformerBlock({
        dim: cfg.dim,
        heads: cfg.heads,
        mlpDim: cfg.mlp_dim,
        layerNormEps: 1e-5,
        rng,
      }),
  );
  const params = blocks.flatMap((b) => b.parameters());
  const x = tf.randomNormal([cfg.batch, cfg.tokens, cfg.dim], 0, 1, 'float32', 1234);
  const forward = (h) => {
    for (const b of blocks) h = b.forward(h);
    return h;
  };
  return { params, x, cfg, forward };
}

/** The 'ops' build. Parameters in torch_reference.py's order: per layer wqkv, bqkv, wo, bo, w1, b1, w2, b2, g1, be1, g2, be2. */
export function makeEncoder(tf, core, cfg) {
  const d = cfg.dim;
  const f = cfg.mlp_dim;
  const shapes = [[d, 3 * d], [3 * d], [d, d], [d], [d, f], [f], [f, d], [d], [d], [d], [d], [d]];
  const params = [];
  let seed = 0;
  for (let l = 0; l < cfg.layers; l++) {
    for (const s of shapes) {
      const init = s.length === 2 ? tf.mul(tf.randomNormal(s, 0, 1, 'float32', seed++), 0.02) : tf.zeros(s);
      params.push(tf.variable(init, true, `p${params.length}`));
      init.dispose();
    }
  }
  const x = tf.randomNormal([cfg.batch, cfg.tokens, d], 0, 1, 'float32', 1234);
  const model = { params, x, cfg };
  model.forward = (h) => encoder(tf, core, model, h);
  return model;
}

function encoder(tf, core, model, x) {
  const { params, cfg } = model;
  const [b, t, d] = x.shape;
  const h = cfg.heads;
  const dh = d / h;
  let i = 0;
  for (let l = 0; l < cfg.layers; l++) {
    const [wqkv, bqkv, wo, bo, w1, b1, w2, b2, g1, be1, g2, be2] = params.slice(i, i + 12);
    i += 12;
    let y = core.layerNorm(x, tf.add(g1, 1), be1, 1e-5); // [B, T, D]
    const qkv = tf.transpose(tf.reshape(core.linear(y, wqkv, bqkv), [b, t, 3, h, dh]), [2, 0, 3, 1, 4]); // [3, B, H, T, dh]
    const [q, k, v] = tf.unstack(qkv); // [B, H, T, dh] each
    const att = core.scaledDotProductAttention(q, k, v); // [B, H, T, dh]
    y = core.linear(tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [b, t, d]), wo, bo); // [B, T, D]
    x = tf.add(x, y);
    y = core.layerNorm(x, tf.add(g2, 1), be2, 1e-5);
    y = core.linear(core.geluTanh(core.linear(y, w1, b1)), w2, b2); // [B, T, D]
    x = tf.add(x, y);
  }
  return x;
}

/** One training step: zero-free (tfjs grads are fresh), forward, backward, Adam. */
export function encoderStep(tf, core, model, cfg) {
  const opt = core.FusedAdam
    ? new core.FusedAdam({ learningRate: cfg.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    : tf.train.adam(cfg.lr, 0.9, 0.999, 1e-8);
  return () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(model.x))), model.params);
    value.dataSync();
    opt.applyGradients(grads);
    tf.dispose([value, grads]);
  };
}

/** One inference batch: the CLS embedding, summed and read back (torch: encoder(x)[:, 0].sum().item()). */
export function encoderInference(tf, model) {
  return () => {
    const s = tf.tidy(() => tf.sum(tf.slice(model.forward(model.x), [0, 0, 0], [-1, 1, -1])));
    s.dataSync();
    s.dispose();
  };
}

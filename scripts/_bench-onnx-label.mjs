// The `onnx_label` workload of `pnpm bench`: zero-shot labelling's image side on an exported ONNX tower.
// A ViT with exactly reference.json's vit_inference shape (32 px, 4 px patches -> 64 tokens + CLS, dim 192,
// 4 blocks, 3 heads, MLP 768, LayerNorm eps 1e-5) plus a 192 -> 64 projection is exported with @vlp/tasks'
// exportImageTower and run by onnxruntime-node (OnnxTower) on batches of 64 real emoji PNGs. Timed apart:
// decoding (sharp decode + resize to 32 px, as labelFolder does it) and embedding (normalisation + ORT run).
// Compared against PyTorch's vit_inference (the same encoder on [64, 65, 192] tokens, no patch embedding).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = (root, pkg) => pathToFileURL(join(root, 'packages', pkg, 'dist', 'index.js')).href;

/** The vision config matching reference.json's vit_inference. */
export function vitConfigFor(cfg) {
  const side = Math.round(Math.sqrt(cfg.tokens - 1));
  if (side * side !== cfg.tokens - 1)
    throw new Error(`onnx_label: ${cfg.tokens} tokens is not 1 + a square grid`);
  const imageSize = 32;
  if (imageSize % side !== 0)
    throw new Error(`onnx_label: a ${side}x${side} grid does not tile ${imageSize} px`);
  return {
    imageSize,
    patchSize: imageSize / side,
    dim: cfg.dim,
    depth: cfg.layers,
    heads: cfg.heads,
    mlpRatio: cfg.mlp_dim / cfg.dim,
    dropout: 0,
    layerNormEps: 1e-5,
    normalization: 'clip',
  };
}

/** Runs the workload in this process; returns the bench row. */
export async function onnxLabelChild(root, cfg, args) {
  const core = await import(dist(root, 'tensor-core'));
  const vision = await import(dist(root, 'vision'));
  const tasks = await import(dist(root, 'tasks'));
  await core.selectBackend('cpu', { respectEnv: false, gradients: false }); // only to hold the weights
  const rng = new core.Rng(0);
  const vit = vision.createImageEncoder('vit-tiny', vitConfigFor(cfg), rng).eval();
  const proj = new core.Linear(cfg.dim, 64, { rng });
  const { onnx, sidecar } = tasks.exportImageTower(vit, proj);
  const dir = mkdtempSync(join(tmpdir(), 'vlp-bench-onnx-'));
  const file = join(dir, 'image.onnx');
  writeFileSync(file, onnx);
  writeFileSync(tasks.sidecarPath(file), JSON.stringify(sidecar));
  const tower = await tasks.OnnxTower.load(file, { threads: cfg.threads });
  vit.dispose();
  proj.dispose();

  // Real emoji PNGs (64 px Google set), decoded and resized exactly as labelFolder decodes them.
  const req = createRequire(join(root, 'packages', 'pretrain', 'package.json'));
  const emojiJson = req.resolve('emoji-datasource-google/emoji.json');
  const imgDir = join(dirname(emojiJson), 'img', 'google', '64');
  const names = req(emojiJson)
    .filter((e) => e.has_img_google)
    .map((e) => join(imgDir, e.image));
  const b = cfg.batch;
  const timed = args.steps ?? cfg.timed_steps;
  const warmup = cfg.warmup_steps;
  const size = sidecar.image.size;
  const load = { imageSize: size, resize: sidecar.image.resize, concurrency: cfg.threads };
  const decodeMs = [];
  const batches = [];
  for (let s = 0; s < Math.min(warmup + timed, Math.floor(names.length / b)); s++) {
    const t0 = performance.now();
    const { images, skipped } = await vision.loadImages(names.slice(s * b, (s + 1) * b), load);
    decodeMs.push(performance.now() - t0);
    if (skipped.length > 0) throw new Error(`onnx_label: ${skipped.length} emoji failed to decode`);
    batches.push(images);
  }
  const per = size * size * 3;
  const norm = sidecar.image.normalization;
  const embed = async (images) => {
    const buf = new Float32Array(images.length * per);
    for (const [k, im] of images.entries()) vision.normalizeInto(im, buf, k * per, norm);
    return tower.embedPixels(buf, images.length);
  };
  for (let i = 0; i < warmup; i++) await embed(batches[i % batches.length]);
  const times = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    const rows = await embed(batches[(warmup + i) % batches.length]);
    times.push(performance.now() - t0);
    if (rows.length !== b) throw new Error(`onnx_label: ${rows.length} embeddings for ${b} images`);
  }
  await tower.dispose();
  rmSync(dir, { recursive: true, force: true });
  const mean = (xs) => xs.reduce((p, q) => p + q, 0) / xs.length;
  const decode = mean(decodeMs.slice(1)); // the first batch pays sharp's start-up
  return {
    side: 'vlp',
    workload: 'onnx_label',
    backend: 'onnxruntime-node',
    ms_per_step: +mean(times).toFixed(2),
    min_ms: +Math.min(...times).toFixed(2),
    timed_steps: timed,
    decode_ms_per_batch: +decode.toFixed(2),
    decode_items_per_s: +((b * 1000) / decode).toFixed(1),
    onnx_mb: +(onnx.byteLength / 1e6).toFixed(2),
    peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    threads: cfg.threads,
  };
}

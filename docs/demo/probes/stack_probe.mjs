// Our stack's side of the bisection in docs/demo/unimo2-2100/report.md ("What the gap was"): the demo's contrastive
// set-up (ITC only, batch 128, lr 3e-3, 300 steps, AdamW, cosine) on a built demo corpus, printing the ITC
// loss every 50 steps, to set beside torch_clip_probe.py. After `pnpm build`, from the repo root:
//   CORPUS=vlp-demo/corpus DATA=reader CLIP=5 node docs/demo/probes/stack_probe.mjs
// DATA=torch draws pairs as the PyTorch copy does (indices with replacement, the name with probability NS);
// RECIPE='{...}' overrides recipe fields, e.g. the towers before the fix: '{"imageProjection":true,
// "text":{"name":"bert-tiny","overrides":{"dim":128,"heads":2,"mlpDim":256,"dropout":0,"maxPositions":32}}}'.
import { join } from 'node:path';
const dist = (p) => new URL(`../../../packages/${p}/dist/index.js`, import.meta.url).href;
const {
  CorpusReader,
  createBatchBuilder,
  createModel,
  getRecipe,
  mapData,
  readManifest,
  registerRecipe,
  Trainer,
  trainCaptionTokenizer,
} = await import(dist('pretrain'));
const { Rng, selectBackend } = await import(dist('tensor-core'));
const { ensureDemoRecipe } = await import(dist('cli'));

const env = (k, d) => (process.env[k] === undefined ? d : process.env[k]);
const D = env('CORPUS', '/tmp/vlpdemo/corpus32');
const STEPS = Number(env('STEPS', '300'));
const B = Number(env('BS', '128'));
const NS = Number(env('NS', '0.75'));
const LR = Number(env('LR', '3e-3'));
const CLIP = Number(env('CLIP', '0'));
await selectBackend(env('BACKEND', 'ort'));
const manifest = await readManifest(join(D, 'manifest.json'));
ensureDemoRecipe(); // registers demo-itc: the demo's towers, ITC only
const recipe = registerRecipe({
  ...getRecipe('demo-itc'),
  name: 'demo-probe',
  ...JSON.parse(env('RECIPE', '{}')),
});
const tokenizer = trainCaptionTokenizer(manifest.pairs.flatMap((p) => p.captions), 4000);
const rng = new Rng(0);
const model = createModel(recipe, {}, rng.fork('model'), { vocabSize: tokenizer.vocabSize, batchSize: B });
const reader = new CorpusReader(manifest, { batchSize: B, seed: 0, dir: D });
let source;
if (env('DATA', 'torch') === 'torch') {
  // numpy-style: indices with replacement, caption 0 with probability NS else uniform
  const r = new Rng(1);
  let k = 0;
  source = {
    next: () => {
      const pairs = [];
      for (let i = 0; i < B; i++) {
        const p = manifest.pairs[r.int(manifest.pairs.length)];
        const caption = r.uniform() < NS ? p.captions[0] : p.captions[r.int(p.captions.length)];
        pairs.push({ id: p.id, image: p.image, caption, sha256: p.sha256 });
      }
      return { pairs, images: [], texts: [], epoch: 0 };
    },
    getPosition: () => k,
    setPosition: (p) => {
      k = p;
    },
  };
} else {
  const share = NS;
  const m2 = {
    ...manifest,
    pairs: manifest.pairs.map((p) => {
      const rest = p.captions.slice(1);
      const kk = Math.round((share * rest.length) / (1 - share));
      return kk <= 1 ? p : { ...p, captions: [...new Array(kk).fill(p.captions[0]), ...rest] };
    }),
  };
  source = new CorpusReader(m2, { batchSize: B, seed: 0, dir: D });
}
const build = createBatchBuilder(model, { tokenizer, readImage: (r) => reader.readImage(r), rng: rng.fork('data') });
const trainerOpts = model.trainerOptions();
const trainer = new Trainer({
  model,
  data: mapData(source, build),
  totalSteps: STEPS,
  lossFn: (b, s) => model.lossFn(b, s),
  lr: { lr: LR, warmupSteps: Math.round(STEPS / 20), minLr: Number(env('MINLR', String(LR / 10))) },
  optimizer: { weightDecay: 0.02 },
  ...(CLIP > 0 ? { clipNorm: CLIP } : {}),
  progress: false,
  ...trainerOpts,
});
const t0 = performance.now();
trainer.on('step', (e) => {
  if (e.step % 50 === 0 || e.step === 1)
    console.log(
      e.step,
      e.loss.toFixed(3),
      JSON.stringify(Object.fromEntries(Object.entries(e.logs ?? {}).map(([k, v]) => [k, +(+v).toFixed(4)]))),
      `${((performance.now() - t0) / 1000).toFixed(0)}s`,
    );
});
await trainer.fit();

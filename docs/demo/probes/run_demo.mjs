// `runDemo` with options the command line does not offer (the augmentation's settings, say), given as one
// JSON argument; prints the figures. After `pnpm build`, from the repo root, e.g. (docs/demo/report.md):
//   node docs/demo/probes/run_demo.mjs '{"out":"/tmp/ccC","recipe":"demo-itc","minutes":70,"augment":{"minScale":1,"shift":2,"jitter":0.1}}'
// It also registers `demo-itc-vcl` (ITC on pairs, VCL on icons, no MLM), as itc_vcl_run.mjs does.
const dist = (p) => new URL(`../../../packages/${p}/dist/index.js`, import.meta.url).href;
const { runDemo, ensureDemoRecipe } = await import(dist('cli'));
const { getRecipe, registerRecipe } = await import(dist('pretrain'));
ensureDemoRecipe();
registerRecipe({
  ...getRecipe('demo-unimo2'),
  name: 'demo-itc-vcl',
  objectives: { itc: 1, vcl: 0.5 },
  unaligned: { images: true, texts: false },
});
const o = JSON.parse(process.argv[2] ?? '{}');
const r = await runDemo({ ...o, command: `node docs/demo/probes/run_demo.mjs '${process.argv[2]}'` });
const m = r.metrics;
console.log(
  m
    ? `category ${m.category.accuracy.toFixed(1)}, subcategory ${m.subcategory.accuracy.toFixed(1)}, R@1 ${m.imageToName.r1.toFixed(1)}, R@5 ${m.imageToName.r5.toFixed(1)}`
    : `stopped: ${r.stopped}`,
);

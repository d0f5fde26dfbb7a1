// Registers `demo-itc-vcl`: the demo towers with ITC on pairs and visual contrastive learning on icons, no MLM
// on the glosses. Shared by itc_vcl_run.mjs and run_demo.mjs (needs `pnpm build`).
const dist = (p) => new URL(`../../../packages/${p}/dist/index.js`, import.meta.url).href;

export async function registerItcVcl() {
  const { getRecipe, registerRecipe } = await import(dist('pretrain'));
  const { ensureDemoRecipe } = await import(dist('cli'));
  ensureDemoRecipe();
  registerRecipe({
    ...getRecipe('demo-unimo2'),
    name: 'demo-itc-vcl',
    objectives: { itc: 1, vcl: 0.5 },
    unaligned: { images: true, texts: false },
  });
}

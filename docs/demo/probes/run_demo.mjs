// `runDemo` with options the command line does not offer (the augmentation's settings, say), given as one
// JSON argument; prints the figures. After `pnpm build`, from the repo root, e.g. (docs/demo/report.md):
//   node docs/demo/probes/run_demo.mjs '{"out":"/tmp/ccC","recipe":"demo-itc","minutes":70,"augment":{"minScale":1,"shift":2,"jitter":0.1}}'
// It also registers `demo-itc-vcl` (ITC on pairs, VCL on icons, no MLM), as itc_vcl_run.mjs does.
import { registerItcVcl } from './_itc_vcl.mjs';

const { runDemo } = await import(new URL('../../../packages/cli/dist/index.js', import.meta.url).href);
await registerItcVcl();
const o = JSON.parse(process.argv[2] ?? '{}');
const r = await runDemo({ ...o, command: `node docs/demo/probes/run_demo.mjs '${process.argv[2]}'` });
const m = r.metrics;
console.log(
  m
    ? `category ${m.category.accuracy.toFixed(1)}, subcategory ${m.subcategory.accuracy.toFixed(1)}, R@1 ${m.imageToName.r1.toFixed(1)}, R@5 ${m.imageToName.r5.toFixed(1)}`
    : `stopped: ${r.stopped}`,
);

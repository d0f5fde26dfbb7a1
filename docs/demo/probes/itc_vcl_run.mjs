// The demo with ITC on pairs and visual contrastive learning on icons but no MLM on the glosses (the row
// "ITC + VCL" of docs/demo/unimo2-2100/report.md): registers `demo-itc-vcl` and runs `vlp demo` with it. After
// `pnpm build`, from the repo root: node docs/demo/probes/itc_vcl_run.mjs <out dir> <steps> [more vlp demo options]
import { registerItcVcl } from './_itc_vcl.mjs';

const { createProgram } = await import(new URL('../../../packages/cli/dist/program.js', import.meta.url).href);
await registerItcVcl();
const [out, steps, ...rest] = process.argv.slice(2);
await createProgram().parseAsync(['node', 'vlp', 'demo', '--recipe', 'demo-itc-vcl', '--out', out, '--steps', steps, ...rest]);

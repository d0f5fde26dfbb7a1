// `node dist/build/cli.js`: the bundling half of `pnpm build` (tsc compiles main first).
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.js';

const dist = fileURLToPath(new URL('..', import.meta.url));
await bundle({ outDir: dist });
console.log(`bundled renderer and preload into ${dist}`);

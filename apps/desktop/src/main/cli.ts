#!/usr/bin/env node
// `vlp-desktop --web [--port N] [--data-dir DIR] [--allow DIR ...]`: web mode from a terminal. The Electron
// app itself starts with `electron dist/main/electron.js` (see README).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startWebMode } from './web/start.js';

const { values } = parseArgs({
  options: {
    web: { type: 'boolean', default: false },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    allow: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || !values.web) {
  console.log(
    'usage: vlp-desktop --web [--port N] [--data-dir DIR] [--allow DIR ...]\n' +
      'The Electron app starts with `pnpm --filter @vlp/desktop electron` where an Electron binary exists.',
  );
  process.exit(values.help ? 0 : 2);
}

const { server } = await startWebMode({
  dataDir: values['data-dir'] ?? join(homedir(), '.vlp-desktop'),
  allow: values.allow ?? [],
  ...(values.port === undefined ? {} : { port: Number(values.port) }),
});
console.log(`vlp-desktop web mode on 127.0.0.1 only. Open (the token is in the fragment):\n  ${server.url}`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

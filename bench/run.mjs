#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other; each prints its ratios against a baseline
// measured in the same run and writes bench/results/*.json. Exits non-zero only when a benchmark breaks.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let broken = false;
for (const script of ['core.mjs', 'hostile.mjs', 'delivery.mjs', 'outbox.mjs', 'log.mjs', 'node-red.mjs', 'n8n.mjs']) {
  console.log(`\n== bench/${script}`);
  const { status } = spawnSync(process.execPath, [join(here, script)], { stdio: 'inherit' });
  if (status !== 0) broken = true;
}
process.exitCode = broken ? 1 : 0;

#!/usr/bin/env node
/**
 * `npm run bench:n8n`: bench/n8n.mjs once per n8n setting a user can choose that changes the expression
 * engine's cost — the defaults, `N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true` (an isolate only when an
 * expression is actually evaluated), `N8N_EXPRESSION_ENGINE=legacy` (no isolates) — and queue mode with two
 * webhook processors (n8n's defaults otherwise; test/helpers/n8n-queue.ts's stack on PostgreSQL and Redis,
 * requests alternating between the two processors) — each in a fresh n8n, writing bench/results/n8n.json,
 * n8n-lazy.json, n8n-legacy.json and n8n-queue.json for scripts/bench-table.mjs.
 * BENCH_REQUESTS, BENCH_ROUNDS, BENCH_WARMUP, BENCH_CONCURRENCY pass through; BENCH_N8N_SETTINGS picks
 * some (e.g. "lazy,legacy"). Slow: n8n takes a few requests a second through a community trigger on a
 * loaded 2-core machine, and starting it takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const settings = {
  default: {},
  lazy: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
  legacy: { N8N_EXPRESSION_ENGINE: 'legacy' },
  queue: {},
};
// Settings that are not n8n environment variables of the process under test.
const harness = { queue: { BENCH_N8N_QUEUE: '1' } };
const chosen = (process.env.BENCH_N8N_SETTINGS ?? Object.keys(settings).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
let broken = false;
for (const name of chosen) {
  const env = settings[name];
  if (!env) throw new Error(`unknown setting "${name}"; use ${Object.keys(settings).join(', ')}`);
  console.log(`\n== bench/n8n.mjs, ${name} settings ${JSON.stringify({ ...env, ...(harness[name] ?? {}) })}`);
  const { status } = spawnSync(process.execPath, [join(here, 'n8n.mjs')], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_N8N_ENV: JSON.stringify(env), ...(harness[name] ?? {}), ...(name === 'default' ? {} : { BENCH_N8N_LABEL: name }) },
  });
  if (status !== 0) broken = true;
}
process.exitCode = broken ? 1 : 0;

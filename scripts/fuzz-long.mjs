#!/usr/bin/env node
/**
 * Long fuzz run: the hardening suite's properties (test/hardening/fuzz-properties.mjs) against the BUILT
 * core (shared/dist — run `npm run build` first, or use `npm run fuzz:long`, which builds), for a time
 * budget or a number of runs per property. Prints the runs done and any counterexample (with the seed and
 * path to replay it), writes test/hardening/results/fuzz-long.json for the README report, and exits 1 when
 * a property failed.
 *
 *   node scripts/fuzz-long.mjs --minutes 10            # the budget shared by all properties (default 5)
 *   node scripts/fuzz-long.mjs --seconds 30
 *   node scripts/fuzz-long.mjs --runs 200000           # per property, no time limit
 *   node scripts/fuzz-long.mjs --only python --seed 42 # properties whose name contains "python", fixed seed
 *   npm run fuzz:long -- --minutes 10
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { fuzzProperties } from '../test/hardening/fuzz-properties.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const args = { minutes: undefined, runs: undefined, only: undefined, seed: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--minutes') args.minutes = Number(value());
    else if (flag === '--seconds') args.minutes = Number(value()) / 60;
    else if (flag === '--runs') args.runs = Number(value());
    else if (flag === '--only') args.only = value();
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: node scripts/fuzz-long.mjs [--minutes N | --seconds N] [--runs N] [--only TEXT] [--seed N]');
      process.exit(0);
    } else throw new Error(`unknown argument ${flag}`);
  }
  for (const key of ['minutes', 'runs']) if (args[key] !== undefined && !(Number.isFinite(args[key]) && args[key] > 0)) throw new Error(`--${key} must be a positive number`);
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new Error('--seed must be an integer');
  if (args.minutes === undefined && args.runs === undefined) args.minutes = 5;
  return args;
}

let core;
try {
  core = require(join(root, 'shared', 'dist', 'index.js'));
} catch (error) {
  console.error(`Cannot load the built core (shared/dist): ${error.message}\nRun \`npm run build\` first (npm run fuzz:long does).`);
  process.exit(2);
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${error.message}\nusage: node scripts/fuzz-long.mjs [--minutes N | --seconds N] [--runs N] [--only TEXT] [--seed N]`);
  process.exit(2);
}
const properties = fuzzProperties(core).filter((p) => !args.only || p.name.toLowerCase().includes(args.only.toLowerCase()));
if (properties.length === 0) {
  console.error(`No property matches "${args.only}".`);
  process.exit(2);
}
const budgetMs = args.minutes === undefined ? undefined : (args.minutes * 60_000) / properties.length;
console.log(
  `fuzz:long — ${properties.length} properties against shared/dist, ` +
    (budgetMs !== undefined ? `${(budgetMs / 1000).toFixed(0)} s each` : '') +
    (args.runs !== undefined ? `${budgetMs !== undefined ? ', at most ' : ''}${args.runs.toLocaleString('en')} runs each` : '') +
    (args.seed !== undefined ? `, seed ${args.seed}` : ''),
);

const rows = [];
let failed = 0;
for (const p of properties) {
  const started = performance.now();
  const details = await fc.check(p.property, {
    numRuns: args.runs ?? 1_000_000_000,
    ...(budgetMs !== undefined ? { interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(details.numRuns / Math.max(seconds, 0.001));
  if (details.failed) {
    failed++;
    console.log(`✘ ${p.name}\n  ${details.numRuns.toLocaleString('en')} runs in ${seconds.toFixed(1)} s, FAILED (seed ${details.seed}, path "${details.counterexamplePath}")`);
    console.log(fc.defaultReportMessage(details).replace(/^/gm, '    '));
  } else {
    console.log(`✔ ${p.name}\n  ${details.numRuns.toLocaleString('en')} runs in ${seconds.toFixed(1)} s (${rate.toLocaleString('en')}/s, seed ${details.seed})${details.interrupted ? ', stopped at the time budget' : ''}`);
  }
  rows.push({
    section: 'fuzz',
    runtime: 'built core (shared/dist), long run',
    case: p.name,
    tried: `${details.numRuns.toLocaleString('en')} runs in ${seconds.toFixed(0)} s (seed ${details.seed}): ${p.what}`,
    held: !details.failed,
    figures: details.failed ? `counterexample: ${fc.stringify(details.counterexample).slice(0, 300)}` : `${rate.toLocaleString('en')} runs/s`,
  });
}

const resultsDir = join(root, 'test', 'hardening', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'fuzz-long.json'), `${JSON.stringify(rows, null, 2)}\n`);
console.log(`${failed === 0 ? 'All properties held' : `${failed} propert${failed === 1 ? 'y' : 'ies'} FAILED`}; results in test/hardening/results/fuzz-long.json`);
process.exit(failed === 0 ? 0 : 1);

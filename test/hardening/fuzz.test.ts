/**
 * Fuzzing at a CI-sized budget (a few seconds; part of `npm test` as well as `npm run test:hardening`):
 * the properties of ./fuzz-properties.mjs against the core's sources. `npm run fuzz:long` runs the same
 * properties for minutes against the built core (scripts/fuzz-long.mjs).
 *
 * DEVICEHOOK_FUZZ_SEED pins the seed; DEVICEHOOK_FUZZ_SCALE multiplies every property's number of runs.
 * Results: test/hardening/results/fuzz.json (section fuzz).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as core from '../../shared/src/index';
import { ENDPOINTS } from './bad-inputs';
import { FUZZ_ENDPOINTS, fuzzProperties } from './fuzz-properties.mjs';

const RESULTS = join(__dirname, 'results', 'fuzz.json');
const SCALE = Number(process.env.DEVICEHOOK_FUZZ_SCALE ?? 1);
const SEED = process.env.DEVICEHOOK_FUZZ_SEED === undefined ? undefined : Number(process.env.DEVICEHOOK_FUZZ_SEED);

const rows: Array<{ section: 'fuzz'; runtime: string; case: string; tried: string; held: boolean; figures: string }> = [];
afterAll(() => {
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

describe('fuzz (CI budget)', () => {
  it('the fuzz endpoints are the bad-input matrix endpoints', () => {
    for (const [id, endpoint] of Object.entries(ENDPOINTS)) {
      const fuzz = FUZZ_ENDPOINTS[id as keyof typeof FUZZ_ENDPOINTS];
      expect(fuzz, id).toBeDefined();
      expect({ vendor: fuzz.vendor, scheme: fuzz.scheme }).toEqual({ vendor: endpoint.vendor, scheme: endpoint.scheme });
    }
    expect(Object.keys(FUZZ_ENDPOINTS).sort()).toEqual(Object.keys(ENDPOINTS).sort());
  });

  it.each(fuzzProperties(core).map((p) => [p.name, p] as const))('%s', async (_name, p) => {
    const numRuns = Math.max(1, Math.round(p.ciRuns * SCALE));
    const started = performance.now();
    const details = await fc.check(p.property as fc.IAsyncProperty<unknown>, { numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });
    const ms = performance.now() - started;
    rows.push({
      section: 'fuzz',
      runtime: 'core sources, CI budget',
      case: p.name,
      tried: `${details.numRuns.toLocaleString('en')} runs (seed ${details.seed}): ${p.what}`,
      held: !details.failed,
      figures: details.failed ? `counterexample: ${fc.stringify(details.counterexample)}` : `${(ms / 1000).toFixed(2)} s`,
    });
    if (details.failed) throw new Error(fc.defaultReportMessage(details));
    expect(details.numRuns).toBe(numRuns);
  });
});

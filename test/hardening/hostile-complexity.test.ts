/**
 * Hostile complexity through the core (issue 11): the adversarial corpus of bench/hostile-corpus.mjs —
 * duplicate keys everywhere, nesting just under the limit, long runs of \u escapes, very long numbers,
 * many keys, many tiny objects, long strings — through verify() for every vendor, with a right and a wrong
 * signature.
 *
 * - Verdicts: a right signature is accepted exactly when JSON.parse accepts the same bytes, and then the
 *   event carries the value JSON.parse gives (Object.is on every leaf, so -0 counts); a wrong one is
 *   refused. The one designed difference: InHand/InCloud refuse lone surrogates (Python cannot encode
 *   them, so no InHand signature covers them). Each body is also damaged (a byte cut off, a stray comma):
 *   then every vendor refuses it as invalid_json even with a signature over those exact bytes.
 * - Growth: the CPU time of verify() from 256 KiB to 1 MiB (4× the bytes), minimum of several runs, against
 *   the growth of JSON.parse on the same bytes measured alongside. Linear work grows ~4×, the quadratic
 *   scanner this replaces grew ~16× (a 1 MiB body took a minute); the bound, 2.5× JSON.parse's own growth
 *   and never under 10×, separates the two without depending on the machine's speed. (Below 256 KiB,
 *   V8's young generation makes every allocating parser, JSON.parse included, look superlinear.) The
 *   absolute targets (≤ 10× JSON.parse, ≤ 2.5× per doubling) are the benchmark's: npm run bench.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as core from '../../shared/src/index';
// @ts-expect-error -- plain ES module shared with the benchmark, no type declarations
import { hostileBody, hostileCases, hostileRequest } from '../../bench/hostile-corpus.mjs';

interface HostileCase {
  id: string;
  title: string;
  build(bytes: number): string;
}
const cases = hostileCases as HostileCase[];
const bodyOf = hostileBody as (c: typeof core, vendor: string, hostile: string) => string;
const requestOf = hostileRequest as (
  c: typeof core,
  vendor: string,
  body: string,
  right: boolean,
) => { rawBody: Buffer; headers: Record<string, string>; secrets: string };

const RESULTS = join(__dirname, 'results', 'hostile-complexity.json');
const ENVELOPE_BYTES = 1200;
const SMALL = 64 * 1024;
const MEDIUM = 256 * 1024;
const LARGE = 1024 * 1024;
const RUNS = 3;
const INHAND = new Set(['inhand-dm', 'incloud-manager']);
const SECRET = 'hostile-complexity-secret';

interface ResultRow {
  section: 'hostile-complexity';
  runtime: string;
  case: string;
  tried: string;
  held: boolean;
  figures: string;
}
const rows: ResultRow[] = [];
afterAll(() => {
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

/** Object.is on every leaf, so that -0 and 0 differ; keys compared as sets with their values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const recordB = b as Record<string, unknown>;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Record<string, unknown>)[key], recordB[key]));
}

/** CPU time of one call in ms (user + system), after a garbage collection when the runtime exposes one. */
function cpuMs(fn: () => unknown): number {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function minCpuMs(fn: () => unknown, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) best = Math.min(best, cpuMs(fn));
  return best;
}

const damaged = (text: string) => [text.slice(0, -1), `${text.slice(0, -1)},}`];

describe.each(cases)('hostile body: $id', (hostileCase) => {
  const hostile = hostileCase.build(SMALL - ENVELOPE_BYTES);
  const expectedValue = JSON.parse(hostile) as unknown;

  it.each(core.vendorIds)('%s: a right signature is accepted exactly as JSON.parse reads the bytes, a wrong one refused', (vendor) => {
    const body = bodyOf(core, vendor, hostile);
    const right = requestOf(core, vendor, body, true);
    const accepted = core.verify({ vendor, ...right });
    const wrong = core.verify({ vendor, ...requestOf(core, vendor, body, false) });
    if (hostileCase.id === 'lone-surrogates' && INHAND.has(vendor)) {
      // As Python would: json.dumps(...).encode('utf-8') raises, so no InHand signature covers the body.
      expect(accepted).toMatchObject({ ok: false, code: 'invalid_json' });
      expect(wrong).toMatchObject({ ok: false, code: 'invalid_json' });
      return;
    }
    expect(accepted.ok, accepted.ok ? '' : `${accepted.code}: ${accepted.message}`).toBe(true);
    if (accepted.ok) {
      const parsed = JSON.parse(right.rawBody.toString('utf8')) as Record<string, unknown>;
      expect(sameValue(accepted.event.raw, parsed)).toBe(true);
      expect(sameValue(accepted.event.raw['x'], expectedValue)).toBe(true);
    }
    expect(wrong).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });

  it.each(core.vendorIds)('%s: the same body damaged is refused as invalid_json even when those bytes are signed', (vendor) => {
    for (const text of damaged(bodyOf(core, vendor, hostile))) {
      expect(() => JSON.parse(text)).toThrow();
      // Python could not have signed it (it cannot parse it), nor EdgeSense's signer (it cuts a member out of
      // the JSON): sign the very bytes, as a made-up sender would, in the header each scheme reads.
      const signed = INHAND.has(vendor)
        ? { rawBody: Buffer.from(text), headers: { 'x-signature': createHmac('sha256', SECRET).update(text).digest('base64') }, secrets: SECRET }
        : vendor === 'edgesense'
          ? { rawBody: Buffer.from(text), headers: { 'x-edgesense-signature': createHmac('sha256', SECRET).update(text).digest('hex') }, secrets: SECRET }
          : requestOf(core, vendor, text, true);
      expect(core.verify({ vendor, ...signed })).toMatchObject({ ok: false, code: 'invalid_json' });
    }
  });
});

describe('growth from 256 KiB to 1 MiB is linear, not quadratic (CPU time against JSON.parse of the same bytes)', () => {
  it.each(cases)('$id', async (hostileCase) => {
    const small = hostileCase.build(MEDIUM - ENVELOPE_BYTES);
    const large = hostileCase.build(LARGE - ENVELOPE_BYTES);
    const lines: string[] = [];
    let worst = { vendor: '', growth: 0, parseGrowth: 0, ratio: 0 };
    for (const vendor of core.vendorIds) {
      // Let the test runner's own messages through between the long synchronous measurements.
      await new Promise((resolve) => setImmediate(resolve));
      // The unauthenticated path: a wrong signature, so every form a scheme tries is tried.
      const smallRequest = requestOf(core, vendor, bodyOf(core, vendor, small), false);
      const largeRequest = requestOf(core, vendor, bodyOf(core, vendor, large), false);
      expect(largeRequest.rawBody.length).toBeLessThanOrEqual(LARGE);
      const verifySmall = minCpuMs(() => core.verify({ vendor, ...smallRequest }), RUNS);
      const verifyLarge = minCpuMs(() => core.verify({ vendor, ...largeRequest }), RUNS);
      const parseSmall = minCpuMs(() => JSON.parse(smallRequest.rawBody.toString('utf8')), RUNS);
      const parseLarge = minCpuMs(() => JSON.parse(largeRequest.rawBody.toString('utf8')), RUNS);
      // Below the clock's resolution a ratio says nothing: count such a small time as 0.05 ms.
      const growth = verifyLarge / Math.max(verifySmall, 0.05);
      const parseGrowth = parseLarge / Math.max(parseSmall, 0.05);
      const ratio = verifyLarge / Math.max(parseLarge, 0.05);
      lines.push(`${vendor}: ${verifySmall.toFixed(2)}→${verifyLarge.toFixed(1)} ms (×${growth.toFixed(1)}; JSON.parse ×${parseGrowth.toFixed(1)})`);
      if (growth / Math.max(parseGrowth, 4) > worst.growth / Math.max(worst.parseGrowth, 4) || worst.vendor === '') {
        worst = { vendor, growth, parseGrowth, ratio };
      }
    }
    const bound = Math.max(10, 2.5 * worst.parseGrowth);
    const held = worst.growth <= bound;
    rows.push({
      section: 'hostile-complexity',
      runtime: `core verify() (Node ${process.versions.node})`,
      case: hostileCase.id,
      tried: `${hostileCase.title}; 256 KiB and 1 MiB, every vendor, wrong signature`,
      held,
      figures: `worst ${worst.vendor}: time ×${worst.growth.toFixed(1)} for 4× the bytes (JSON.parse ×${worst.parseGrowth.toFixed(1)}; bound ×${bound.toFixed(0)}), 1 MiB at ${worst.ratio.toFixed(1)}× JSON.parse`,
    });
    expect(worst.growth, lines.join('\n')).toBeLessThanOrEqual(bound);
  });
});

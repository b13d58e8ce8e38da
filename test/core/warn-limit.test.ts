/**
 * The refusal-warning rate limit both adapters use (the core's `createWarnLimiter`): never more than
 * `maxLines` lines per key in any window, and every refusal either written or counted in a later line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWarnLimiter, refusalLine, WarnLimiterError } from '../../shared/src/index';

/** Refusals as (key, gap since the previous one in ms), on a clock that never steps back. */
const refusals = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3000 })), { minLength: 1, maxLength: 300 });

describe('createWarnLimiter', () => {
  it('writes at most maxLines lines per key in any window, and the suppressed counts add up', () => {
    fc.assert(
      fc.property(refusals, fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 4 }), (hits, windowMs, maxLines) => {
        const limiter = createWarnLimiter({ windowMs, maxLines });
        const lines = new Map<string, number[]>();
        const counted = new Map<string, number>();
        let now = 1_000_000;
        for (const [key, gap] of hits) {
          now += gap;
          const verdict = limiter.hit(key, now);
          if (verdict.write) {
            lines.set(key, [...(lines.get(key) ?? []), now]);
            counted.set(key, (counted.get(key) ?? 0) + 1 + verdict.suppressed);
          }
        }
        for (const key of ['a', 'b', 'c']) {
          const times = lines.get(key) ?? [];
          // Any window [t, t + windowMs) holds at most maxLines lines: line i and line i + maxLines are a window apart.
          for (let i = 0; i + maxLines < times.length; i++) expect(times[i + maxLines]! - times[i]!).toBeGreaterThanOrEqual(windowMs);
          const total = hits.filter(([k]) => k === key).length;
          expect((counted.get(key) ?? 0) + limiter.pending(key)).toBe(total);
          if (total > 0) expect(times.length).toBeGreaterThan(0); // the first refusal of a key is always written
        }
      }),
    );
  });

  it('a flush at flushAt() writes the pending count, still within the limit', () => {
    fc.assert(
      fc.property(refusals, fc.integer({ min: 1, max: 5000 }), (hits, windowMs) => {
        const limiter = createWarnLimiter({ windowMs });
        const times: number[] = [];
        let reported = 0;
        let now = 0;
        for (const [, gap] of hits) {
          now += gap;
          // A host with timers flushes whatever is due before the next refusal.
          const due = limiter.flushAt('k');
          if (due !== undefined && due <= now) {
            const flushed = limiter.flush('k', due);
            expect(flushed).toBeDefined();
            reported += flushed!.suppressed;
            times.push(due);
          }
          const verdict = limiter.hit('k', now);
          if (verdict.write) {
            reported += 1 + verdict.suppressed;
            times.push(now);
          }
        }
        for (let i = 0; i + 1 < times.length; i++) expect(times[i + 1]! - times[i]!).toBeGreaterThanOrEqual(windowMs);
        expect(reported + limiter.pending('k')).toBe(hits.length);
      }),
    );
  });

  it('100 refusals in one second give one line; the next window reports the 99', () => {
    const limiter = createWarnLimiter({ windowMs: 10_000 });
    const verdicts = Array.from({ length: 100 }, (_, i) => limiter.hit('wf/node', 5_000 + i * 10));
    expect(verdicts.filter((v) => v.write)).toEqual([{ write: true, suppressed: 0 }]);
    expect(limiter.pending('wf/node')).toBe(99);
    expect(limiter.flush('wf/node', 6_000)).toBeUndefined(); // window not over
    expect(limiter.flushAt('wf/node')).toBe(15_000);
    expect(limiter.hit('wf/node', 15_000)).toEqual({ write: true, suppressed: 99 });
    expect(limiter.pending('wf/node')).toBe(0);
  });

  it('a clock stepping back does not open a new window', () => {
    const limiter = createWarnLimiter({ windowMs: 1000 });
    expect(limiter.hit('k', 10_000).write).toBe(true);
    expect(limiter.hit('k', 0).write).toBe(false);
    expect(limiter.hit('k', 10_500).write).toBe(false);
    expect(limiter.hit('k', 11_000)).toEqual({ write: true, suppressed: 2 });
  });

  it('keeps at most maxKeys keys, forgetting the least recently used', () => {
    const limiter = createWarnLimiter({ windowMs: 1000, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) limiter.hit(key, 0);
    limiter.hit('a', 1); // a is used again: b is now the oldest
    limiter.hit('d', 2);
    expect(limiter.size()).toBe(3);
    expect(limiter.pending('a')).toBe(1);
    expect(limiter.hit('b', 3).write).toBe(true); // forgotten, so new
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 200 }), (keys) => {
        const bounded = createWarnLimiter({ maxKeys: 16 });
        keys.forEach((key, i) => bounded.hit(key, i));
        expect(bounded.size()).toBeLessThanOrEqual(16);
      }),
    );
  });

  it('window 0 writes every line', () => {
    const limiter = createWarnLimiter({ windowMs: 0 });
    expect(Array.from({ length: 5 }, () => limiter.hit('k', 7).write)).toEqual([true, true, true, true, true]);
  });

  it.each([
    [{ windowMs: -1 }],
    [{ windowMs: Number.NaN }],
    [{ windowMs: Number.POSITIVE_INFINITY }],
    [{ maxLines: 0 }],
    [{ maxLines: 1.5 }],
    [{ maxKeys: 0 }],
  ])('refuses %j as invalid_input', (options) => {
    expect(() => createWarnLimiter(options)).toThrow(WarnLimiterError);
    try {
      createWarnLimiter(options);
    } catch (error) {
      expect((error as WarnLimiterError).code).toBe('invalid_input');
    }
  });

  it('refuses a clock that is not a finite number', () => {
    const limiter = createWarnLimiter();
    expect(() => limiter.hit('k', Number.NaN)).toThrow(/now must be a finite number/);
  });
});

describe('refusalLine', () => {
  it('says where, vendor, status, code, reason and the suppressed count, with secrets blanked', () => {
    const line = refusalLine({
      where: '"Trigger" in workflow (wf1)',
      vendor: 'inhand-dm',
      status: 401,
      code: 'signature_mismatch',
      reason: 'The signature does not match; secret s3cr3t-value\nsecond line',
      secrets: ['s3cr3t-value'],
      suppressed: 4,
    });
    expect(line).toBe(
      'Refused a request to "Trigger" in workflow (wf1) (inhand-dm): 401 signature_mismatch: The signature does not match; secret [redacted] second line [4 similar refusals suppressed since the last line]',
    );
    expect(refusalLine({ code: 'not_configured', suppressed: 0 })).toBe('Refused a request: not_configured');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customRetryPolicy, DeliveryError, judgeAttempt, parseRetryAfter, retryDelay, retryPolicies, vendors } from '../../shared/src/index';

const inhand = vendors['inhand-dm'].retryPolicy;
const svix = vendors['standard-webhooks'].retryPolicy;
const NOW = Date.UTC(2026, 0, 1);

describe('judgeAttempt', () => {
  it.each([
    [{ statusCode: 200 }, 'delivered'],
    [{ statusCode: 204 }, 'delivered'],
    [{ statusCode: 410, errorClass: 'http' }, 'gone'],
    [{ statusCode: 429, errorClass: 'http' }, 'retry'],
    [{ statusCode: 503, errorClass: 'http' }, 'retry'],
    [{ statusCode: 400, errorClass: 'http' }, 'fail'],
    [{ statusCode: 404, errorClass: 'http' }, 'fail'],
    [{ statusCode: 301, errorClass: 'redirect' }, 'fail'],
    [{ errorClass: 'timeout' }, 'retry'],
    [{ errorClass: 'network' }, 'retry'],
    [{ errorClass: 'refused' }, 'fail'],
    [{ errorClass: 'dns' }, 'fail'],
    [{ errorClass: 'blocked' }, 'fail'],
  ] as const)('InHand: %o → %s', (outcome, verdict) => {
    expect(judgeAttempt(outcome, inhand, 3)).toBe(verdict);
  });

  it.each(['edgesense', '1nce'] as const)('%s retries every answer that is not 2xx, as its page says (3xx, any 4xx, 410, 5xx)', (vendor) => {
    const policy = vendors[vendor].retryPolicy;
    for (let status = 300; status < 600; status++) {
      expect(judgeAttempt({ statusCode: status, errorClass: status < 400 ? 'redirect' : 'http' }, policy, 1), `${status}`).toBe('retry');
    }
    expect(judgeAttempt({ statusCode: 200 }, policy, 1)).toBe('delivered');
    for (const errorClass of ['timeout', 'network', 'refused', 'dns'] as const) expect(judgeAttempt({ errorClass }, policy, 1)).toBe('retry');
    // …and stops when its attempts are spent, 410 included.
    expect(judgeAttempt({ statusCode: 410, errorClass: 'http' }, policy, 0)).toBe('fail');
    expect(judgeAttempt({ errorClass: 'blocked' }, policy, 1)).toBe('fail');
  });

  it('gives up when no retry is left, whatever the outcome', () => {
    expect(judgeAttempt({ statusCode: 503, errorClass: 'http' }, inhand, 0)).toBe('fail');
    expect(judgeAttempt({ statusCode: 200 }, inhand, 0)).toBe('delivered');
  });
});

describe('retryDelay', () => {
  it('follows the schedule, with jitter inside its ratio', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (index, r) => {
        const planned = svix.retryDelaysMs[index]!;
        const delay = retryDelay(svix, index, {}, () => r, NOW);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(planned * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(planned * 1.2));
      }),
    );
  });

  it('stretches to Retry-After (seconds or HTTP date), never shortens, and caps it', () => {
    expect(retryDelay(inhand, 0, { retryAfter: '30' }, () => 0.5, NOW)).toBe(30_000);
    expect(retryDelay(inhand, 0, { retryAfter: '2' }, () => 0.5, NOW)).toBe(10_000);
    expect(retryDelay(inhand, 0, { retryAfter: new Date(NOW + 45_000).toUTCString() }, () => 0.5, NOW)).toBe(45_000);
    expect(retryDelay(inhand, 0, { retryAfter: '86400' }, () => 0.5, NOW)).toBe(3_600_000);
    expect(retryDelay(inhand, 0, { retryAfter: '86400' }, () => 0.5, NOW, { maxRetryAfterMs: 60_000 })).toBe(60_000);
    expect(retryDelay(inhand, 0, { retryAfter: 'soon' }, () => 0.5, NOW)).toBe(10_000);
  });

  it('parses Retry-After strictly', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7_000);
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
    expect(parseRetryAfter('1e3', NOW)).toBeUndefined();
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });
});

describe('presets and custom policies', () => {
  it('offers every vendor preset, the default and none', () => {
    expect(Object.keys(retryPolicies).sort()).toEqual(['1nce', 'default', 'edgesense', 'inhand', 'none', 'scalefusion', 'standard-webhooks']);
    expect(retryPolicies['none']!.retryDelaysMs).toEqual([]);
  });

  it('builds exponential or explicit custom schedules and refuses nonsense', () => {
    expect(customRetryPolicy({ retries: 4, initialDelayMs: 1000, factor: 3 }).retryDelaysMs).toEqual([1000, 3000, 9000, 27000]);
    expect(customRetryPolicy({ retries: 3, delaysMs: [5, 50] }).retryDelaysMs).toEqual([5, 50, 50]);
    expect(customRetryPolicy({ retries: 1, retryStatuses: [410, 503] }).retryStatuses).toEqual([503]);
    expect(() => customRetryPolicy({ retries: -1 })).toThrow(DeliveryError);
    expect(() => customRetryPolicy({ retries: 2, delaysMs: [-5] })).toThrow(DeliveryError);
    expect(() => customRetryPolicy({ retries: 2, jitterRatio: 2 })).toThrow(DeliveryError);
    expect(() => customRetryPolicy({ retries: 2, retryStatuses: [999] })).toThrow(DeliveryError);
  });
});

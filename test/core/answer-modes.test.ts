/**
 * Answer modes (host/processing.ts): the answer an accepted request gets when the host waits for its flow,
 * and the settings' checks. Both Node-RED (`devicehook in` + `devicehook response`) and the docs rely on these.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerModeSettings, defaultProcessingTimeoutMs, processingAnswer } from '../../shared/src/host/processing';
import { statusOf } from '../../shared/src/results';
import { getVendor, vendorIds } from '../../shared/src/vendors/index';

describe('processingAnswer', () => {
  it('answers at once mode with the accepted answer whatever the flow did', () => {
    for (const outcome of ['finished', 'failed', 'timed_out'] as const) {
      expect(processingAnswer('device.alert', outcome, { mode: 'at_once' })).toMatchObject({ status: 200, body: { received: true, type: 'device.alert' } });
    }
  });

  it('after the flow: finished → 200 accepted, failed → the failure status, timed out → 503 or 200 as chosen', () => {
    const base = { mode: 'after_flow', failureStatus: 500, timeoutMs: 2500, timeoutStatus: 503 } as const;
    expect(processingAnswer('online', 'finished', base)).toEqual({ status: 200, body: { received: true, type: 'online' }, headers: { 'content-type': 'application/json; charset=utf-8' } });
    const failed = processingAnswer('online', 'failed', base);
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ code: 'processing_failed', message: expect.stringContaining('online') });
    expect(processingAnswer('online', 'failed', { ...base, failureStatus: 400 }).status).toBe(400);
    const late = processingAnswer('online', 'timed_out', base);
    expect(late.status).toBe(503);
    expect(late.body).toEqual({ code: 'processing_timeout', message: expect.stringContaining('2500 ms') });
    const lateOk = processingAnswer('online', 'timed_out', { ...base, timeoutStatus: 200 });
    expect(lateOk.status).toBe(200);
    expect(lateOk.body).toMatchObject({ received: true, type: 'online' });
  });

  it("uses the core table's statuses as the defaults", () => {
    expect(processingAnswer('t', 'failed', { mode: 'after_flow' }).status).toBe(statusOf('processing_failed'));
    expect(processingAnswer('t', 'timed_out', { mode: 'after_flow' }).status).toBe(statusOf('processing_timeout'));
  });

  it('never puts anything but the type into the body (an error text from the flow does not reach the sender)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('finished', 'failed', 'timed_out' as const), (type, outcome) => {
        const answer = processingAnswer(type, outcome, { mode: 'after_flow', failureStatus: 502, timeoutMs: 10, timeoutStatus: 503 });
        expect(JSON.parse(JSON.stringify(answer.body))).toEqual(answer.body);
        expect(Object.keys(answer.body).sort()).toEqual(answer.status === 200 ? (outcome === 'finished' ? ['received', 'type'] : ['message', 'received', 'type']) : ['code', 'message']);
      }),
    );
  });
});

describe('answerModeSettings', () => {
  it('defaults to at once, 500 on failure, 503 on timeout and the vendor deadline less 0.5 s', () => {
    const result = answerModeSettings(undefined, getVendor('edgesense'));
    expect(result).toEqual({ ok: true, settings: { mode: 'at_once', failureStatus: 500, timeoutMs: 2500, timeoutStatus: 503 } });
  });

  it('takes editor text', () => {
    expect(answerModeSettings({ mode: 'after_flow', failureStatus: '400', timeoutMs: ' 1500 ', timeoutStatus: '200' }, getVendor('inhand-dm'))).toEqual({
      ok: true,
      settings: { mode: 'after_flow', failureStatus: 400, timeoutMs: 1500, timeoutStatus: 200 },
    });
  });

  it.each([
    [{ mode: 'later' }, 'options.answer'],
    [{ failureStatus: 200 }, 'options.failureStatus'],
    [{ failureStatus: '5xx' }, 'options.failureStatus'],
    [{ failureStatus: 600 }, 'options.failureStatus'],
    [{ timeoutMs: 0 }, 'options.timeoutMs'],
    [{ timeoutMs: -5 }, 'options.timeoutMs'],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, 'options.timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'options.timeoutMs'],
    [{ timeoutMs: 1.5 }, 'options.timeoutMs'],
    [{ timeoutStatus: 500 }, 'options.timeoutStatus'],
  ])('refuses %j as invalid_input naming the field', (input, field) => {
    const result = answerModeSettings(input, getVendor('edgesense'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.code).toBe('invalid_input');
      expect(result.status).toBe(400);
      expect(result.message).toContain(field);
    }
  });

  it("warns when the timeout is not below the vendor's own wait", () => {
    const result = answerModeSettings({ mode: 'after_flow', timeoutMs: 3000 }, getVendor('edgesense'));
    expect(result.ok && result.warning).toContain('3000 ms EdgeSense.io documents');
    const fine = answerModeSettings({ mode: 'after_flow', timeoutMs: 2999 }, getVendor('edgesense'));
    expect(fine.ok && fine.warning).toBeUndefined();
  });
});

describe("vendors' answer deadlines", () => {
  it('are the documented ones (EdgeSense 3 s, 1NCE 20 s) and a marked assumption elsewhere', () => {
    expect(getVendor('edgesense')?.answerDeadline).toEqual({ ms: 3000, documented: true });
    expect(getVendor('1nce')?.answerDeadline).toEqual({ ms: 20_000, documented: true });
    for (const id of vendorIds) {
      const deadline = getVendor(id)?.answerDeadline;
      expect(deadline?.ms, id).toBeGreaterThan(0);
      if (id !== 'edgesense' && id !== '1nce') expect(deadline?.documented, id).toBe(false);
    }
  });

  it("give a default timeout that ends before the vendor's wait", () => {
    expect(defaultProcessingTimeoutMs(getVendor('edgesense'))).toBe(2500);
    expect(defaultProcessingTimeoutMs(getVendor('1nce'))).toBe(19_500);
    for (const id of vendorIds) {
      const profile = getVendor(id);
      const timeout = defaultProcessingTimeoutMs(profile);
      expect(timeout, id).toBeLessThan(profile?.answerDeadline.ms ?? 0);
      expect(timeout, id).toBeGreaterThan(0);
    }
  });
});

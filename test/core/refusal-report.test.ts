/**
 * refusalReport: what a host hands on about a refused request (Node-RED's "refused" output): the code,
 * status and message the sender got, headers without secrets, never the body; nothing for other decisions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReceiver, refusalReport, sign, vendors } from '../../shared/src/index';

const SECRET = 'report-secret-1';
const receiver = createReceiver({ vendor: '1nce', secrets: [SECRET] });

describe('refusalReport', () => {
  it('a wrong key: the code, status and message the sender got; the key header, authorization, cookie and framing headers left out', () => {
    const signed = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: 'wrong-key-2' });
    const headers = { ...signed.headers, Authorization: 'Bearer t', cookie: 'c=1', 'proxy-authorization': 'p', 'content-length': '12', Host: 'h', 'x-trace': 'abc' };
    const decision = receiver.receive({ headers, rawBody: signed.body });
    expect(decision.kind).toBe('refused');
    const report = refusalReport(decision, { safeHeaders: receiver.safeHeaders, headers, vendor: '1nce', secrets: [SECRET], requestId: 'r-1' });
    expect(report).toEqual({
      payload: { code: decision.answer.body.code, status: decision.answer.status, message: decision.answer.body.message, vendor: '1nce', requestId: 'r-1' },
      headers: { 'Content-Type': 'application/json', 'x-trace': 'abc' },
    });
    expect(JSON.stringify(report)).not.toContain('wrong-key-2');
  });

  it('gives nothing for accepted, ignored and duplicate decisions', () => {
    const signed = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: SECRET });
    const accepted = receiver.receive({ headers: signed.headers, rawBody: signed.body });
    expect(accepted.kind).toBe('accepted');
    expect(refusalReport(accepted, { safeHeaders: receiver.safeHeaders, headers: signed.headers })).toBeUndefined();
    const dup = { kind: 'duplicate', code: 'duplicate', message: 'already received', answer: { status: 200, body: {}, headers: {} } } as const;
    expect(refusalReport(dup, { safeHeaders: receiver.safeHeaders })).toBeUndefined();
  });

  it('blanks a configured secret wherever it appears in the message or a header value, and cuts long values', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 30 }).filter((s) => s.trim() === s && !/[\r\n\0]/.test(s)), fc.string({ maxLength: 3000 }), fc.string({ maxLength: 40 }), (secret, noise, prefix) => {
        const decision = createReceiver({ vendor: 'inhand-dm', secrets: [SECRET] }).tooLarge();
        if (decision.kind !== 'refused') throw new Error('expected a refusal');
        decision.message = `${prefix}${secret}${noise}`;
        const report = refusalReport(decision, { safeHeaders: receiver.safeHeaders, headers: { 'x-echo': `${noise}${secret}`, 'x-list': [secret, prefix] }, secrets: [secret] })!;
        const values = [report.payload.message, ...Object.values(report.headers).flat()];
        for (const value of values) {
          expect(value).not.toContain(secret);
          expect(value.length).toBeLessThanOrEqual(1025);
        }
      }),
    );
  });

  it('hands on nothing from a headers object that throws', () => {
    const decision = receiver.tooLarge(5);
    const report = refusalReport(decision, { safeHeaders: () => { throw new Error('broken'); }, headers: {} });
    expect(report).toEqual({ payload: { code: 'body_too_large', status: 413, message: decision.kind === 'refused' ? decision.message : '' }, headers: {} });
  });
});

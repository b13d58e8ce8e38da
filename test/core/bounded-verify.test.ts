/**
 * What verify() does before a signature matches is bounded (issue 11): the nesting limit comes first,
 * the mismatch hint is only for small bodies, and InHand's signed form is injective — one signature never
 * stands for two different parsed bodies.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verify, vendorIds } from '../../shared/src/index';
import { MAX_NESTING } from '../../shared/src/verify';
import { HINT_MAX_BYTES } from '../../shared/src/schemes/hmac-header';
import { pythonJsonDumps } from '../../shared/src/json/lossless-json';

const SECRET = 'test-secret-0123456789';
const inhandSignature = (signed: string) => createHmac('sha256', SECRET).update(signed, 'utf8').digest('base64');
const inhand = (body: string, signed: string) =>
  verify({ vendor: 'inhand-dm', rawBody: body, headers: { 'content-type': 'application/json', 'x-signature': inhandSignature(signed) }, secrets: SECRET });

describe('the nesting limit is checked before any signature work', () => {
  const nested = (depth: number) => `{"alertType":"offline","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it(`is ${MAX_NESTING}, far above any vendor's payload`, () => {
    expect(MAX_NESTING).toBe(128);
  });

  it.each(vendorIds)('%s: one level too deep is refused as too_deeply_nested even with a wrong signature', (vendor) => {
    const headers = {
      'content-type': 'application/json',
      'x-signature': 'AAAA',
      'x-sf-signature': '00',
      'x-edgesense-signature': '00',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,AAAA',
      'x-signature-256': 'sha256=00',
    };
    const tooDeep = verify({ vendor, rawBody: nested(MAX_NESTING + 1), headers, secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    expect(tooDeep).toMatchObject({ ok: false, code: 'too_deeply_nested', status: 400 });
    const atLimit = verify({ vendor, rawBody: nested(MAX_NESTING), headers, secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    expect(atLimit.ok === false && atLimit.code).not.toBe('too_deeply_nested');
  });

  it('brackets inside strings (also after escaped quotes) do not count', () => {
    const body = `{"alertType":"offline","x":"\\"${'['.repeat(500)}"}`;
    expect(inhand(body, body)).toMatchObject({ ok: true });
  });
});

describe('the signature_mismatch hint stays cheap', () => {
  const body = (padding: number) => JSON.stringify({ event: 'device.enrolled', data: { devices: [{ name: 'TEST001', note: 'x'.repeat(padding) }] } });
  const scalefusion = (received: string, signed: string) =>
    verify({
      vendor: 'scalefusion',
      rawBody: received,
      headers: { 'x-sf-signature': createHmac('sha256', SECRET).update(signed).digest('hex') },
      secrets: SECRET,
    });

  it('names a re-serialization (compact, 2- or 4-space indentation) on a body up to 16 KiB', () => {
    const sent = body(HINT_MAX_BYTES - 500);
    for (const reserialized of [JSON.stringify(JSON.parse(sent), null, 2), JSON.stringify(JSON.parse(sent), null, 4)]) {
      // The sender signed the indented form; the receiver got it compact, or the other way round.
      expect(scalefusion(sent, reserialized)).toMatchObject({ code: 'signature_mismatch', hint: 'body_reserialized' });
    }
    expect(scalefusion(JSON.stringify(JSON.parse(sent), null, 2), sent)).toMatchObject({ hint: 'body_reserialized' });
  });

  it('is not computed past 16 KiB: the plain mismatch instead', () => {
    const sent = body(HINT_MAX_BYTES);
    expect(scalefusion(JSON.stringify(JSON.parse(sent), null, 2), sent)).toMatchObject({ code: 'signature_mismatch', hint: 'secret_or_body' });
  });

  it('builds no indented copy that would be many times the body (deep nesting)', () => {
    // 100 levels of one-element arrays around small numbers: indented by 4 it would be ~50x the body.
    const deep = `{"event":"device.enrolled","x":${'['.repeat(100)}${Array.from({ length: 200 }, (_, k) => k).join(',')}${']'.repeat(100)}}`;
    const indented = JSON.stringify(JSON.parse(deep), null, 4);
    expect(indented.length).toBeGreaterThan(30 * deep.length);
    expect(scalefusion(deep, indented)).toMatchObject({ code: 'signature_mismatch', hint: 'secret_or_body' });
    const compact = JSON.stringify(JSON.parse(deep));
    expect(scalefusion(deep.replace('"x":', '"x" :'), compact)).toMatchObject({ hint: 'body_reserialized' });
  });
});

describe("InHand's signed form is injective", () => {
  it('a lone surrogate escape is refused, even when the raw bytes were signed; U+FFFD itself is fine', () => {
    const lone = '{"alertType": "offline", "content": "\\ud800"}';
    const replacement = '{"alertType": "offline", "content": "\ufffd"}';
    expect(inhand(replacement, replacement)).toMatchObject({ ok: true });
    // As UTF-8, the Python-style form of the lone one would be the replacement body's bytes.
    expect(inhand(lone, replacement)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(inhand(lone, lone)).toMatchObject({ ok: false, code: 'invalid_json' });
    const refused = inhand(lone, lone);
    if (!refused.ok) expect(refused.message).toMatch(/Lone surrogate \\ud800.*Python/);
    // A high surrogate escape that does not pair, and a reversed pair
    for (const content of ['\\ud83d\\u0041', '\\ude00\\ud83d', 'x\\udfff']) {
      const text = `{"alertType":"offline","content":"${content}"}`;
      expect(inhand(text, pythonJsonDumps(text))).toMatchObject({ ok: false, code: 'invalid_json' });
    }
    // An escaped pair is one character, as in Python
    const pair = '{"alertType":"offline","content":"\\ud83d\\ude00"}';
    expect(inhand(pair, '{"alertType": "offline", "content": "😀"}')).toMatchObject({ ok: true });
  });

  it('an integer -0 never matches the signature of 0; raw-signed, it is what was signed', () => {
    const signedZero = '{"alertType": "offline", "n": 0}';
    expect(inhand('{"alertType":"offline","n":0}', signedZero)).toMatchObject({ ok: true });
    expect(inhand('{"alertType":"offline","n":-0}', signedZero)).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(inhand('{"alertType": "offline", "n": -0}', signedZero)).toMatchObject({ ok: false, code: 'invalid_json' });
    for (const rawSigned of ['{"alertType":"offline","n":-0}', '{"alertType": "offline", "n": -0}']) {
      const result = inhand(rawSigned, rawSigned);
      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(Object.is(result.event.raw['n'], -0)).toBe(true);
    }
    // -0.0 is a float in Python too: printed -0.0, parsed -0 — consistent, accepted.
    const float = '{"alertType":"offline","n":-0.0}';
    expect(inhand(float, '{"alertType": "offline", "n": -0.0}')).toMatchObject({ ok: true });
  });

  it('a duplicated key resolves as in Python (first position, last value) and matches JSON.parse', () => {
    const body = '{"alertType":"online","deviceName":"a","alertType":"offline"}';
    const result = inhand(body, '{"alertType": "offline", "deviceName": "a"}');
    expect(result).toMatchObject({ ok: true, event: { type: 'offline' } });
  });
});

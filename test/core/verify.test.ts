/**
 * What a receiver notices from `verify`: which requests pass, which are refused, with which status,
 * code and message.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryReplayStore, createRecordReplayStore, hashReplayKey, layeredReplayStore, refuseUnreadableBody, scopedReplayStore, sign, vendors, verify, verifySignature, type VerifyFailure } from '../../shared/src/index';

const SW_SECRET = `whsec_${Buffer.from('a very secret key of 32 bytes!!').toString('base64')}`;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function failure(result: ReturnType<typeof verify>): VerifyFailure {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.event)}`);
  return result;
}

describe('secrets and signatures', () => {
  const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: 'new-secret' });

  it('refuses an unsigned request while a secret is set', () => {
    const result = failure(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: {}, secrets: 'new-secret' }));
    expect(result).toMatchObject({ status: 401, code: 'signature_missing' });
    expect(result.message).toContain('x-signature');
  });

  it('accepts it only when unsigned requests are explicitly allowed, and says so', () => {
    const result = verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: {}, secrets: 'new-secret', options: { allowUnsigned: true } });
    expect(result).toMatchObject({ ok: true, authentication: 'unsigned_allowed' });
  });

  it('still checks a signature that is present when unsigned requests are allowed', () => {
    const result = verify({
      vendor: 'inhand-dm',
      rawBody: signed.body,
      headers: { 'x-signature': signed.headers['X-Signature']!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      secrets: 'new-secret',
      options: { allowUnsigned: true },
    });
    expect(failure(result).code).toBe('signature_mismatch');
  });

  it('refuses every request when no secret is configured (503 not_configured), and accepts them only when unauthenticated requests are allowed', () => {
    expect(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: ['', ''] })).toMatchObject({ ok: false, status: 503, code: 'not_configured' });
    expect(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: {}, secrets: ['', ''], options: { allowUnauthenticated: true } })).toMatchObject({
      ok: true,
      authentication: 'no_secret',
    });
  });

  it('accepts either of two secrets during a rotation', () => {
    expect(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: ['old-secret', 'new-secret'] }).ok).toBe(true);
    expect(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: ['new-secret', 'old-secret'] }).ok).toBe(true);
    const wrong = failure(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: ['old-secret', 'older'] }));
    expect(wrong.message).toContain('any of the 2 secrets');
  });

  it('reads headers in any case, as arrays, or from a Headers instance', () => {
    const value = signed.headers['X-Signature']!;
    for (const headers of [{ 'X-SIGNATURE': value }, { 'x-signature': [value] }, new Headers({ 'X-Signature': value })]) {
      expect(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers, secrets: 'new-secret' }).ok).toBe(true);
    }
  });

  it('refuses a signature header sent twice', () => {
    const value = signed.headers['X-Signature']!;
    const result = failure(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: { 'x-signature': [value, value] }, secrets: 'new-secret' }));
    expect(result).toMatchObject({ status: 401, code: 'signature_malformed' });
    expect(result.message).toMatch(/2 times/);
  });

  it('tells a signature in the wrong encoding from a wrong signature', () => {
    const hex = Buffer.from(signed.headers['X-Signature']!, 'base64').toString('hex');
    const result = failure(verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: { 'x-signature': hex }, secrets: 'new-secret' }));
    expect(result.code).toBe('signature_malformed');
    expect(result.message).toMatch(/64 hex characters/);
    expect(result.message).toMatch(/base64/);
  });
});

describe('InHand: the three signed forms', () => {
  // Written by hand: number forms and escapes are the point, and JSON.stringify would normalize them.
  const raw = '{\n "deviceName":"Gateway Z\\u00fcrich \u2603",\n "alertType":"offline",\t"ratio":1e5, "tiny":0.00001,"big":12345678901234567890,"_id":"a1"}';
  const mac = (content: string) => createHmac('sha256', 's').update(content).digest('base64');
  const python = '{"deviceName": "Gateway Zürich ☃", "alertType": "offline", "ratio": 100000.0, "tiny": 1e-05, "big": 12345678901234567890, "_id": "a1"}';
  const compact = python.replace(/", "/g, '","').replace(/": /g, '":').replace(/, "/g, ',"');

  it.each([
    ['raw bytes', raw],
    ['Python json.dumps', python],
    ['compact JSON', compact],
  ])('accepts a signature over the %s', (_name, content) => {
    const result = verify({ vendor: 'inhand-dm', rawBody: raw, headers: { 'x-signature': mac(content) }, secrets: 's' });
    expect(result.ok).toBe(true);
  });

  it('refuses a signature over JSON.stringify of the parsed body (numbers and escapes differ)', () => {
    const result = verify({ vendor: 'inhand-dm', rawBody: raw, headers: { 'x-signature': mac(JSON.stringify(JSON.parse(raw))) }, secrets: 's' });
    expect(failure(result).code).toBe('signature_mismatch');
  });
});

describe('body checks', () => {
  const secret = 'k';
  const scalefusion = (rawBody: string | Buffer, options = {}) =>
    verify({
      vendor: 'scalefusion',
      rawBody,
      headers: { 'x-sf-signature': createHmac('sha256', secret).update(rawBody).digest('hex') },
      secrets: secret,
      options,
    });

  it('refuses a body over the size cap with 413 before hashing it', () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expect(failure(scalefusion(big))).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(failure(verify({ vendor: 'scalefusion', rawBody: 'x'.repeat(101), headers: {}, secrets: secret, options: { maxBytes: 100 } })).code).toBe(
      'body_too_large',
    );
  });

  it('refuses invalid JSON, an empty body and non-object JSON with 4xx and a reason', () => {
    expect(failure(scalefusion('{"event": "device.enrolled"'))).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(failure(scalefusion(''))).toMatchObject({ status: 400, code: 'invalid_json', message: expect.stringMatching(/empty/) });
    expect(failure(scalefusion('[1,2]'))).toMatchObject({ status: 422, code: 'not_an_object', message: expect.stringMatching(/array/) });
    expect(failure(scalefusion('"device.enrolled"'))).toMatchObject({ status: 422, code: 'not_an_object' });
  });

  it('refuses a body without the type field, naming the field', () => {
    const result = failure(scalefusion('{"id": "1", "data": {}}'));
    expect(result).toMatchObject({ status: 422, code: 'type_missing' });
    expect(result.message).toContain('"event"');
  });

  it('refuses known fields of the wrong type, naming the field', () => {
    const result = failure(scalefusion('{"event": "device.enrolled", "data": {"devices": [{"name": 42}]}}'));
    expect(result).toMatchObject({ status: 422, code: 'schema_invalid' });
    expect(result.message).toContain('data.devices.0.name');
  });

  it('lets unknown fields pass by default and refuses them in strict mode', () => {
    const body = '{"event": "device.enrolled", "tenant": "acme", "data": {"devices": []}}';
    expect(scalefusion(body).ok).toBe(true);
    const strict = failure(scalefusion(body, { strictSchema: true }));
    expect(strict.code).toBe('schema_invalid');
    expect(strict.message).toContain('"tenant"');
  });

  it('passes unknown event types through with the type as label', () => {
    const result = scalefusion('{"event": "device.teleported", "data": {}}');
    expect(result).toMatchObject({ ok: true, event: { type: 'device.teleported', typeLabel: 'device.teleported' } });
  });

  it('refuses a parsed object instead of raw bytes, saying why', () => {
    const result = failure(verify({ vendor: 'scalefusion', rawBody: { event: 'x' } as never, headers: {}, secrets: secret }));
    expect(result).toMatchObject({ status: 400, code: 'invalid_input' });
    expect(result.message).toMatch(/raw body/);
  });

  it('refuses an unknown vendor, listing the known ones', () => {
    expect(failure(verify({ vendor: 'acme', rawBody: '{}', headers: {} })).message).toContain('inhand-dm');
  });
});

describe('refuseUnreadableBody: a body the host could not hand over', () => {
  it('answers 415 for a content type no vendor sends, naming it, and 400 otherwise', () => {
    expect(refuseUnreadableBody({ 'Content-Type': 'multipart/form-data; boundary=x' })).toMatchObject({ ok: false, status: 415, code: 'unsupported_media_type' });
    expect(refuseUnreadableBody({ 'content-type': 'multipart/form-data; boundary=x' }).message).toContain('multipart/form-data');
    expect(refuseUnreadableBody({ 'content-type': 'application/json; charset=utf-8' })).toMatchObject({ status: 400, code: 'invalid_input' });
    expect(refuseUnreadableBody({})).toMatchObject({ status: 400, code: 'invalid_input' });
  });

  it('keeps control characters of a hostile content type out of its message', () => {
    expect(refuseUnreadableBody({ 'content-type': 'text/plain\r\nX-Evil: 1' }).message).not.toMatch(/[\r\n]/);
  });
});

describe('Standard Webhooks timestamps and replays', () => {
  const body = JSON.stringify(vendors['standard-webhooks'].samples['device.alert']);
  const signedAt = (seconds: number, id = 'msg_1') =>
    sign({ vendor: 'standard-webhooks', body, secret: SW_SECRET, options: { timestamp: seconds, messageId: id } });
  const check = (headers: Record<string, string>, options = {}) =>
    verify({ vendor: 'standard-webhooks', rawBody: body, headers, secrets: SW_SECRET, options: { now: NOW, ...options } });
  const nowSeconds = NOW / 1000;

  it('accepts timestamps within 5 minutes either way', () => {
    expect(check(signedAt(nowSeconds - 299).headers).ok).toBe(true);
    expect(check(signedAt(nowSeconds + 299).headers).ok).toBe(true);
  });

  it('refuses stale and future timestamps, saying which', () => {
    expect(failure(check(signedAt(nowSeconds - 301).headers))).toMatchObject({ status: 401, code: 'timestamp_out_of_window', message: expect.stringMatching(/old/) });
    expect(failure(check(signedAt(nowSeconds + 301).headers)).message).toMatch(/future/);
  });

  it('honours a configured window', () => {
    expect(check(signedAt(nowSeconds - 3000).headers, { toleranceSeconds: 3600 }).ok).toBe(true);
    expect(check(signedAt(nowSeconds - 30).headers, { toleranceSeconds: 10 }).ok).toBe(false);
  });

  it('refuses non-numeric and missing timestamps', () => {
    const headers = signedAt(nowSeconds).headers;
    expect(failure(check({ ...headers, 'webhook-timestamp': '2026-01-15T12:00:00Z' }))).toMatchObject({ status: 400, code: 'timestamp_invalid' });
    expect(failure(check({ ...headers, 'webhook-timestamp': '1e9' })).code).toBe('timestamp_invalid');
    const { 'webhook-timestamp': _dropped, ...withoutTimestamp } = headers;
    expect(failure(check(withoutTimestamp)).code).toBe('timestamp_missing');
  });

  it('accepts any of several v1 signatures and ignores other versions', () => {
    const headers = signedAt(nowSeconds).headers;
    const multi = `v1a,xyz v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}`;
    expect(check({ ...headers, 'webhook-signature': multi }).ok).toBe(true);
  });

  it('answers a repeated message id as a duplicate (200, not accepted) with a replay store, and only then', () => {
    const replayStore = createMemoryReplayStore({ now: () => NOW });
    const headers = signedAt(nowSeconds, 'msg_replay').headers;
    expect(check(headers, { replayStore }).ok).toBe(true);
    expect(failure(check(headers, { replayStore }))).toMatchObject({ status: 200, code: 'duplicate', message: expect.stringContaining('already received') });
    expect(check(signedAt(nowSeconds, 'msg_other').headers, { replayStore }).ok).toBe(true);
    expect(check(headers).ok).toBe(true);
  });

  it('does not remember ids of refused requests', () => {
    const replayStore = createMemoryReplayStore({ now: () => NOW });
    const headers = signedAt(nowSeconds, 'msg_x').headers;
    expect(verify({ vendor: 'standard-webhooks', rawBody: body + ' ', headers, secrets: SW_SECRET, options: { now: NOW, replayStore } }).ok).toBe(false);
    expect(check(headers, { replayStore }).ok).toBe(true);
  });
});

describe('EdgeSense: signature in header or body', () => {
  const body = vendors.edgesense.samples['device.alert'];
  const signed = sign({ vendor: 'edgesense', body, secret: 'es' });

  it('accepts the body signature alone (signed over the body without it)', () => {
    expect(JSON.parse(signed.body.toString()).signature).toBe(signed.headers['X-EdgeSense-Signature']);
    expect(verify({ vendor: 'edgesense', rawBody: signed.body, headers: {}, secrets: 'es' }).ok).toBe(true);
  });

  it('accepts a header signature over the raw bytes', () => {
    const raw = JSON.stringify(body);
    const headers = { 'x-edgesense-signature': createHmac('sha256', 'es').update(raw).digest('hex') };
    expect(verify({ vendor: 'edgesense', rawBody: raw, headers, secrets: 'es' }).ok).toBe(true);
  });

  it('finds the body signature also under an escaped key name ("\\u0073ignature"), with the header signature too', () => {
    const escaped = signed.body.toString().replace('"signature":', '"\\u0073ignature":');
    expect(escaped).toContain('\\u0073ignature');
    expect(verify({ vendor: 'edgesense', rawBody: escaped, headers: {}, secrets: 'es' }).ok).toBe(true);
    const headers = { 'x-edgesense-signature': signed.headers['X-EdgeSense-Signature'] as string };
    expect(verify({ vendor: 'edgesense', rawBody: escaped, headers, secrets: 'es' }).ok).toBe(true);
  });

  it('refuses a changed value next to an intact signature', () => {
    const tampered = signed.body.toString().replace('91.2', '19.2');
    expect(failure(verify({ vendor: 'edgesense', rawBody: tampered, headers: {}, secrets: 'es' })).code).toBe('signature_mismatch');
  });
});

describe('generic HMAC settings', () => {
  const body = '{"action":"opened","number":7}';
  it('verifies a GitHub-style sha256= prefixed hex signature with the type from a header', () => {
    const headers = {
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', 'gh').update(body).digest('hex')}`,
      'X-GitHub-Event': 'pull_request',
    };
    const options = { scheme: { header: 'X-Hub-Signature-256', prefix: 'sha256=', typeHeader: 'X-GitHub-Event' } };
    expect(verify({ vendor: 'generic-hmac', rawBody: body, headers, secrets: 'gh', options })).toMatchObject({ ok: true, event: { type: 'pull_request' } });
    const unprefixed = failure(verify({ vendor: 'generic-hmac', rawBody: body, headers: { ...headers, 'X-Hub-Signature-256': headers['X-Hub-Signature-256'].slice(7) }, secrets: 'gh', options }));
    expect(unprefixed.message).toContain('sha256=');
  });

  it('verifies a Shopify-style base64 sha256 and a timestamp.body sha512', () => {
    const shopify = { 'X-Shopify-Hmac-Sha256': createHmac('sha256', 'sh').update(body).digest('base64') };
    expect(verify({ vendor: 'generic-hmac', rawBody: body, headers: shopify, secrets: 'sh', options: { scheme: { header: 'X-Shopify-Hmac-Sha256', encoding: 'base64' } } }).ok).toBe(true);
    const scheme = { algorithm: 'sha512', signedContent: 'timestamp.body', timestampHeader: 'X-Ts', header: 'X-Sig' } as const;
    const signed = sign({ vendor: 'generic-hmac', body, secret: 'ts', options: { ...scheme, now: NOW } });
    expect(signed.headers['X-Sig']).toBe(createHmac('sha512', 'ts').update(`${NOW / 1000}.${body}`).digest('hex'));
    expect(verify({ vendor: 'generic-hmac', rawBody: signed.body, headers: signed.headers, secrets: 'ts', options: { now: NOW, scheme } }).ok).toBe(true);
    expect(verify({ vendor: 'generic-hmac', rawBody: signed.body, headers: signed.headers, secrets: 'ts', options: { now: NOW + 600_000, scheme } }).ok).toBe(false);
  });

  it('answers a configuration that cannot work with a clear 400, not a crash', () => {
    const result = failure(verify({ vendor: 'generic-hmac', rawBody: body, headers: {}, secrets: 'x', options: { scheme: { header: 'Bad Header\r\n' } } }));
    expect(result).toMatchObject({ status: 400, code: 'invalid_input' });
  });
});

describe('never throws', () => {
  it('on hostile headers objects and odd inputs', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
    const inputs: unknown[] = [
      { vendor: 'scalefusion', rawBody: '{}', headers: hostile, secrets: 'x' },
      { vendor: 'scalefusion', rawBody: null, headers: null, secrets: 42 },
      { vendor: undefined },
      null,
      { vendor: 'inhand-dm', rawBody: '{"a":' + '['.repeat(5000), headers: { 'x-signature': 'A'.repeat(43) + '=' }, secrets: 's' },
      { vendor: 'inhand-dm', rawBody: Buffer.from([0xff, 0xfe, 0x7b]), headers: { 'x-signature': 1 }, secrets: ['s'] },
    ];
    for (const input of inputs) {
      const result = verify(input as never);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('verifySignature: authenticity without parsing', () => {
  const body = '{"event": "device.locked", "data": {"devices": []}}';
  const signature = createHmac('sha256', 'k').update(body).digest('hex');

  it('accepts a signed body and refuses a tampered one, like verify', () => {
    expect(verifySignature({ vendor: 'scalefusion', rawBody: body, headers: { 'x-sf-signature': signature }, secrets: 'k' })).toEqual({ ok: true, authentication: 'verified' });
    expect(verifySignature({ vendor: 'scalefusion', rawBody: body + ' ', headers: { 'x-sf-signature': signature }, secrets: 'k' })).toMatchObject({ ok: false, code: 'signature_mismatch' });
    expect(verifySignature({ vendor: 'scalefusion', rawBody: body, headers: {}, secrets: 'k' })).toMatchObject({ ok: false, code: 'signature_missing' });
  });

  it('does not look inside the body: a signed non-JSON body passes here, and verify refuses it', () => {
    const text = 'not json';
    const headers = { 'x-sf-signature': createHmac('sha256', 'k').update(text).digest('hex') };
    expect(verifySignature({ vendor: 'scalefusion', rawBody: text, headers, secrets: 'k' }).ok).toBe(true);
    expect(verify({ vendor: 'scalefusion', rawBody: text, headers, secrets: 'k' })).toMatchObject({ ok: false, code: 'invalid_json' });
  });

  it('still caps the size first', () => {
    expect(verifySignature({ vendor: 'scalefusion', rawBody: 'x'.repeat(11), headers: {}, secrets: 's', options: { maxBytes: 10 } })).toMatchObject({ ok: false, status: 413 });
  });
});

describe('replay stores: layered and scoped', () => {
  it('a layered store remembers in every layer and refuses what any layer has seen', () => {
    const local = createMemoryReplayStore();
    const shared: Record<string, number> = {};
    const layered = layeredReplayStore(local, createRecordReplayStore(shared));
    const later = Date.now() + 60_000;
    expect(layered.checkAndRemember('a', later)).toBe(false);
    expect(Object.keys(shared)).toEqual([hashReplayKey('a')]);
    expect(local.checkAndRemember('a', later)).toBe(true);
    // Seen by the shared layer only (another process accepted it): still refused here.
    shared[hashReplayKey('b')] = later;
    expect(layered.checkAndRemember('b', later)).toBe(true);
    // Seen by the local layer only (the shared one not saved yet): refused too.
    expect(layeredReplayStore(local, createRecordReplayStore({})).checkAndRemember('a', later)).toBe(true);
  });

  it('scoped views of one store keep their keys apart', () => {
    const store = createMemoryReplayStore();
    const later = Date.now() + 60_000;
    expect(scopedReplayStore(store, 'workflow-1').checkAndRemember('msg', later)).toBe(false);
    expect(scopedReplayStore(store, 'workflow-1').checkAndRemember('msg', later)).toBe(true);
    expect(scopedReplayStore(store, 'workflow-2').checkAndRemember('msg', later)).toBe(false);
  });
});

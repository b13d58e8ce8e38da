/**
 * The decisions every receiver host shares, made once in the core: fail closed, options validated,
 * duplicates answered 200, the one answer shape, the chosen types, the headers that may be handed on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanTypes,
  createMemoryReplayStore,
  createReceiver,
  createRecordReplayStore,
  DEFAULT_MAX_BYTES,
  hashReplayKey,
  hostReplayStore,
  REPLAY_ENTRY_BYTES,
  replayKeyOf,
  safeHeaders,
  sign,
  usableSecrets,
  vendorIds,
  vendors,
  verify,
  type Decision,
} from '../../shared/src/index';

const SECRET = 'kit-secret';
const inhand = (type = 'offline', secret = SECRET) => {
  const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples[type], secret });
  return { headers: signed.headers, rawBody: signed.body };
};
const swSecret = `whsec_${Buffer.from('a-standard-webhooks-key-32-bytes').toString('base64')}`;

describe('fail closed', () => {
  it('a receiver without a secret refuses every request with 503 not_configured, saying what to set', () => {
    for (const secrets of [undefined, '', ['', ''], [null, 3]]) {
      const receiver = createReceiver({ vendor: 'inhand-dm', secrets });
      expect(receiver.mode).toBe('not_configured');
      const decision = receiver.receive(inhand());
      expect(decision.answer.status).toBe(503);
      expect(decision.answer.body).toEqual({ code: 'not_configured', message: expect.stringMatching(/No secret is set .*InHand Device Manager.*Accept unauthenticated requests/) });
    }
  });

  it('core verify() fails closed the same way, before looking at the body', () => {
    const result = verify({ vendor: 'scalefusion', rawBody: 'x'.repeat(10), headers: {}, options: { maxBytes: 5 } });
    expect(result).toMatchObject({ ok: false, status: 503, code: 'not_configured' });
  });

  it('allowUnauthenticated takes requests without a secret, unchecked, marked no_secret', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', allowUnauthenticated: true });
    expect(receiver.mode).toBe('unauthenticated');
    const decision = receiver.receive({ headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(vendors['inhand-dm'].samples['offline']) });
    expect(decision).toMatchObject({ kind: 'accepted', authentication: 'no_secret' });
  });

  it('allowUnauthenticated does not weaken a receiver that has a secret', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowUnauthenticated: true });
    expect(receiver.mode).toBe('secured');
    expect(receiver.receive({ headers: { 'content-type': 'application/json' }, rawBody: '{"alertType":"offline"}' }).answer.status).toBe(401);
  });

  it('an unresolved ${VAR} secret is no secret: refused with a message naming the variable, even with allowUnauthenticated', () => {
    for (const text of ['${INHAND_SECRET}', '$(INHAND_SECRET)', ' ${INHAND_SECRET} ']) {
      const receiver = createReceiver({ vendor: 'inhand-dm', secrets: [text, ''], allowUnauthenticated: true });
      const decision = receiver.receive(inhand('offline', text));
      expect(decision.answer.status, text).toBe(503);
      expect(decision.answer.body.message).toContain('INHAND_SECRET');
      expect(decision.answer.body.message).toMatch(/environment variable INHAND_SECRET is not set/);
    }
    // A secret signed with the literal text is not accepted by verify() either.
    expect(verify({ vendor: 'inhand-dm', ...inhand('offline', '${X}'), secrets: '${X}' })).toMatchObject({ ok: false, code: 'not_configured' });
  });

  it('an unresolved previous secret is dropped while the current one still works', () => {
    expect(usableSecrets(['real', '${OLD}'])).toEqual({ secrets: ['real'], unresolved: ['OLD'] });
    expect(createReceiver({ vendor: 'inhand-dm', secrets: ['${NEW}', SECRET] }).receive(inhand())).toMatchObject({ kind: 'accepted' });
    // A secret that merely contains ${ is a real secret.
    expect(usableSecrets('ab${C}d').secrets).toEqual(['ab${C}d']);
  });
});

describe('options validated', () => {
  const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -5, '300' as unknown as number];

  it.each(['toleranceSeconds', 'maxBytes', 'now', 'duplicateHorizonSeconds'] as const)('%s that is not a positive finite number is refused invalid_input (it would turn a check off)', (name) => {
    for (const value of bad) {
      const result = verify({ vendor: 'inhand-dm', ...inhand(), secrets: SECRET, options: { [name]: value } });
      expect(result, `${name}=${String(value)}`).toMatchObject({ ok: false, status: 400, code: 'invalid_input' });
      expect((result as { message: string }).message).toContain(name);
    }
  });

  it('the host kit reports invalid options as the receiver’s problem and answers every request with it', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, toleranceSeconds: Number('5m') });
    expect(receiver.problem).toMatchObject({ code: 'invalid_input' });
    expect(receiver.receive(inhand()).answer).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
  });

  it('an unknown vendor is a problem of the receiver, not a throw', () => {
    const receiver = createReceiver({ vendor: 'nope', secrets: SECRET });
    expect(receiver.problem).toMatchObject({ code: 'invalid_input' });
    expect(receiver.receive(inhand()).answer.status).toBe(400);
  });
});

describe('one answer shape', () => {
  const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, types: ['offline'], unchosenTypes: 'ignore' });

  it('accepted → 200 {received, type}', () => {
    expect(receiver.receive(inhand('offline')).answer).toEqual({ status: 200, body: { received: true, type: 'offline' }, headers: { 'content-type': 'application/json; charset=utf-8' } });
  });

  it('a type not chosen → 200 {received, ignored, message}, nothing to start', () => {
    const decision = receiver.receive(inhand('online'));
    expect(decision.kind).toBe('ignored');
    expect(decision.answer).toMatchObject({ status: 200, body: { received: true, ignored: true, message: expect.stringContaining('online') } });
  });

  it('refused → the code’s status and {code, message}, nothing else', () => {
    const tampered = inhand();
    const decision = receiver.receive({ ...tampered, rawBody: Buffer.from(tampered.rawBody.toString().replace('offline', 'online')) });
    expect(decision.answer.status).toBe(401);
    expect(Object.keys(decision.answer.body).sort()).toEqual(['code', 'message']);
  });

  it('too large, too slow and unreadable bodies are answered by the kit too (413, 408, 415/400)', () => {
    const small = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, maxBytes: 1000 });
    expect(small.tooLarge().answer).toMatchObject({ status: 413, body: { code: 'body_too_large', message: 'The body is over the 1000-byte limit.' } });
    // The same words as verify() gives for a body it was handed whole, so every host answers alike.
    expect(small.receive({ headers: {}, rawBody: Buffer.alloc(5000) }).answer.body).toEqual(small.tooLarge(5000).answer.body);
    expect(small.timedOut(30_000).answer).toMatchObject({ status: 408, body: { code: 'request_timeout', message: 'The body did not arrive within 30 s.' } });
    expect(small.unreadable({ 'content-type': 'multipart/form-data; boundary=x' }).answer).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    expect(small.receive({ headers: {}, rawBody: undefined }).answer).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
  });

  it('the default body limit is the core’s', () => {
    expect(createReceiver({ vendor: 'inhand-dm', secrets: SECRET }).maxBytes).toBe(DEFAULT_MAX_BYTES);
  });

  it('every decision’s answer has exactly one of the shapes, for arbitrary requests', () => {
    fc.assert(
      fc.property(fc.constantFrom(...vendorIds), fc.uint8Array({ maxLength: 200 }), fc.boolean(), (vendor, bytes, withSecret) => {
        const r = createReceiver({ vendor, secrets: withSecret ? SECRET : undefined, types: ['a'], unchosenTypes: 'ignore' });
        const decision: Decision = r.receive({ headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(bytes) });
        const body = decision.answer.body;
        if (decision.kind === 'refused') expect(Object.keys(body).sort()).toEqual(['code', 'message']);
        else expect(body.received).toBe(true);
        if (decision.answer.status !== 200) expect(decision.kind).toBe('refused');
      }),
      { numRuns: 300 },
    );
  });
});

describe('routing by type', () => {
  it('cleans the chosen types once: lists or comma-separated text, trimmed, no empties or repeats', () => {
    expect(cleanTypes(' a, b ,,a,c')).toEqual(['a', 'b', 'c']);
    expect(cleanTypes(['x', '', ' y ', 'x', 3, null])).toEqual(['x', 'y', '3']);
    expect(cleanTypes(undefined)).toEqual([]);
  });

  it('route: a chosen type leaves by its output, others by the last ("other")', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, types: 'online, offline' });
    expect(receiver.receive(inhand('offline'))).toMatchObject({ kind: 'accepted', output: 1 });
    expect(receiver.receive(inhand('sim_switch'))).toMatchObject({ kind: 'accepted', output: 2 });
  });
});

describe('duplicates', () => {
  const swRequest = (id: string) => {
    const signed = sign({ vendor: 'standard-webhooks', body: { type: 'invoice.paid' }, secret: swSecret, options: { messageId: id } });
    return { headers: signed.headers, rawBody: signed.body };
  };

  it('a repeated id is answered 200 {received, duplicate, message} and starts nothing (senders stop retrying)', () => {
    const receiver = createReceiver({ vendor: 'standard-webhooks', secrets: swSecret });
    expect(receiver.duplicates.on).toBe(true); // the scheme asks for it
    expect(receiver.receive(swRequest('msg_1')).kind).toBe('accepted');
    const again = receiver.receive(swRequest('msg_1'));
    expect(again.kind).toBe('duplicate');
    expect(again.answer).toEqual({
      status: 200,
      body: { received: true, duplicate: true, message: 'Message msg_1 was already received; this copy is not processed again.' },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
  });

  it('is off by default for vendors whose scheme does not ask for it, and can be turned on or off', () => {
    expect(createReceiver({ vendor: 'inhand-dm', secrets: SECRET }).duplicates.on).toBe(false);
    expect(createReceiver({ vendor: 'standard-webhooks', secrets: swSecret, duplicates: false }).duplicates.on).toBe(false);
    const on = createReceiver({ vendor: '1nce', secrets: 'key', duplicates: true });
    const signed = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: 'key' });
    expect(on.receive({ headers: signed.headers, rawBody: signed.body }).kind).toBe('accepted');
    expect(on.receive({ headers: signed.headers, rawBody: signed.body }).kind).toBe('duplicate');
  });

  it('ids are kept for the vendor’s horizon, at least its whole retry schedule with jitter, and the horizon is configurable', () => {
    for (const id of vendorIds) {
      const profile = vendors[id];
      const scheduleMs = profile.retryPolicy.retryDelaysMs.reduce((a, b) => a + b, 0) * (1 + profile.retryPolicy.jitterRatio);
      expect(profile.duplicates.horizonSeconds * 1000, id).toBeGreaterThanOrEqual(scheduleMs);
    }
    const now = Date.now();
    const record: Record<string, number> = {};
    const store = createRecordReplayStore(record, { now: () => now });
    const receiver = createReceiver({ vendor: 'standard-webhooks', secrets: swSecret, duplicateHorizonSeconds: 600, now });
    const request = swRequest('msg_h');
    expect(receiver.receive({ ...request, replayStore: store }).kind).toBe('accepted');
    expect(Object.values(record)).toEqual([now + 600_000]);
  });

  it('ids are stored as fixed-size hashes, never as sent (a 1 MiB id costs 22 characters)', () => {
    const record: Record<string, number> = {};
    const store = createRecordReplayStore(record);
    store.checkAndRemember('x'.repeat(1024 * 1024), Date.now() + 60_000);
    store.checkAndRemember('short', Date.now() + 60_000);
    expect(Object.keys(record).map((k) => k.length)).toEqual([22, 22]);
    expect(Object.keys(record)).toContain(hashReplayKey('short'));
    expect(JSON.stringify(record)).not.toContain('short');
  });

  it('stores are bounded by bytes: past the bound the ids expiring first go, and the size never exceeds it', () => {
    const maxBytes = 100 * REPLAY_ENTRY_BYTES;
    const record: Record<string, number> = {};
    const store = createRecordReplayStore(record, { maxBytes });
    const later = Date.now() + 3_600_000;
    for (let i = 0; i < 1000; i++) store.checkAndRemember(`id-${i}`, later + i);
    expect(Object.keys(record)).toHaveLength(100);
    expect(JSON.stringify(record).length).toBeLessThanOrEqual(maxBytes);
    expect(store.checkAndRemember('id-999', later)).toBe(true); // the newest are kept
    expect(store.checkAndRemember('id-0', later)).toBe(false); // the oldest went
    const memory = createMemoryReplayStore({ maxBytes });
    for (let i = 0; i < 1000; i++) memory.checkAndRemember(`id-${i}`, later);
    expect(memory.checkAndRemember('id-999', later)).toBe(true);
    expect(memory.checkAndRemember('id-0', later)).toBe(false);
  });

  it('the host replay policy refuses a copy in flight in this process even when the saved list was not saved yet, per scope', () => {
    const later = Date.now() + 60_000;
    expect(hostReplayStore({}, 'scope-a').checkAndRemember('m', later)).toBe(false);
    expect(hostReplayStore({}, 'scope-a').checkAndRemember('m', later)).toBe(true); // fresh record, same process
    expect(hostReplayStore({}, 'scope-b').checkAndRemember('m', later)).toBe(false);
    const saved: Record<string, number> = {};
    hostReplayStore(saved, 'scope-c').checkAndRemember('m', later);
    expect(Object.keys(saved)).toHaveLength(1);
  });

  it('a refused request is not remembered', () => {
    const receiver = createReceiver({ vendor: 'standard-webhooks', secrets: swSecret });
    const request = swRequest('msg_r');
    expect(receiver.receive({ ...request, rawBody: Buffer.concat([request.rawBody, Buffer.from(' ')]) }).kind).toBe('refused');
    expect(receiver.receive(request).kind).toBe('accepted');
  });
});

describe('forgetting an id whose processing failed', () => {
  it('every store (memory, saved record, the host layering) takes a forgotten id as new again, and only that id', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 2, maxLength: 20 }), fc.nat(), (ids, pick) => {
        const later = Date.now() + 60_000;
        const record: Record<string, number> = {};
        const stores = [createMemoryReplayStore(), createRecordReplayStore({}), hostReplayStore(record, `scope-${pick}`)];
        const forgotten = ids[pick % ids.length]!;
        for (const store of stores) {
          for (const id of ids) expect(store.checkAndRemember(id, later)).toBe(false);
          store.forget?.(forgotten);
          for (const id of ids) expect(store.checkAndRemember(id, later), id).toBe(id !== forgotten);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('the receiver remembers an accepted event under replayKeyOf(event), so forgetting that key lets its copy in again', () => {
    const record: Record<string, number> = {};
    const receiver = createReceiver({ vendor: 'standard-webhooks', secrets: swSecret, duplicates: true });
    const signed = sign({ vendor: 'standard-webhooks', body: vendors['standard-webhooks'].samples[Object.keys(vendors['standard-webhooks'].samples)[0]!], secret: swSecret });
    const request = { headers: signed.headers, rawBody: signed.body };
    const first = receiver.receive({ ...request, replayStore: hostReplayStore(record, 'k') });
    expect(first.kind).toBe('accepted');
    expect(receiver.receive({ ...request, replayStore: hostReplayStore(record, 'k') }).kind).toBe('duplicate');
    hostReplayStore(record, 'k').forget?.(replayKeyOf((first as Extract<Decision, { kind: 'accepted' }>).event)!);
    expect(receiver.receive({ ...request, replayStore: hostReplayStore(record, 'k') }).kind).toBe('accepted');
  });
});

describe('secrets never leave: safeHeaders', () => {
  it('drops the scheme’s authentication headers, authorization, proxy-authorization and cookie; keeps the rest as spelt', () => {
    const headers = {
      'X-API-Key': 'the-1nce-key',
      Authorization: 'Bearer t',
      'proxy-authorization': 'Basic x',
      cookie: 'a=b',
      'content-type': 'application/json',
      'x-request-id': ['1', '2'],
    };
    expect(safeHeaders(headers, vendors['1nce'])).toEqual({ 'content-type': 'application/json', 'x-request-id': ['1', '2'] });
    expect(safeHeaders({ 'x-token': 'k', a: '1' }, vendors['1nce'], { header: 'X-Token' })).toEqual({ a: '1' });
    expect(safeHeaders({ 'x-signature': 's', 'x-other': 'o' }, vendors['inhand-dm'])).toEqual({ 'x-other': 'o' });
    expect(Object.keys(safeHeaders({ 'webhook-signature': 's', 'webhook-id': 'i', 'webhook-timestamp': '1', x: 'y' }, vendors['standard-webhooks']))).toEqual(['x']);
    expect(safeHeaders(new Headers({ cookie: 'c', 'x-a': 'b' }), vendors.scalefusion)).toEqual({ 'x-a': 'b' });
  });

  it('the receiver offers it with its own scheme settings', () => {
    const receiver = createReceiver({ vendor: 'generic-hmac', secrets: SECRET, scheme: { header: 'X-Hub-Signature-256', signedContent: 'timestamp.body', timestampHeader: 'X-Ts' } });
    expect(receiver.safeHeaders({ 'x-hub-signature-256': 's', 'x-ts': '1', 'x-github-event': 'push' })).toEqual({ 'x-github-event': 'push' });
  });
});

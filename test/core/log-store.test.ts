/**
 * The receipt and delivery log's embedded store: what a user relies on — entries come back filtered and
 * newest first, counts are right, old segments go whole, the log survives a reopen and a torn last line,
 * nothing secret lands on disk, files are private, and no node id reaches outside the log folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryEntry, parseLogFilter, receiptEntry, type LogEntryInput } from '../../shared/src/log/index';
import { logFolderName, openLogStore, type FileLogStore } from '../../shared/src/node/log-store';

let root: string;
const opened: FileLogStore[] = [];
const open = (node: string, options: Parameters<typeof openLogStore>[2] = {}) => {
  const store = openLogStore(root, node, options);
  opened.push(store);
  return store;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'devicehook-log-'));
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(root, { recursive: true, force: true });
});

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
let counter = 0;
const rid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

function received(minutes: number, status: number, extra: Partial<LogEntryInput> = {}): LogEntryInput {
  return receiptEntry({
    node: 'in1',
    requestId: rid(),
    time: at(minutes),
    vendor: 'inhand-dm',
    status,
    ...(status >= 300 ? { code: 'signature_mismatch', message: 'The signature does not match.' } : {}),
    type: 'offline',
    body: '{"type":"offline"}',
    ...extra,
  } as never);
}

describe('log store: append and query', () => {
  it('returns entries newest first, filtered by code, class, type, request id and date range', async () => {
    const store = open('in1');
    const a = store.append(received(0, 200));
    const b = store.append(received(1, 401));
    const c = store.append(received(2, 413, { code: 'body_too_large', type: undefined } as never));
    const d = store.append(received(3, 200, { type: 'online' }));
    const all = await store.query();
    expect(all.entries.map((e) => e.id)).toEqual([d.id, c.id, b.id, a.id]);
    expect((await store.query(parseLogFilter({ code: '401' }))).entries.map((e) => e.id)).toEqual([b.id]);
    expect((await store.query(parseLogFilter({ code: '4xx' }))).entries.map((e) => e.id)).toEqual([c.id, b.id]);
    expect((await store.query(parseLogFilter({ code: 'body_too_large' }))).entries.map((e) => e.id)).toEqual([c.id]);
    expect((await store.query(parseLogFilter({ type: 'online' }))).entries.map((e) => e.id)).toEqual([d.id]);
    expect((await store.query(parseLogFilter({ requestId: b.requestId }))).entries.map((e) => e.id)).toEqual([b.id]);
    expect((await store.query(parseLogFilter({ requestId: b.requestId.toUpperCase() }))).entries).toHaveLength(1);
    expect((await store.query(parseLogFilter({ from: at(1), to: at(2) }))).entries.map((e) => e.id)).toEqual([c.id, b.id]);
    expect((await store.query(parseLogFilter({ from: '2026-12-02' }))).entries).toEqual([]);
    expect((await store.query(parseLogFilter({ to: '2026-12-01' }))).entries).toHaveLength(4);
    expect(await store.get(b.id)).toMatchObject({ id: b.id, status: 401, code: 'signature_mismatch', reason: 'The signature does not match.', payload: '{"type":"offline"}' });
    expect(await store.get('999-0')).toBeUndefined();
    expect(await store.get('../x')).toBeUndefined();
  });

  it('pages with limit and before', async () => {
    const store = open('in1');
    const ids = Array.from({ length: 25 }, (_, i) => store.append(received(i, 200)).id).reverse();
    const first = await store.query({ limit: 10 });
    expect(first.more).toBe(true);
    expect(first.entries.map((e) => e.id)).toEqual(ids.slice(0, 10));
    const second = await store.query({ limit: 10, before: first.entries[9]!.id });
    expect(second.entries.map((e) => e.id)).toEqual(ids.slice(10, 20));
    const third = await store.query({ limit: 10, before: second.entries[9]!.id });
    expect(third).toEqual({ entries: expect.any(Array), more: false });
    expect(third.entries.map((e) => e.id)).toEqual(ids.slice(20));
  });

  it('reads back every entry, newest first, whatever their sizes (lines across read chunks and segments)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 7 }), async (sizes, pageSize) => {
        const store = openLogStore(root, `prop-${++counter}`, { segmentBytes: 100_000 });
        const ids = sizes.map((size, i) => store.append(received(i, 200, { body: 'é'.repeat(size), payloadCap: 200_000 } as never)).id).reverse();
        const seen: string[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await store.query({ limit: pageSize, ...(before ? { before } : {}) });
          seen.push(...page.entries.map((e) => e.id));
          if (!page.more) break;
          before = page.entries[page.entries.length - 1]!.id;
        }
        const whole = await store.get(ids[0]!);
        await store.close();
        return JSON.stringify(seen) === JSON.stringify(ids) && whole?.payload === 'é'.repeat(sizes[sizes.length - 1]!);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses filters it cannot read, naming the field', () => {
    expect(() => parseLogFilter({ from: 'yesterday' })).toThrow(/from must be a date/);
    expect(() => parseLogFilter({ limit: '0' })).toThrow(/limit/);
    expect(() => parseLogFilter({ code: '<script>' })).toThrow(/code/);
    expect(() => parseLogFilter({ before: '../1' })).toThrow(/before/);
    expect(parseLogFilter({ limit: '50000' }).limit).toBe(1000);
  });

  it('counts received / accepted / refused and sent / delivered / failed / retrying', () => {
    const store = open('mixed');
    store.append(received(0, 200));
    store.append(received(1, 200, { ignored: true } as never));
    store.append(receiptEntry({ node: 'mixed', requestId: rid(), status: 200, code: 'duplicate', message: 'already received' }));
    store.append(received(2, 401));
    const attempt = (n: number, statusCode: number) => ({ attempt: n, requestId: rid(), startedAt: at(n), durationMs: 5, statusCode, verdict: 'retry' as const, nextRetryInMs: 10_000 });
    store.append(deliveryEntry({ node: 'mixed', deliveryId: 'd1', result: { attempts: [attempt(1, 200)], url: 'https://x.example/h', vendor: 'inhand-dm', outcome: 'delivered', statusCode: 200 } }));
    store.append(deliveryEntry({ node: 'mixed', deliveryId: 'd2', outcome: 'retrying', result: { attempts: [attempt(1, 503)], url: 'https://x.example/h', vendor: 'inhand-dm' } }));
    expect(store.summary()).toMatchObject({ received: 4, accepted: 3, ignored: 1, duplicate: 1, refused: 1, sent: 1, delivered: 1, failed: 0, retrying: 1 });
    store.append(deliveryEntry({ node: 'mixed', deliveryId: 'd2', result: { attempts: [attempt(1, 503), attempt(2, 503)], url: 'https://x.example/h', vendor: 'inhand-dm', outcome: 'failed', statusCode: 503, error: 'The receiver answered HTTP 503 after 2 attempts.' } }));
    expect(store.summary()).toMatchObject({ sent: 2, delivered: 1, failed: 1, retrying: 0, byCode: { signature_mismatch: 1, duplicate: 1, http_503: 1 } });
  });
});

describe('log store: retention and reopening', () => {
  it('deletes whole old segments past the size limit, keeping the newest entries', async () => {
    const store = open('big', { segmentBytes: 8192, maxBytes: 65536 });
    const appended = Array.from({ length: 2000 }, (_, i) => store.append(received(i, 200)));
    await store.flush();
    expect(store.bytes()).toBeLessThanOrEqual(65536);
    const files = readdirSync(store.dir).filter((f) => f.endsWith('.ndjson'));
    expect(files.length).toBeGreaterThan(4);
    expect(files.length).toBe(store.segments().length);
    // Every remaining segment file is whole: each line parses, and together they hold a suffix of what was appended.
    const kept = (await store.query({ limit: 1000 })).entries;
    expect(kept[0]!.id).toBe(appended[appended.length - 1]!.id);
    const keptIds = new Set(kept.map((e) => e.id));
    const firstKept = appended.findIndex((e) => keptIds.has(e.id));
    expect(appended.slice(firstKept).every((e) => keptIds.has(e.id))).toBe(true);
    expect(store.summary().received).toBe(kept.length);
  });

  it('deletes segments older than the age limit', async () => {
    let clock = T0;
    const store = open('old', { segmentBytes: 4096, maxAgeMs: 86_400_000, now: () => clock });
    for (let i = 0; i < 100; i++) store.append(received(0, 200));
    clock = T0 + 2 * 86_400_000;
    store.append(received(2 * 24 * 60, 401));
    await store.flush();
    const left = (await store.query()).entries;
    expect(left.map((e) => e.status)).toEqual([401]);
    expect(store.summary()).toMatchObject({ received: 1, refused: 1 });
    expect(readdirSync(store.dir).filter((f) => f.endsWith('.ndjson'))).toHaveLength(1);
  });

  it('survives closing and reopening, and cuts a torn last line', async () => {
    const first = open('in1', { segmentBytes: 4096 });
    for (let i = 0; i < 120; i++) first.append(received(i, i % 3 === 0 ? 401 : 200));
    const before = first.summary();
    const newest = (await first.query({ limit: 5 })).entries;
    await first.close();
    const active = readdirSync(first.dir).filter((f) => f.endsWith('.ndjson')).sort().pop()!;
    appendFileSync(join(first.dir, active), '{"id":"torn","time":"2026-12-01T');
    const again = open('in1', { segmentBytes: 4096 });
    expect(again).not.toBe(first);
    expect(again.summary()).toEqual(before);
    expect((await again.query({ limit: 5 })).entries).toEqual(newest);
    const next = again.append(received(500, 200));
    expect((await again.query({ limit: 1 })).entries[0]).toEqual(next);
    expect(readFileSync(join(again.dir, active), 'utf8')).not.toContain('torn');
  });

  it('rebuilds a missing sidecar from its segment', async () => {
    const first = open('in1', { segmentBytes: 4096 });
    for (let i = 0; i < 60; i++) first.append(received(i, 200));
    const before = first.summary();
    await first.close();
    const sidecars = readdirSync(first.dir).filter((f) => f.endsWith('.sum.json'));
    expect(sidecars.length).toBeGreaterThan(0);
    for (const f of sidecars) rmSync(join(first.dir, f));
    expect(open('in1', { segmentBytes: 4096 }).summary()).toEqual(before);
  });
});

describe('log store: privacy', () => {
  it('keeps no secret: header values, URL credentials and the configured secret are redacted', async () => {
    const secret = 'sup3r-s3cret-value';
    const store = open('in1');
    store.append(
      receiptEntry({
        node: 'in1',
        requestId: rid(),
        status: 401,
        code: 'signature_mismatch',
        message: `The signature does not match (secret ${secret})`,
        headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret, cookie: `s=${secret}`, 'x-inhand-signature': 'abcdef', 'content-type': 'application/json' },
        body: `{"token":"${secret}"}`,
        secrets: [secret],
      }),
    );
    store.append(
      deliveryEntry({
        node: 'in1',
        deliveryId: 'd',
        secrets: [secret],
        result: { attempts: [], url: `https://user:${secret}@hooks.example/x?token=${secret}&device=7`, vendor: 'generic-hmac', outcome: 'failed', error: 'failed' },
      }),
    );
    await store.flush();
    const onDisk = readdirSync(store.dir).map((f) => readFileSync(join(store.dir, f), 'utf8')).join('\n');
    expect(onDisk).not.toContain(secret);
    expect(onDisk).not.toContain('abcdef');
    const [sent, got] = (await store.query()).entries;
    expect(got!.headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', 'x-inhand-signature': '[redacted]', 'content-type': 'application/json' });
    expect(sent!.url).toBe('https://%5Bredacted%5D@hooks.example/x?token=%5Bredacted%5D&device=7');
  });

  it('caps payloads at 16 KiB on a character boundary, and leaves them out when asked', async () => {
    const store = open('in1');
    const big = `"${'é'.repeat(20_000)}"`;
    const a = store.append(receiptEntry({ node: 'in1', requestId: rid(), status: 200, body: big }));
    expect(a.payloadTruncated).toBe(true);
    expect(a.payloadBytes).toBe(Buffer.byteLength(big));
    expect(Buffer.byteLength(a.payload!)).toBeLessThanOrEqual(16 * 1024);
    expect(a.payload!.endsWith('é')).toBe(true);
    const b = store.append(receiptEntry({ node: 'in1', requestId: rid(), status: 200, body: big, keepPayload: false }));
    expect(b.payload).toBeUndefined();
    const c = store.append(receiptEntry({ node: 'in1', requestId: rid(), status: 400, body: Buffer.from([0xff, 0xfe, 0x00]) }));
    expect(c).toMatchObject({ payload: '//4A', payloadEncoding: 'base64' });
  });

  it('writes files 0600 in folders 0700', async () => {
    const store = open('in1', { segmentBytes: 4096 });
    for (let i = 0; i < 50; i++) store.append(received(i, 200));
    await store.flush();
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(store.dir);
    expect(files.some((f) => f.endsWith('.sum.json'))).toBe(true);
    for (const f of files) expect(statSync(join(store.dir, f)).mode & 0o777, f).toBe(0o600);
  });

  it('keeps every node id, however hostile, in a hashed folder inside the log root', () => {
    for (const id of ['../../etc', '/etc/passwd', '..', '.', 'a/../../b', 'C:\\x', '\u0000', '']) {
      const store = open(id);
      expect(relative(root, store.dir)).toBe(logFolderName(id));
      expect(logFolderName(id)).toMatch(/^[0-9a-f]{32}$/);
    }
    fc.assert(
      fc.property(fc.string(), (id) => {
        const dir = resolve(root, logFolderName(id));
        return dir.startsWith(`${root}/`) && /^[0-9a-f]{32}$/.test(relative(root, dir));
      }),
    );
    expect(existsSync(join(dirname(root), 'etc'))).toBe(false); // the folder a climbing id would have made
  });
});

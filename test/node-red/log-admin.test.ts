/**
 * The DeviceHook log in Node-RED (node-red-node-test-helper's runtime): what a user sees through the
 * sidebar's admin routes after real requests — every outcome of `devicehook in` / `verify` logged with its
 * reason (413 included), refusals also warned (rate-limited), filters, one entry with its payload and no
 * secret, and `devicehook out`'s deliveries with a disabled endpoint shown and re-enabled.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist');
const vendorNode = require(join(DIST, 'nodes', 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'nodes', 'devicehook-in.js'));
const verifyNode = require(join(DIST, 'nodes', 'devicehook-verify.js'));
const outNode = require(join(DIST, 'nodes', 'devicehook-out.js'));
const logPlugin = require(join(DIST, 'plugins', 'devicehook-log.js'));

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-log-'));
const SECRET = 'nr-log-secret-value';

let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};

beforeAll(() => helper.settings({ userDir, devicehookLog: { warnIntervalMs: 3000 } /* long enough for four requests on a loaded machine */ }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const admin = () => helper.request();
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

function inFlow(id: string, url: string) {
  return [
    { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id, type: 'devicehook in', url, vendor: 'v1', types: ['offline'], outputs: 2, maxBytes: '2000', wires: [['h0'], ['h1']] },
    { id: 'h0', type: 'helper' },
    { id: 'h1', type: 'helper' },
  ];
}

describe('receipts of devicehook in', () => {
  it('logs a wrong secret with its reason, warns once per window, and the sidebar routes filter and show it', async () => {
    await helper.load([vendorNode, capturing(inNode), logPlugin], inFlow('inA', '/hooks/log-a'), { v1: { secret: SECRET } });
    const http = supertest(RED!.httpNode as never);
    const good = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
    await http.post('/hooks/log-a').set(good.headers).send(good.body.toString()).expect(200);
    const wrong = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: 'not-the-secret' });
    for (let i = 0; i < 3; i++) await http.post('/hooks/log-a').set(wrong.headers).set('Authorization', `Bearer ${SECRET}`).send(wrong.body.toString()).expect(401);
    await http.post('/hooks/log-a').set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(3000)}"}`).expect(413);

    const node = helper.getNode('inA');
    const warnings = () => node.warn.getCalls().map((c: { args: unknown[] }) => String(c.args[0]));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/^Refused a request \(inhand-dm\): 401 signature_mismatch: .*signature/i);
    await settle(3400);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatch(/^Refused 3 more requests in the last 3 s \(latest: 413 body_too_large/);

    const summary = await admin().get('/devicehook/log/inA/summary').expect(200);
    expect(summary.body.summary).toMatchObject({ received: 5, accepted: 1, refused: 4, byCode: { signature_mismatch: 3, body_too_large: 1 } });
    expect(summary.body.summary.lastProblem).toMatchObject({ status: 413, code: 'body_too_large' });

    const refusals = await admin().get('/devicehook/log/inA/entries').query({ code: '401' }).expect(200);
    expect(refusals.body.entries).toHaveLength(3);
    const [latest] = refusals.body.entries;
    expect(latest).toMatchObject({ direction: 'received', outcome: 'refused', status: 401, code: 'signature_mismatch', hasPayload: true });
    expect(latest.reason).toMatch(/signature/i);
    expect(latest.payload).toBeUndefined(); // the table does not carry payloads
    expect(latest.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const byRequest = await admin().get('/devicehook/log/inA/entries').query({ requestId: latest.requestId }).expect(200);
    expect(byRequest.body.entries.map((e: { id: string }) => e.id)).toEqual([latest.id]);
    const accepted = await admin().get('/devicehook/log/inA/entries').query({ type: 'offline' }).expect(200);
    expect(accepted.body.entries).toEqual([expect.objectContaining({ outcome: 'accepted', status: 200, type: 'offline' })]);

    const one = await admin().get(`/devicehook/log/inA/entries/${latest.id}`).expect(200);
    expect(JSON.parse(one.body.payload)).toEqual(vendors['inhand-dm'].samples['online']);
    expect(one.body.headers.authorization).toBe('[redacted]');
    expect(one.body.headers['x-signature']).toBe('[redacted]');

    const logDir = join(userDir, 'devicehook', 'log');
    const files = readdirSync(logDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const path = join(f.parentPath ?? (f as unknown as { path: string }).path, f.name);
      expect(readFileSync(path, 'utf8')).not.toContain(SECRET);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
  });

  it('answers 400 to a filter or node id it cannot read, and 404 to an unknown entry', async () => {
    await helper.load([vendorNode, capturing(inNode), logPlugin], inFlow('inB', '/hooks/log-b'), { v1: { secret: SECRET } });
    expect((await admin().get('/devicehook/log/inB/entries').query({ from: 'last tuesday' }).expect(400)).body.message).toMatch(/from/);
    await admin().get('/devicehook/log/in%2F..%2F..%2Fx/summary').expect(400);
    await admin().get('/devicehook/log/inB/entries/123-456').expect(404);
    expect((await admin().get('/devicehook/log/nobody/summary').expect(200)).body).toMatchObject({ exists: false, summary: { received: 0 } });
  });
});

describe('duplicates and unconfigured receivers', () => {
  it('logs a replayed Standard Webhooks id as a 200 duplicate, and a receiver without a secret as 503 not_configured', async () => {
    const key = 'whsec_ZTJlLWUyZS1lMmUtZTJlLWUyZS1lMmUtZTJlLWUy';
    const flow = [
      { id: 'vs', type: 'devicehook-vendor', vendor: 'standard-webhooks' },
      { id: 'inS', type: 'devicehook in', url: '/hooks/log-std', vendor: 'vs', types: [], outputs: 1, wires: [['h0']] },
      { id: 'vn', type: 'devicehook-vendor', vendor: 'inhand-dm' },
      { id: 'inN', type: 'devicehook in', url: '/hooks/log-none', vendor: 'vn', types: [], outputs: 1, wires: [['h0']] },
      { id: 'h0', type: 'helper' },
    ];
    await helper.load([vendorNode, capturing(inNode), logPlugin], flow, { vs: { secret: key } });
    const http = supertest(RED!.httpNode as never);
    const signed = sign({ vendor: 'standard-webhooks', body: { type: 'invoice.paid', data: {} }, secret: key });
    await http.post('/hooks/log-std').set(signed.headers).send(signed.body.toString()).expect(200);
    const again = await http.post('/hooks/log-std').set(signed.headers).send(signed.body.toString()).expect(200);
    expect(again.body.duplicate).toBe(true);
    await http.post('/hooks/log-none').set('Content-Type', 'application/json').send('{}').expect(503);
    await settle();
    expect((await admin().get('/devicehook/log/inS/summary')).body.summary).toMatchObject({ received: 2, accepted: 2, duplicate: 1, refused: 0 });
    const none = (await admin().get('/devicehook/log/inN/summary')).body.summary;
    expect(none).toMatchObject({ received: 1, refused: 1, byCode: { not_configured: 1 } });
    expect(none.lastProblem.reason).toMatch(/secret/i);
  });
});

describe('receipts of devicehook verify', () => {
  it('logs accepted and refused messages', async () => {
    const flow = [
      { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
      { id: 'ver', type: 'devicehook verify', vendor: 'v1', types: [], outputs: 2, wires: [['ok'], ['rej']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
    ];
    await helper.load([vendorNode, verifyNode, logPlugin], flow, { v1: { secret: SECRET } });
    const good = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
    const verifyNodeInstance = helper.getNode('ver');
    verifyNodeInstance.receive({ payload: good.body, headers: good.headers });
    verifyNodeInstance.receive({ payload: good.body.toString().replace('offline', 'online'), headers: good.headers });
    verifyNodeInstance.receive({ payload: { already: 'parsed' } });
    await settle();
    const summary = await admin().get('/devicehook/log/ver/summary').expect(200);
    expect(summary.body.summary).toMatchObject({ received: 3, accepted: 1, refused: 2, byCode: { signature_mismatch: 1, invalid_input: 1 } });
  });
});

describe('deliveries of devicehook out and endpoint health', () => {
  let receiver: Receiver;
  let gone = true;
  beforeAll(async () => {
    receiver = await startReceiver(() => (gone ? { status: 410, body: 'gone' } : { status: 200 }));
  });
  afterAll(() => receiver.close());

  it('disables the endpoint on 410, shows it, skips sending, and is re-enabled from the sidebar or by msg.reenable', async () => {
    const flow = [
      { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
      { id: 'outA', type: 'devicehook out', vendor: 'v1', url: `${receiver.url}/hook`, retry: 'none', ssrfGuard: false, wires: [['ok'], ['failed']] },
      { id: 'ok', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ];
    await helper.load([vendorNode, outNode, logPlugin], flow, { v1: { secret: SECRET } });
    const out = helper.getNode('outA');
    const failed = helper.getNode('failed');
    const ok = helper.getNode('ok');
    const next = (n: { once: (e: string, f: (m: Record<string, unknown>) => void) => void }) => new Promise<Record<string, unknown>>((resolve) => n.once('input', resolve));

    let arrived = next(failed);
    out.receive({ payload: { alertType: 'offline' }, topic: 'offline' });
    expect(((await arrived).delivery as { outcome: string }).outcome).toBe('gone');
    expect(out.status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'endpoint disabled' });
    let summary = (await admin().get('/devicehook/log/outA/summary').expect(200)).body;
    expect(summary.endpoint).toMatchObject({ status: 'failed' });
    expect(summary.summary).toMatchObject({ sent: 1, delivered: 0, failed: 1, byCode: { http_410: 1 } });

    gone = false;
    const before = receiver.requests.length;
    arrived = next(failed);
    out.receive({ payload: { alertType: 'offline' } });
    expect(((await arrived).delivery as { outcome: string }).outcome).toBe('endpoint_failed');
    expect(receiver.requests.length).toBe(before); // nothing sent while disabled

    const reenabled = await admin().post('/devicehook/endpoint/outA/reenable').expect(200);
    expect(reenabled.body.endpoint).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    await settle();
    expect(out.status.lastCall.args[0].text).not.toBe('endpoint disabled');
    arrived = next(ok);
    out.receive({ payload: { alertType: 'online' }, topic: 'online' });
    expect(((await arrived).delivery as { outcome: string }).outcome).toBe('delivered');

    gone = true;
    arrived = next(failed);
    out.receive({ payload: { alertType: 'x' } });
    await arrived;
    expect((await admin().get('/devicehook/log/outA/summary')).body.endpoint.status).toBe('failed');
    out.receive({ reenable: true, payload: 'ignored' });
    await settle(50);
    expect((await admin().get('/devicehook/log/outA/summary')).body.endpoint.status).toBe('active');

    const entries = (await admin().get('/devicehook/log/outA/entries').expect(200)).body.entries;
    expect(entries.map((e: { outcome: string }) => e.outcome)).toEqual(['gone', 'delivered', 'endpoint_failed', 'gone']);
    expect(entries[1]).toMatchObject({ direction: 'sent', status: 200, attempts: 1, type: 'online' });
    summary = (await admin().get('/devicehook/log/outA/summary')).body.summary;
    expect(summary).toMatchObject({ sent: 4, delivered: 1, failed: 3 });
  });
});

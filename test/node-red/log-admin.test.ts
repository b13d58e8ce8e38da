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

beforeAll(() => helper.settings({ userDir, devicehookLog: { warnIntervalMs: 300 } }));
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

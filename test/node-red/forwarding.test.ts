/**
 * devicehook in → devicehook out forwards the vendor's alert, not DeviceHook's event wrapper, and byte for
 * byte: JSON.parse would change big integers, `1.0`, `-0.0` and key order, and the forwarded copy would be
 * signed over the changed values. The receiver checks the forwarded copy with InHand's own Python code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import supertest from 'supertest';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forwardedBody, pythonJsonDumps, sign, vendors, verify } from '../../shared/src/index';
import { pythonVerdicts } from '../helpers/python-verifiers';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const outNode = require(join(DIST, 'devicehook-out.js'));
const verifyNode = require(join(DIST, 'devicehook-verify.js'));
const changeNode = require('@node-red/nodes/core/function/15-change.js');

// A folder per test: devicehook out keeps its outbox there, and a message still in flight when a test
// unloads its flow would otherwise be resent by the next test's node of the same id (at-least-once).
const userDirs: string[] = [];
let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};
beforeEach(() => {
  userDirs.push(mkdtempSync(join(tmpdir(), 'devicehook-nr-fwd-')));
  helper.settings({ userDir: userDirs.at(-1) });
});
let receiver: Receiver | undefined;
afterEach(async () => {
  await helper.unload();
  await receiver?.close();
  receiver = undefined;
});
afterAll(() => userDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const IN_SECRET = 'inhand-upstream-secret';
const OUT_SECRET = 'inhand-downstream-secret';

/** InHand's offline sample in its Python form, with values JSON.parse cannot keep: a big integer, 1.0, -0.0, an integer-like key last. */
const ALERT_TEXT = pythonJsonDumps(JSON.stringify(vendors['inhand-dm'].samples['offline'])).replace(/\}$/, ', "counter": 12345678901234567891, "ratio": 1.0, "offset": -0.0, "7": "seven"}');

function forwardingFlow(url: string, between: Array<Record<string, unknown>> = []) {
  const first = between.length ? between[0]!.id : 'out';
  return [
    { id: 'vin', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'vout', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'in1', type: 'devicehook in', url: '/fwd/inhand', vendor: 'vin', types: [], outputs: 1, wires: [[first]] },
    ...between.map((n, i) => ({ ...n, wires: [[between[i + 1]?.id ?? 'out']] })),
    // The receiver listens on 127.0.0.1: the SSRF guard (on by default) is turned off explicitly.
    { id: 'out', type: 'devicehook out', vendor: 'vout', url, retry: 'none', ssrfGuard: false, headers: [], wires: [['ok'], ['failed']] },
    { id: 'ok', type: 'helper' },
    { id: 'failed', type: 'helper' },
  ];
}

async function post(text: string): Promise<void> {
  const signed = sign({ vendor: 'inhand-dm', body: text, secret: IN_SECRET });
  expect(signed.body.toString('utf8')).toBe(text); // the alert is already in InHand's signed form
  const res = await supertest(RED!.httpNode as never).post('/fwd/inhand').set(signed.headers).send(text);
  expect(res.status).toBe(200);
}

async function forwarded(): Promise<{ body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  for (let i = 0; i < 250 && receiver!.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(receiver!.requests).toHaveLength(1);
  return receiver!.requests[0]!;
}

describe('devicehook in → devicehook out', () => {
  it('forwards an InHand alert byte for byte, re-signed for the new target, and InHand’s Python code accepts it', async () => {
    receiver = await startReceiver();
    await helper.load([vendorNode, capturing(inNode), outNode], forwardingFlow(`${receiver.url}/next`), { vin: { secret: IN_SECRET }, vout: { secret: OUT_SECRET } });
    await post(ALERT_TEXT);
    const request = await forwarded();
    expect(request.body.toString('utf8')).toBe(ALERT_TEXT);
    expect(verify({ vendor: 'inhand-dm', rawBody: request.body, headers: request.headers as Record<string, string>, secrets: OUT_SECRET }).ok).toBe(true);
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature: String(request.headers['x-signature']), secret: OUT_SECRET }])).toEqual([true]);
    // Not the upstream signature: the copy is signed with the downstream secret only.
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature: String(request.headers['x-signature']), secret: IN_SECRET }])).toEqual([false]);
  });

  it('forwards the vendor’s body as the flow changed it (not the event wrapper) when the flow edits msg.payload.raw', async () => {
    receiver = await startReceiver();
    const change = { id: 'edit', type: 'change', rules: [{ t: 'set', p: 'payload.raw.note', pt: 'msg', to: 'checked', tot: 'str' }] };
    await helper.load([vendorNode, capturing(inNode), outNode, changeNode], forwardingFlow(`${receiver.url}/next`, [change]), { vin: { secret: IN_SECRET }, vout: { secret: OUT_SECRET } });
    await post(ALERT_TEXT);
    const request = await forwarded();
    const body = JSON.parse(request.body.toString('utf8'));
    // The vendor's fields plus the edit (re-serialized: it was changed, so JSON.parse's values are what is left).
    expect(Object.keys(body)).toEqual([...Object.keys(JSON.parse(ALERT_TEXT)), 'note']);
    expect(body).toMatchObject({ note: 'checked', deviceName: vendors['inhand-dm'].samples['offline']!['deviceName'] });
    expect(body).not.toHaveProperty('typeLabel'); // not the wrapper
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature: String(request.headers['x-signature']), secret: OUT_SECRET }])).toEqual([true]);
  });
});

describe('devicehook verify → devicehook out', () => {
  it('forwards the bytes it verified (a Buffer from http in "Do not parse"), byte for byte', async () => {
    receiver = await startReceiver();
    const flow = [
      { id: 'vin', type: 'devicehook-vendor', vendor: 'inhand-dm' },
      { id: 'vout', type: 'devicehook-vendor', vendor: 'inhand-dm' },
      { id: 'check', type: 'devicehook verify', vendor: 'vin', types: [], outputs: 2, wires: [['out'], []] },
      { id: 'out', type: 'devicehook out', vendor: 'vout', url: `${receiver.url}/next`, retry: 'none', ssrfGuard: false, headers: [], wires: [[], []] },
    ];
    await helper.load([vendorNode, verifyNode, outNode], flow, { vin: { secret: IN_SECRET }, vout: { secret: OUT_SECRET } });
    const signed = sign({ vendor: 'inhand-dm', body: ALERT_TEXT, secret: IN_SECRET });
    helper.getNode('check').receive({ payload: Buffer.from(ALERT_TEXT), req: { headers: signed.headers, ip: '127.0.0.1' } });
    const request = await forwarded();
    expect(request.body.toString('utf8')).toBe(ALERT_TEXT);
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature: String(request.headers['x-signature']), secret: OUT_SECRET }])).toEqual([true]);
  });
});

describe('forwardedBody', () => {
  const event = (raw: Record<string, unknown>) => ({ vendor: 'inhand-dm', type: 'offline', typeLabel: 'Gateway offline', device: {}, raw });

  it('gives the received text while raw equals what it parses to, raw once changed, anything else as it is', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (object, extraKey) => {
        const text = JSON.stringify(object, null, 1);
        const raw = JSON.parse(text) as Record<string, unknown>;
        expect(forwardedBody(event(raw), text)).toBe(text);
        const changed = { ...raw, [`${extraKey}!`]: 1 };
        expect(forwardedBody(event(changed), text)).toBe(changed);
        expect(forwardedBody(event(raw), undefined)).toBe(raw);
      }),
    );
    expect(forwardedBody({ any: 'payload' }, '{"any":"payload"}')).toEqual({ any: 'payload' });
    expect(forwardedBody('text', undefined)).toBe('text');
    expect(forwardedBody(event({ a: 1 }), 'not json')).toEqual({ a: 1 });
  });
});

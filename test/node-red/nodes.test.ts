/**
 * The Node-RED nodes in node-red-node-test-helper's runtime: what a flow author sees — messages on the
 * right outputs, answers to senders, status, routes removed on redeploy, retries kept across restarts.
 * (The admin body-parser trap needs a real runtime: see test/e2e.)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { sign, vendors, verify } from '../../shared/src/index';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const verifyNode = require(join(DIST, 'devicehook-verify.js'));
const outNode = require(join(DIST, 'devicehook-out.js'));

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-'));

// node-red-node-test-helper's request() only reaches the admin app; capture RED to reach httpNode.
let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};

type Msg = Record<string, unknown> & { payload: Record<string, unknown>; topic: string };

beforeAll(() => helper.settings({ userDir }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const SECRET = 'nr-secret';
const vendorConfig = (vendor = 'inhand-dm', extra: Record<string, unknown> = {}) => ({ id: 'v1', type: 'devicehook-vendor', vendor, ...extra });

function inFlow(types: string[], url = '/hooks/inhand') {
  return [
    vendorConfig(),
    { id: 'in1', type: 'devicehook in', url, vendor: 'v1', types, outputs: types.length + 1, wires: [...types, 'other'].map((_, i) => [`h${i}`]) },
    ...[...types, 'other'].map((_, i) => ({ id: `h${i}`, type: 'helper' })),
  ];
}

/** The next message that reaches a helper node, or a rejection after `ms`. */
function nextMessage(id: string, ms = 2000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message reached ${id}`)), ms);
    helper.getNode(id).once('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

describe('devicehook in', () => {
  it('answers 200 at once and sends the event out of the output of its type; other types go to "other"', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow(['offline', 'online']), { v1: { secret: SECRET } });
    const offline = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
    const arrived = nextMessage('h0');
    const res = await supertest(RED!.httpNode as never).post('/hooks/inhand').set(offline.headers).send(offline.body.toString());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const msg = await arrived;
    expect(msg.topic).toBe('offline');
    expect(msg.payload).toMatchObject({ vendor: 'inhand-dm', type: 'offline', typeLabel: 'Gateway offline', device: { serialNumber: 'RF3151342000003' } });
    expect(msg.raw).toEqual(vendors['inhand-dm'].samples['offline']);

    const sim = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['sim_switch'], secret: SECRET });
    const other = nextMessage('h2');
    await supertest(RED!.httpNode as never).post('/hooks/inhand').set(sim.headers).send(sim.body.toString()).expect(200);
    expect((await other).topic).toBe('sim_switch');
  });

  it('refuses tampered, unsigned and malformed requests with the core’s status and message, and starts nothing', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow(['offline']), { v1: { secret: SECRET } });
    let messages = 0;
    helper.getNode('h0').on('input', () => messages++);
    helper.getNode('h1').on('input', () => messages++);
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
    const http = supertest(RED!.httpNode as never);
    const tampered = await http.post('/hooks/inhand').set(signed.headers).send(signed.body.toString().replace('offline', 'online'));
    expect(tampered.status).toBe(401);
    expect(tampered.body.code).toBe('signature_mismatch');
    const unsigned = await http.post('/hooks/inhand').set('Content-Type', 'application/json').send(signed.body.toString());
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.message).toMatch(/no signature/);
    const wrongSecret = sign({ vendor: 'inhand-dm', body: { alertType: 'offline' }, secret: 'other' });
    expect((await http.post('/hooks/inhand').set(wrongSecret.headers).send(wrongSecret.body.toString())).status).toBe(401);
    const macOfBrokenJson = require('node:crypto').createHmac('sha256', SECRET).update('{').digest('base64');
    const notJson = await http.post('/hooks/inhand').set('Content-Type', 'application/json').set('X-Signature', macOfBrokenJson).send('{');
    expect(notJson.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toBe(0);
  });

  it('accepts the second secret during a rotation, and ${ENV} secrets', async () => {
    process.env.DEVICEHOOK_TEST_SECRET = 'from-env';
    await helper.load([vendorNode, capturing(inNode)], inFlow([]), { v1: { secret: 'new-one', secret2: '${DEVICEHOOK_TEST_SECRET}' } });
    const http = supertest(RED!.httpNode as never);
    for (const secret of ['new-one', 'from-env']) {
      const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret });
      expect((await http.post('/hooks/inhand').set(signed.headers).send(signed.body.toString())).status, secret).toBe(200);
    }
  });

  it('matches its path case-insensitively and with a trailing slash, and shows counts in its status', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow([], '/Hooks/InHand'), { v1: { secret: SECRET } });
    const node = helper.getNode('in1');
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: SECRET });
    await supertest(RED!.httpNode as never).post('/hooks/inhand/').set(signed.headers).send(signed.body.toString()).expect(200);
    await supertest(RED!.httpNode as never).post('/HOOKS/INHAND').set(signed.headers).send('{}').expect(401);
    // The test runtime does not translate: the status carries its message key (translated in the editor).
    expect(node.status.lastCall.args[0]).toMatchObject({ text: 'devicehook-in.status.counts', fill: 'yellow' });
  });

  it('refuses a body over its limit with 413 before reading it all', async () => {
    const flow = inFlow([]);
    (flow[1] as Record<string, unknown>).maxBytes = '1000';
    await helper.load([vendorNode, capturing(inNode)], flow, { v1: { secret: SECRET } });
    const res = await supertest(RED!.httpNode as never).post('/hooks/inhand').set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(2000)}"}`);
    expect(res.status).toBe(413);
  });

  it('removes exactly its own route when redeployed without it', async () => {
    const flow = [
      vendorConfig(),
      { id: 'a', type: 'devicehook in', url: '/hooks/a', vendor: 'v1', types: [], outputs: 1, wires: [['ha']] },
      { id: 'b', type: 'devicehook in', url: '/hooks/b', vendor: 'v1', types: [], outputs: 1, wires: [['hb']] },
      { id: 'ha', type: 'helper' },
      { id: 'hb', type: 'helper' },
    ];
    await helper.load([vendorNode, capturing(inNode)], flow, { v1: { secret: SECRET } });
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: SECRET });
    await helper.setFlows(flow.filter((n) => n.id !== 'a' && n.id !== 'ha'), 'full', { v1: { secret: SECRET } });
    const http = supertest(RED!.httpNode as never);
    expect((await http.post('/hooks/a').set(signed.headers).send(signed.body.toString())).status).toBe(404);
    expect((await http.post('/hooks/b').set(signed.headers).send(signed.body.toString())).status).toBe(200);
  });

  it('reports a missing vendor configuration in its status', async () => {
    await helper.load([vendorNode, inNode], [{ id: 'in1', type: 'devicehook in', url: '/x', vendor: '', types: [], outputs: 1, wires: [[]] }]);
    expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'devicehook-in.status.no-vendor' });
  });
});

describe('devicehook verify', () => {
  const flow = (types: string[]) => [
    vendorConfig('scalefusion'),
    { id: 'ver', type: 'devicehook verify', vendor: 'v1', types, outputs: types.length + 2, wires: [...types, 'other', 'rejected'].map((_, i) => [`h${i}`]) },
    ...[...types, 'other', 'rejected'].map((_, i) => ({ id: `h${i}`, type: 'helper' })),
  ];

  it('routes a raw Buffer with its request headers by type', async () => {
    await helper.load([vendorNode, verifyNode], flow(['device.locked']), { v1: { secret: SECRET } });
    const signed = sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: SECRET });
    const arrived = nextMessage('h0');
    helper.getNode('ver').receive({ payload: signed.body, req: { headers: signed.headers } });
    const msg = await arrived;
    expect(msg.payload).toMatchObject({ type: 'device.locked', device: { name: 'TEST001' } });
    expect(msg.req).toBeDefined(); // kept, so an http response node can answer
  });

  it('sends rejected messages to the last output with the reason and a status code', async () => {
    await helper.load([vendorNode, verifyNode], flow(['device.locked']), { v1: { secret: SECRET } });
    const signed = sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: 'wrong' });
    const rejected = nextMessage('h2');
    helper.getNode('ver').receive({ payload: signed.body.toString(), headers: signed.headers });
    expect(await rejected).toMatchObject({ statusCode: 401, error: { code: 'signature_mismatch' } });

    const parsed = nextMessage('h2');
    helper.getNode('ver').receive({ payload: vendors.scalefusion.samples['device.locked'], headers: signed.headers });
    const msg = await parsed;
    expect(msg.error).toMatchObject({ status: 400, code: 'invalid_input', message: 'devicehook-verify.errors.parsed-payload' });
  });
});

describe('devicehook out', () => {
  let receiver: Receiver;
  afterEach(async () => receiver?.close());

  const flow = (url: string, retry = 'none', extra: Record<string, unknown> = {}) => [
    vendorConfig('scalefusion'),
    // The receivers listen on 127.0.0.1: the SSRF guard (on by default) is turned off explicitly.
    { id: 'out', type: 'devicehook out', vendor: 'v1', url, retry, ssrfGuard: false, headers: [{ name: 'X-Device', value: ':iccid:' }], ...extra, wires: [['ok'], ['failed']] },
    { id: 'ok', type: 'helper' },
    { id: 'failed', type: 'helper' },
  ];

  it('delivers signed, with placeholders, and sends the message with its delivery log to output 1', async () => {
    receiver = await startReceiver();
    await helper.load([vendorNode, outNode], flow(`${receiver.url}/in/:iccid:`), { v1: { secret: SECRET } });
    const delivered = nextMessage('ok', 5000);
    helper.getNode('out').receive({ payload: vendors.scalefusion.samples['device.locked'], placeholders: { iccid: '8988' } });
    const msg = await delivered;
    expect(msg.delivery).toMatchObject({ delivered: true, statusCode: 200, attempts: [{ attempt: 1, statusCode: 200 }] });
    const request = receiver.requests[0]!;
    expect(request.url).toBe('/in/8988');
    expect(request.headers['x-device']).toBe('8988');
    expect(verify({ vendor: 'scalefusion', rawBody: request.body, headers: request.headers, secrets: SECRET }).ok).toBe(true);
    expect(helper.getNode('out').status.lastCall.args[0]).toMatchObject({ fill: 'green', shape: 'dot', text: 'devicehook-out.status.counts' });
  });

  it('sends failures to output 2 with the reason, for a dead-letter path', async () => {
    receiver = await startReceiver(() => ({ status: 400, body: 'nope' }));
    await helper.load([vendorNode, outNode], flow(receiver.url), { v1: { secret: SECRET } });
    const failed = nextMessage('failed', 5000);
    helper.getNode('out').receive({ payload: { event: 'device.lost' } });
    const msg = await failed;
    expect(msg.delivery).toMatchObject({ delivered: false, outcome: 'failed', statusCode: 400 });
    expect(msg.error).toMatchObject({ message: expect.stringMatching(/HTTP 400/) });
  });

  it('keeps a pending retry in the outbox across a restart and delivers it afterwards', async () => {
    let up = false;
    receiver = await startReceiver(() => (up ? { status: 200 } : { status: 503 }));
    const theFlow = flow(receiver.url, 'default', {});
    await helper.load([vendorNode, outNode], theFlow, { v1: { secret: SECRET } });
    helper.getNode('out').receive({ payload: { event: 'device.lost', id: 'keep-me' } });
    // One file per pending message, in a folder named from a hash of the node id.
    const folder = join(userDir, 'devicehook', 'outbox', createHash('sha256').update('out').digest('hex').slice(0, 32));
    const files = () => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')) : []);
    const readOutbox = () => files().map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')).entry);
    for (let i = 0; i < 100 && !readOutbox()[0]?.progress?.attempts?.length; i++) await new Promise((r) => setTimeout(r, 20));
    const pending = readOutbox();
    expect(pending).toHaveLength(1);
    expect(pending[0].progress.attempts).toHaveLength(1);
    expect(helper.getNode('out').status.lastCall.args[0]).toMatchObject({ fill: 'blue', shape: 'ring' });

    await helper.unload(); // Node-RED stops with the retry pending
    up = true;
    // Started again with the same user directory, the entry is due (10 s planned): make it due now.
    const file = join(folder, files()[0]!);
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    envelope.entry.progress.nextAttemptAt = Date.now();
    require('node:fs').writeFileSync(file, JSON.stringify(envelope));
    await helper.load([vendorNode, outNode], theFlow, { v1: { secret: SECRET } });
    const delivered = nextMessage('ok', 5000);
    const msg = await delivered;
    expect(msg.delivery).toMatchObject({ delivered: true, attempts: [{ attempt: 1, statusCode: 503 }, { attempt: 2, statusCode: 200 }] });
    expect(msg.payload).toEqual({ event: 'device.lost', id: 'keep-me' });
    for (let i = 0; i < 50 && files().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(files()).toEqual([]);
  });

  it('refuses a configuration that cannot work, in its status', async () => {
    await helper.load([vendorNode, outNode], flow('ftp://example.com/x'), { v1: { secret: SECRET } });
    expect(helper.getNode('out').status.lastCall.args[0]).toMatchObject({ fill: 'red' });
  });
});

describe('editor catalogue', () => {
  it('serves every vendor with its event types to the editor', async () => {
    await helper.load([vendorNode], [vendorConfig()]);
    const res = await helper.request().get('/devicehook/vendors').expect(200);
    expect(res.body.map((v: { id: string }) => v.id)).toEqual(Object.keys(vendors));
    expect(res.body[0].eventTypes[1]).toEqual({ value: 'offline', label: 'Gateway offline', description: expect.any(String) });
  });
});

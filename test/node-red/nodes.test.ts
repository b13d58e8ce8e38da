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
    expect(res.body).toEqual({ received: true, type: 'offline' });
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

describe('devicehook in: secure defaults', () => {
  const swSecret = `whsec_${Buffer.from('a-standard-webhooks-key-32-bytes').toString('base64')}`;
  const post = (path: string, request: { headers: Record<string, string>; body: Buffer }) =>
    supertest(RED!.httpNode as never).post(path).set(request.headers).send(request.body.toString());

  it('fails closed: without a secret every request is refused 503 not_configured, with a red status', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow([]), { v1: {} });
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: 'anything' });
    const res = await post('/hooks/inhand', signed);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ code: 'not_configured', message: expect.stringContaining('No secret is set') });
    expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.not-configured' });
  });

  it('an unset ${VAR} secret is refused 503 naming the variable (not used as the literal text)', async () => {
    delete process.env.DEVICEHOOK_UNSET_SECRET;
    await helper.load([vendorNode, capturing(inNode)], inFlow([]), { v1: { secret: '${DEVICEHOOK_UNSET_SECRET}' } });
    const forged = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: '${DEVICEHOOK_UNSET_SECRET}' });
    const res = await post('/hooks/inhand', forged);
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('DEVICEHOOK_UNSET_SECRET');
  });

  it('"Accept unauthenticated requests" takes unchecked requests, with a yellow ring "unauthenticated"', async () => {
    const flow = inFlow([]);
    (flow[0] as Record<string, unknown>).allowUnauthenticated = true;
    await helper.load([vendorNode, capturing(inNode)], flow, { v1: {} });
    const node = helper.getNode('in1');
    expect(node.status.lastCall.args[0]).toMatchObject({ fill: 'yellow', shape: 'ring', text: 'devicehook-in.status.unauthenticated' });
    const arrived = nextMessage('h0');
    const res = await supertest(RED!.httpNode as never).post('/hooks/inhand').set('Content-Type', 'application/json').send(JSON.stringify(vendors['inhand-dm'].samples['online']));
    expect(res.status).toBe(200);
    expect((await arrived).authentication).toBe('no_secret');
    expect(node.status.lastCall.args[0]).toMatchObject({ fill: 'yellow', shape: 'ring' });
  });

  it('msg.headers leaves out the headers that carry a secret (1NCE’s key, authorization, proxy-authorization, cookie)', async () => {
    const flow = inFlow([], '/hooks/1nce');
    (flow[0] as Record<string, unknown>).vendor = '1nce';
    await helper.load([vendorNode, capturing(inNode)], flow, { v1: { secret: 'the-1nce-key' } });
    const signed = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: 'the-1nce-key' });
    const arrived = nextMessage('h0');
    const res = await post('/hooks/1nce', { ...signed, headers: { ...signed.headers, Authorization: 'Bearer t', Cookie: 'c=1', 'Proxy-Authorization': 'Basic p', 'X-Trace': 't1' } });
    expect(res.status).toBe(200);
    const headers = (await arrived).headers as Record<string, string>;
    expect(headers['x-trace']).toBe('t1');
    for (const name of ['x-api-key', 'authorization', 'cookie', 'proxy-authorization']) expect(Object.keys(headers)).not.toContain(name);
    expect(JSON.stringify(headers)).not.toContain('the-1nce-key');
  });

  it.each(['/flows', '/auth/token', '/settings', '/devicehook/vendors', '/inject/abc'])('refuses the admin path %s at deploy, with a red status, and does not take its requests', async (url) => {
    await helper.load([vendorNode, capturing(inNode)], inFlow([], url), { v1: { secret: SECRET } });
    const node = helper.getNode('in1');
    expect(node.status.lastCall.args[0]).toMatchObject({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.admin-path' });
    expect(node.error.lastCall.args[0]).toMatch(/devicehook-in.errors.admin-path/);
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: SECRET });
    expect((await post(url, signed)).status).not.toBe(200);
  });

  it('refuses any path under a separate httpAdminRoot, and takes the same path once the editor has moved', async () => {
    helper.settings({ userDir, httpAdminRoot: '/admin' });
    try {
      await helper.load([vendorNode, capturing(inNode)], inFlow([], '/admin/hooks'), { v1: { secret: SECRET } });
      expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'devicehook-in.status.admin-path' });
      await helper.unload();
      await helper.load([vendorNode, capturing(inNode)], inFlow([], '/flows'), { v1: { secret: SECRET } });
      expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'grey', text: 'devicehook-in.status.listening' });
    } finally {
      helper.settings({ userDir });
    }
  });

  const swFlow = () => {
    const flow = inFlow([], '/hooks/sw');
    (flow[0] as Record<string, unknown>).vendor = 'standard-webhooks';
    return flow;
  };
  const swRequest = (id: string) => sign({ vendor: 'standard-webhooks', body: { type: 'invoice.paid' }, secret: swSecret, options: { messageId: id } });

  it('answers a repeated message id 200 duplicate and sends nothing, and still knows it after a redeploy', async () => {
    await helper.load([vendorNode, capturing(inNode)], swFlow(), { v1: { secret: swSecret } });
    let messages = 0;
    const count = () => helper.getNode('h0').on('input', () => messages++);
    count();
    const request = swRequest(`msg_redeploy_${Date.now()}`);
    expect((await post('/hooks/sw', request)).body).toEqual({ received: true, type: 'invoice.paid' });
    const again = await post('/hooks/sw', request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, duplicate: true, message: expect.stringContaining('already received') });
    await helper.setFlows(swFlow(), 'full', { v1: { secret: swSecret } });
    count();
    const afterRedeploy = await post('/hooks/sw', request);
    expect(afterRedeploy.body).toMatchObject({ duplicate: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toBe(1);
  });

  it('keeps the ids in Node-RED’s global context (hashed), so a persistent context store keeps them across a restart', async () => {
    const contextDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-ctx-'));
    helper.settings({ userDir: contextDir, contextStorage: { default: { module: 'localfilesystem' } } });
    try {
      const id = `msg_restart_${Date.now()}`;
      await helper.load([vendorNode, capturing(inNode)], swFlow(), { v1: { secret: swSecret } });
      expect((await post('/hooks/sw', swRequest(id))).body).toMatchObject({ received: true, type: 'invoice.paid' });
      const global = helper.getNode('in1').context().global;
      const keys: string[] = await new Promise((resolve, reject) => global.keys((error: Error | null, list: string[]) => (error ? reject(error) : resolve(list))));
      const key = keys.find((k) => k.startsWith('devicehook_seen_'))!;
      expect(key).toBeDefined();
      const stored = await new Promise<Record<string, number>>((resolve) => global.get(key, (_e: unknown, v: Record<string, number>) => resolve(v)));
      expect(Object.keys(stored).every((k) => k.length === 22)).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(id);
      await helper.unload(); // flushes the localfilesystem store
      await helper.load([vendorNode, capturing(inNode)], swFlow(), { v1: { secret: swSecret } });
      expect((await post('/hooks/sw', swRequest(id))).body).toMatchObject({ duplicate: true });
    } finally {
      await helper.unload();
      helper.settings({ userDir });
      rmSync(contextDir, { recursive: true, force: true });
    }
  });
});

describe('shipped example flows', () => {
  const dir = join(__dirname, '..', '..', 'node-red', 'examples');
  const receiving = readdirSync(dir).filter((file) => file.endsWith('receive and route.json'));

  it.each(receiving)('%s fails closed until its ${VAR} secret is set, then verifies', async (file) => {
    const flow = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Array<Record<string, unknown>>;
    const config = flow.find((n) => n.type === 'devicehook-vendor')!;
    const inNodeDef = flow.find((n) => n.type === 'devicehook in')!;
    const secretText = (config.credentials as { secret: string }).secret;
    const variable = /^\$\{(\w+)\}$/.exec(secretText)?.[1];
    expect(variable, 'the example ships a ${VAR} secret').toBeDefined();
    const vendor = String(config.vendor);
    // The example as shipped, minus its tab and debug nodes (the test runtime loads only our nodes).
    const nodes = flow.filter((n) => n.type !== 'tab' && n.type !== 'debug').map((n) => ({ ...n, credentials: undefined, wires: n.type === 'devicehook in' ? (n.wires as unknown[]).map(() => []) : n.wires }));
    const secret = vendor === 'standard-webhooks' ? `whsec_${Buffer.from('an-example-secret-of-32-bytes!!!').toString('base64')}` : 'example-secret';
    const body = Object.values(vendors[vendor as keyof typeof vendors].samples)[0];
    const options = vendor === 'generic-hmac' ? { header: String(config.header) } : undefined;
    delete process.env[variable!];
    await helper.load([vendorNode, capturing(inNode)], nodes, { [String(config.id)]: { secret: secretText } });
    // Signed with the literal text (anyone who reads the flow could); Standard Webhooks cannot sign with it, any key shows the point.
    const forged = sign({ vendor: vendor as never, body, secret: vendor === 'standard-webhooks' ? secret : secretText, options });
    const refused = await supertest(RED!.httpNode as never).post(String(inNodeDef.url)).set(forged.headers).send(forged.body.toString());
    expect(refused.status).toBe(503);
    expect(refused.body.message).toContain(variable);
    await helper.unload();

    process.env[variable!] = secret;
    try {
      await helper.load([vendorNode, capturing(inNode)], nodes, { [String(config.id)]: { secret: secretText } });
      const signedRequest = sign({ vendor: vendor as never, body, secret, options });
      const accepted = await supertest(RED!.httpNode as never).post(String(inNodeDef.url)).set(signedRequest.headers).send(signedRequest.body.toString());
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    } finally {
      delete process.env[variable!];
    }
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
    expect(msg.answer).toEqual({ code: 'invalid_input', message: 'devicehook-verify.errors.parsed-payload' });
  });
});

describe('devicehook verify: secure defaults', () => {
  it('rejects every message 503 not_configured without a secret, and sends a duplicate to "rejected" with statusCode 200', async () => {
    const flow = [
      vendorConfig('standard-webhooks'),
      { id: 'ver', type: 'devicehook verify', vendor: 'v1', types: [], outputs: 2, wires: [['h0'], ['h1']] },
      { id: 'h0', type: 'helper' },
      { id: 'h1', type: 'helper' },
    ];
    await helper.load([vendorNode, verifyNode], flow, { v1: {} });
    const swSecret = `whsec_${Buffer.from('a-standard-webhooks-key-32-bytes').toString('base64')}`;
    const signed = sign({ vendor: 'standard-webhooks', body: { type: 'a.b' }, secret: swSecret, options: { messageId: `m_${Date.now()}` } });
    let rejected = nextMessage('h1');
    helper.getNode('ver').receive({ payload: signed.body, headers: signed.headers });
    expect(await rejected).toMatchObject({ statusCode: 503, error: { code: 'not_configured' }, answer: { code: 'not_configured' } });

    await helper.unload();
    await helper.load([vendorNode, verifyNode], flow, { v1: { secret: swSecret } });
    const accepted = nextMessage('h0');
    helper.getNode('ver').receive({ payload: signed.body, headers: signed.headers });
    expect((await accepted).topic).toBe('a.b');
    rejected = nextMessage('h1');
    helper.getNode('ver').receive({ payload: signed.body, headers: signed.headers });
    expect(await rejected).toMatchObject({ statusCode: 200, error: { code: 'duplicate' }, answer: { received: true, duplicate: true } });
  });

  it('without a vendor configuration, rejects with 503 not_configured', async () => {
    await helper.load([vendorNode, verifyNode], [{ id: 'ver', type: 'devicehook verify', vendor: '', types: [], outputs: 2, wires: [[], ['h1']] }, { id: 'h1', type: 'helper' }]);
    const rejected = nextMessage('h1');
    helper.getNode('ver').receive({ payload: '{}', headers: {} });
    expect(await rejected).toMatchObject({ statusCode: 503, error: { code: 'not_configured', message: 'devicehook-verify.errors.no-vendor' } });
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

  it('fills a placeholder msg.placeholders leaves out from the payload, as the n8n Signed Webhook and the CLI do', async () => {
    receiver = await startReceiver();
    await helper.load([vendorNode, outNode], flow(`${receiver.url}/in/:iccid:/:imsi:/:ip:`), { v1: { secret: SECRET } });
    const delivered = nextMessage('ok', 5000);
    // The device of a devicehook event, a top-level field (a 1NCE message's iccid), and a given value.
    helper.getNode('out').receive({ payload: { device: { iccid: '8988' }, imsi: 901405100002864 }, placeholders: { ip: '10.0.0.7' } });
    await delivered;
    expect(receiver.requests[0]!.url).toBe('/in/8988/901405100002864/10.0.0.7');
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

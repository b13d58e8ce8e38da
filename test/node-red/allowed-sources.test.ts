/**
 * "Allowed sources" in Node-RED (issue 14), in node-red-node-test-helper's runtime over real HTTP:
 * `devicehook in` refuses another address 403 before reading the body, takes an allowed one (also as the
 * IPv4-mapped address a dual-stack socket reports), logs the refusal, and shows a bad entry as invalid
 * settings; `devicehook verify` judges `msg.req.ip`; 1NCE's published addresses can be added.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { sign, vendors } from '../../shared/src/index';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist');
const vendorNode = require(join(DIST, 'nodes', 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'nodes', 'devicehook-in.js'));
const verifyNode = require(join(DIST, 'nodes', 'devicehook-verify.js'));
const logPlugin = require(join(DIST, 'plugins', 'devicehook-log.js'));

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-sources-'));
let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};

beforeAll(() => helper.settings({ userDir }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const SECRET = 'nr-sources-secret';
const offline = () => sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });

function inFlow(sources: string, extra: Record<string, unknown> = {}) {
  return [
    { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'in1', type: 'devicehook in', url: '/hooks/allow', vendor: 'v1', types: [], outputs: 1, sources, maxBytes: '4000', wires: [['h0']], ...extra },
    { id: 'h0', type: 'helper' },
  ];
}

/** Messages that reach helper `id` from now on. */
function collect(id: string): unknown[] {
  const seen: unknown[] = [];
  helper.getNode(id).on('input', (msg: unknown) => seen.push(msg));
  return seen;
}

describe('devicehook in: allowed sources', () => {
  it('refuses a source not in the list 403 source_not_allowed, naming it, starting nothing, and logs it', async () => {
    await helper.load([vendorNode, capturing(inNode), logPlugin], inFlow('10.0.0.0/8, 2001:db8::/32'), { v1: { secret: SECRET } });
    const sent = collect('h0');
    const signed = offline();
    const res = await supertest(RED!.httpNode as never).post('/hooks/allow').set(signed.headers).send(signed.body.toString());
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 'source_not_allowed', message: expect.stringMatching(/^Requests from (::ffff:)?127\.0\.0\.1 are not accepted/) });
    expect(sent).toHaveLength(0);
    expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'yellow', shape: 'dot' }); // counted as refused
    const entries = await helper.request().get('/devicehook/log/in1/entries').expect(200);
    expect(entries.body.entries[0]).toMatchObject({ direction: 'received', outcome: 'refused', status: 403, code: 'source_not_allowed' });
  });

  it('judges the source before the body: an oversized body from a refused source is answered 403, not 413', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow('10.0.0.0/8'), { v1: { secret: SECRET } });
    const res = await supertest(RED!.httpNode as never).post('/hooks/allow').set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(10_000)}"}`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('source_not_allowed');
  });

  it('accepts an allowed source (127.0.0.1 also matches the ::ffff:127.0.0.1 a dual-stack socket reports); the signature is still checked', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow('192.0.2.1 127.0.0.1'), { v1: { secret: SECRET } });
    const sent = collect('h0');
    const signed = offline();
    const http = supertest(RED!.httpNode as never);
    await http.post('/hooks/allow').set(signed.headers).send(signed.body.toString()).expect(200, { received: true, type: 'offline' });
    expect(sent).toHaveLength(1);
    const forged = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: 'wrong' });
    expect((await http.post('/hooks/allow').set(forged.headers).send(forged.body.toString())).status).toBe(401);
  });

  it('an entry that is not an address or range: red "invalid settings" status, every request 400 invalid_input naming it', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow('127.0.0.1, 127.0.0.0/33'), { v1: { secret: SECRET } });
    const node = helper.getNode('in1');
    expect(node.status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'devicehook-in.status.invalid-options' });
    const signed = offline();
    const res = await supertest(RED!.httpNode as never).post('/hooks/allow').set(signed.headers).send(signed.body.toString());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'invalid_input', message: expect.stringContaining('"127.0.0.0/33"') });
  });

  it("1NCE: \"Also allow the vendor's published addresses\" takes 52.29.71.11 and 18.157.211.95, not this host", async () => {
    await helper.load(
      [vendorNode, capturing(inNode)],
      [
        { id: 'v1', type: 'devicehook-vendor', vendor: '1nce', header: 'x-api-key' },
        { id: 'in1', type: 'devicehook in', url: '/hooks/1nce', vendor: 'v1', types: [], outputs: 1, sources: '', vendorSources: true, wires: [[]] },
      ],
      { v1: { secret: 'k-1nce' } },
    );
    const res = await supertest(RED!.httpNode as never).post('/hooks/1nce').set('x-api-key', 'k-1nce').set('Content-Type', 'application/json').send(JSON.stringify(vendors['1nce'].samples['TEST_MESSAGE']));
    expect(res.status).toBe(403);
    const catalogue = await helper.request().get('/devicehook/vendors').expect(200);
    expect(catalogue.body.find((v: { id: string }) => v.id === '1nce').sourceAddresses).toEqual(['52.29.71.11', '18.157.211.95']);
    expect(catalogue.body.find((v: { id: string }) => v.id === 'inhand-dm').sourceAddresses).toEqual([]);
  });
});

describe('devicehook in behind a proxy', () => {
  it("uses the forwarded address only when Node-RED's own trust proxy setting (httpServerOptions) says so", async () => {
    const signed = offline();
    const send = () => supertest(RED!.httpNode as never).post('/hooks/allow').set(signed.headers).set('X-Forwarded-For', '10.1.2.3').send(signed.body.toString());
    // Not trusted (the default): the proxy's own address (here this host) is judged, and refused.
    await helper.load([vendorNode, capturing(inNode)], inFlow('10.0.0.0/8'), { v1: { secret: SECRET } });
    const untrusted = await send();
    expect(untrusted.status).toBe(403);
    expect(untrusted.body.message).not.toContain('10.1.2.3');
    // Trusted: the forwarded client address is judged, and taken. Node-RED's runtime applies
    // settings.httpServerOptions to its node app with app.set (@node-red/runtime lib/index.js); the test
    // helper's mock runtime does not, so the test does what the runtime would.
    (RED!.httpNode as { set(name: string, value: unknown): void }).set('trust proxy', true);
    try {
      expect((await send()).status).toBe(200);
    } finally {
      (RED!.httpNode as { set(name: string, value: unknown): void }).set('trust proxy', false);
    }
  });
});

describe('devicehook verify: allowed sources', () => {
  const flow = [
    { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'ver', type: 'devicehook verify', vendor: 'v1', types: [], outputs: 2, sources: '52.29.71.11, 10.0.0.0/8', wires: [['ok'], ['rejected']] },
    { id: 'ok', type: 'helper' },
    { id: 'rejected', type: 'helper' },
  ];

  it('judges msg.req.ip: another address and a message without a request go to "rejected" 403; an allowed one is verified', async () => {
    await helper.load([vendorNode, verifyNode], flow, { v1: { secret: SECRET } });
    const accepted = collect('ok');
    const rejected = collect('rejected') as Array<{ statusCode: number; answer: { code: string; message: string } }>;
    const signed = offline();
    const node = helper.getNode('ver');
    node.receive({ payload: signed.body, req: { headers: signed.headers, ip: '203.0.113.9' } });
    node.receive({ payload: signed.body, headers: signed.headers });
    node.receive({ payload: signed.body, req: { headers: signed.headers, ip: '::ffff:10.9.8.7' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rejected.map((m) => [m.statusCode, m.answer.code])).toEqual([
      [403, 'source_not_allowed'],
      [403, 'source_not_allowed'],
    ]);
    expect(rejected[0]!.answer.message).toContain('203.0.113.9');
    expect(rejected[1]!.answer.message).toMatch(/source address is unknown/);
    expect(accepted).toHaveLength(1);
  });
});

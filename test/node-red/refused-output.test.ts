/**
 * The optional "refused" output of devicehook in and devicehook verify ("Send refusals to an extra
 * output"): one message per refused request with the code, status, message, vendor and log request id;
 * headers without secrets; no body. Off by default, and then the outputs are the usual ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const verifyNode = require(join(DIST, 'devicehook-verify.js'));

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-refused-'));

let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};

type Msg = Record<string, unknown> & { payload: Record<string, unknown>; topic: string; headers: Record<string, string> };

beforeAll(() => helper.settings({ userDir, devicehookLog: { warnIntervalMs: 0 } }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const SECRET = 'the-configured-secret-1';

/** Every message that reaches each helper node, from now on. */
function collect(ids: string[]): Record<string, Msg[]> {
  const got: Record<string, Msg[]> = Object.fromEntries(ids.map((id) => [id, []]));
  for (const id of ids) helper.getNode(id).on('input', (msg: Msg) => got[id]!.push(msg));
  return got;
}

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

function inFlow(options: { vendor?: string; types?: string[]; refusedOutput?: boolean; maxBytes?: string }) {
  const types = options.types ?? [];
  const names = [...types, 'other', ...(options.refusedOutput ? ['refused'] : [])];
  return [
    { id: 'v1', type: 'devicehook-vendor', vendor: options.vendor ?? 'inhand-dm' },
    {
      id: 'in1', type: 'devicehook in', url: '/hooks/r', vendor: 'v1', types, outputs: names.length,
      ...(options.refusedOutput !== undefined ? { refusedOutput: options.refusedOutput } : {}),
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
      wires: names.map((_, i) => [`h${i}`]),
    },
    ...names.map((_, i) => ({ id: `h${i}`, type: 'helper' })),
  ];
}

const post = (signed: { headers: Record<string, string>; body: Buffer | string }) =>
  supertest(RED!.httpNode as never).post('/hooks/r').set(signed.headers).send(signed.body.toString());

describe('devicehook in: "refused" output', () => {
  it('a wrong secret sends one message to "refused" with the code, status and reason, and no secret anywhere in it', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow({ vendor: '1nce', refusedOutput: true }), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1']);
    const wrong = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: 'the-wrong-secret-2' });
    const res = await post({ ...wrong, headers: { ...wrong.headers, Authorization: 'Bearer tok-3', Cookie: 'session=cookie-4', 'X-Trace': 't1' } });
    expect(res.status).toBe(401);
    await until(() => got.h1!.length > 0);
    await settle();
    expect(got.h0).toHaveLength(0); // nothing on "other"
    expect(got.h1).toHaveLength(1);
    const msg = got.h1![0]!;
    expect(msg.payload).toMatchObject({ code: res.body.code, status: 401, message: res.body.message, vendor: '1nce' });
    expect(msg.payload.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(msg.topic).toBe(res.body.code);
    expect(msg.headers['x-trace']).toBe('t1');
    for (const name of ['x-api-key', 'authorization', 'cookie', 'proxy-authorization', 'content-length', 'host']) expect(Object.keys(msg.headers).map((h) => h.toLowerCase())).not.toContain(name);
    const text = JSON.stringify(msg);
    for (const secret of [SECRET, 'the-wrong-secret-2', 'tok-3', 'cookie-4']) expect(text).not.toContain(secret);
    expect(msg).not.toHaveProperty('rawBody');
    expect(text).not.toContain('LIFECYCLE'); // no body
  });

  it('routes by type as before with the option on: events by type and "other", refusals only to the last output, one per request', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow({ types: ['offline', 'online'], refusedOutput: true }), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1', 'h2', 'h3']);
    const sample = (type: string, secret = SECRET) => sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples[type], secret });
    await post(sample('online')).expect(200);
    await post(sample('sim_switch')).expect(200);
    await post(sample('offline', 'wrong-secret-5')).expect(401);
    await post({ headers: { 'content-type': 'application/json' }, body: '{"alertType":"offline"}' }).expect(401);
    await until(() => got.h3!.length >= 2 && got.h1!.length >= 1 && got.h2!.length >= 1);
    await settle();
    expect(got.h0).toHaveLength(0);
    expect(got.h1!.map((m) => m.topic)).toEqual(['online']);
    expect(got.h2!.map((m) => m.topic)).toEqual(['sim_switch']);
    expect(got.h3!.map((m) => [m.payload.status, m.payload.vendor])).toEqual([[401, 'inhand-dm'], [401, 'inhand-dm']]);
    expect(got.h3!.map((m) => m.payload.code)).toEqual(['signature_mismatch', 'signature_missing']);
    // Each refusal is its own request in the log.
    expect(new Set(got.h3!.map((m) => m.payload.requestId)).size).toBe(2);
    // Every send has the node's four outputs.
    for (const call of helper.getNode('in1').send.getCalls()) expect(call.args[0]).toHaveLength(4);
  });

  it('a body over the limit (answered 413 before it is read) sends one report without the body', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow({ refusedOutput: true, maxBytes: '1000' }), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1']);
    const res = await supertest(RED!.httpNode as never).post('/hooks/r').set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(5000)}"}`);
    expect(res.status).toBe(413);
    await until(() => got.h1!.length > 0);
    await settle();
    expect(got.h1).toHaveLength(1);
    expect(got.h1![0]!.payload).toMatchObject({ code: 'body_too_large', status: 413 });
    expect(JSON.stringify(got.h1![0])).not.toContain('xxxx');
    expect(got.h0).toHaveLength(0);
  });

  it('off by default: a refusal sends nothing, and the outputs are the usual ones', async () => {
    await helper.load([vendorNode, capturing(inNode)], inFlow({ types: ['offline'] }), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1']);
    await post(sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: 'wrong-secret-6' })).expect(401);
    await post(sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: SECRET })).expect(200);
    await until(() => got.h1!.length > 0);
    await settle();
    expect(got.h0).toHaveLength(0);
    expect(got.h1!.map((m) => m.topic)).toEqual(['online']);
    const calls = helper.getNode('in1').send.getCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0]).toHaveLength(2);
  });
});

describe('devicehook verify: "refused" output', () => {
  const flow = (refusedOutput: boolean | undefined) => {
    const names = ['device.locked', 'other', 'rejected', ...(refusedOutput ? ['refused'] : [])];
    return [
      { id: 'v1', type: 'devicehook-vendor', vendor: 'scalefusion' },
      { id: 'ver', type: 'devicehook verify', vendor: 'v1', types: ['device.locked'], outputs: names.length, ...(refusedOutput !== undefined ? { refusedOutput } : {}), wires: names.map((_, i) => [`h${i}`]) },
      ...names.map((_, i) => ({ id: `h${i}`, type: 'helper' })),
    ];
  };

  it('a refused message still leaves by "rejected" (to answer it), and a report leaves by "refused" in the same send; an accepted one sends no report', async () => {
    await helper.load([vendorNode, verifyNode], flow(true), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1', 'h2', 'h3']);
    const wrong = sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: 'wrong-secret-7' });
    helper.getNode('ver').receive({ payload: wrong.body, req: { headers: { ...wrong.headers, authorization: 'Basic abc-8' } } });
    const good = sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: SECRET });
    helper.getNode('ver').receive({ payload: good.body, req: { headers: good.headers } });
    await until(() => got.h3!.length > 0 && got.h0!.length > 0 && got.h2!.length > 0);
    await settle();
    expect(got.h2).toHaveLength(1);
    expect(got.h2![0]).toMatchObject({ statusCode: 401, error: { code: 'signature_mismatch' } });
    expect(got.h3).toHaveLength(1);
    const report = got.h3![0]!;
    expect(report.payload).toMatchObject({ code: 'signature_mismatch', status: 401, vendor: 'scalefusion' });
    expect(report).not.toHaveProperty('req');
    expect(report).not.toHaveProperty('res');
    const text = JSON.stringify(report);
    for (const secret of [SECRET, 'wrong-secret-7', 'abc-8']) expect(text).not.toContain(secret);
    for (const call of helper.getNode('ver').send.getCalls()) expect(call.args[0]).toHaveLength(4);
  });

  it('off: four outputs become three again (types, other, rejected) and nothing else is sent', async () => {
    await helper.load([vendorNode, verifyNode], flow(false), { v1: { secret: SECRET } });
    const got = collect(['h0', 'h1', 'h2']);
    const wrong = sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: 'wrong-secret-9' });
    helper.getNode('ver').receive({ payload: wrong.body, req: { headers: wrong.headers } });
    await until(() => got.h2!.length > 0);
    await settle();
    expect(got.h0).toHaveLength(0);
    expect(got.h1).toHaveLength(0);
    expect(helper.getNode('ver').send.getCalls().map((c: { args: unknown[][] }) => c.args[0]!.length)).toEqual([3]);
  });
});

/**
 * The mock buttons. `devicehook in`: the admin route signs the vendor's sample with the node's own secret,
 * sends it through the node's real HTTP endpoint, and answers with the node's status; the flow gets the
 * event. `devicehook out`: the same route has the node deliver the sample to its own URL through its real
 * delivery path (signing, headers, SSRF guard; one attempt), checked by a receiver that verifies the
 * signature with the core. The secret never reaches the editor.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vendors, verify } from '../../shared/src/index';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const outNode = require(join(DIST, 'devicehook-out.js'));
helper.init(require.resolve('node-red'));

// node-red-node-test-helper does not serve httpNode; this server plays Node-RED's own port (uiPort) for it.
let RED: { httpNode: (req: unknown, res: unknown) => void } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};
let server: Server;
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-mock-'));
beforeAll(async () => {
  // Mounted under httpNodeRoot, as Node-RED mounts httpNode.
  server = createServer((req, res) => {
    if (!req.url!.startsWith('/flows-in/')) return void res.writeHead(404).end();
    (req as { originalUrl?: string }).originalUrl = req.url;
    req.url = req.url!.slice('/flows-in'.length);
    RED!.httpNode(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  helper.settings({ userDir, uiPort: (server.address() as AddressInfo).port, httpNodeRoot: '/flows-in' });
});
afterEach(async () => {
  await helper.unload();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(userDir, { recursive: true, force: true });
});

const SECRET = 'mock-button-secret';
const flow = [
  { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
  { id: 'in1', type: 'devicehook in', url: '/hooks/inhand', vendor: 'v1', types: ['offline'], outputs: 2, wires: [['h0'], ['h1']] },
  { id: 'h0', type: 'helper' },
  { id: 'h1', type: 'helper' },
];

function nextMessage(id: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message reached ${id}`)), 3000);
    helper.getNode(id).once('input', (msg: Record<string, unknown>) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

describe('devicehook in mock button', () => {
  it('sends a signed sample through the real endpoint; the flow gets it and the editor the node’s answer, never the secret', async () => {
    await helper.load([vendorNode, capturing(inNode)], flow, { v1: { secret: SECRET } });
    const other = nextMessage('h1');
    const res = await helper.request().post('/devicehook/mock/in1').send({ type: 'online' });
    expect(res.status, JSON.stringify(res.body) + res.text).toBe(200);
    expect(res.body).toMatchObject({ type: 'online', status: 200, answer: { received: true, type: 'online' }, path: '/flows-in/hooks/inhand' });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    const msg = await other;
    expect(msg.topic).toBe('online');
    expect((msg.authentication as { method?: string } | undefined)).toBeDefined();
    // Without a type: the first chosen type's sample, out of its own output.
    const offline = nextMessage('h0');
    await helper.request().post('/devicehook/mock/in1').send({}).expect(200);
    expect((await offline).topic).toBe('offline');
  });

  it('shows the node’s refusal when the secret is not set, and says which types exist for an unknown one', async () => {
    await helper.load([vendorNode, capturing(inNode)], flow, {});
    const res = await helper.request().post('/devicehook/mock/in1').send({ type: 'online' }).expect(200);
    expect(res.body.status).toBe(503);
    expect(res.body.answer.code).toBe('not_configured');
    const unknown = await helper.request().post('/devicehook/mock/in1').send({ type: 'nope' }).expect(400);
    expect(unknown.body.message).toContain('offline');
    await helper.request().post('/devicehook/mock/nosuch').send({}).expect(404);
  });

  it('has a button in the editor that posts the chosen type and notifies the result', () => {
    const html = readFileSync(join(DIST, 'devicehook-in.html'), 'utf8');
    expect(html).toMatch(/button: \{\s*enabled: function \(\) \{ return !this.changed; \},\s*onclick:/);
    expect(html).toContain("url: 'devicehook/mock/' + node.id");
    expect(html).toContain('RED.notify(');
    expect(html).not.toMatch(/credentials|\.secret\b/);
  });
});

/** A receiver on 127.0.0.1 that checks each request with the core, as a vendor's customer would, and answers `status`. */
interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  verified: boolean;
  type?: string;
}
async function receiver(secret: string, vendor: string, status = 200) {
  const received: Received[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const result = verify({ vendor: vendor as never, rawBody: body, headers: req.headers, secrets: [secret] });
      received.push({ path: req.url!, headers: req.headers, body, verified: result.ok, ...(result.ok ? { type: result.event.type } : {}) });
      res.writeHead(result.ok ? status : 401, { 'content-type': 'application/json' }).end(JSON.stringify(result.ok ? { ok: status < 300 } : { code: result.code }));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise((resolve) => srv.close(resolve)) };
}

const OUT_SECRET = 'mock-out-secret-42';
function outFlow(url: string, extra: Record<string, unknown> = {}) {
  return [
    { id: 'v2', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'out1', type: 'devicehook out', vendor: 'v2', url, ssrfGuard: false, headers: [{ name: 'x-device-iccid', value: ':iccid:' }], wires: [['d0'], ['d1']], ...extra },
    { id: 'd0', type: 'helper' },
    { id: 'd1', type: 'helper' },
  ];
}

describe('devicehook out mock button', () => {
  it('delivers a correctly signed sample to the node’s URL, with its headers, and shows the status; never the secret', async () => {
    const r = await receiver(OUT_SECRET, 'inhand-dm');
    try {
      await helper.load([vendorNode, outNode], outFlow(`${r.url}/alerts/:iccid:`), { v2: { secret: OUT_SECRET } });
      const outputs: unknown[] = [];
      helper.getNode('d0').on('input', (msg: unknown) => outputs.push(msg));
      helper.getNode('d1').on('input', (msg: unknown) => outputs.push(msg));

      const res = await helper.request().post('/devicehook/mock/out1').send({ type: 'offline' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ type: 'offline', delivered: true, outcome: 'delivered', statusCode: 200 });
      expect(JSON.stringify(res.body)).not.toContain(OUT_SECRET);
      expect(r.received).toHaveLength(1);
      const [got] = r.received;
      expect(got!.verified).toBe(true);
      expect(got!.type).toBe('offline');
      expect(JSON.parse(got!.body.toString('utf8'))).toEqual(vendors['inhand-dm'].samples['offline']);
      // The node's own headers and placeholders, filled from the sample's device.
      const iccid = String((vendors['inhand-dm'].samples['offline'] as { iccid?: unknown }).iccid ?? 'none');
      expect(got!.headers['x-device-iccid']).toBe(iccid);
      expect(got!.path).toBe(`/alerts/${encodeURIComponent(iccid)}`);

      // The node's status shows the result.
      const node = helper.getNode('out1');
      const statuses = node.status.getCalls().map((c: { args: Array<{ text?: string; fill?: string }> }) => c.args[0]);
      expect(statuses.at(-1)).toMatchObject({ fill: 'green', text: 'mock offline: HTTP 200' });
      // A mock is not a message: nothing leaves the outputs.
      expect(outputs).toHaveLength(0);

      // Without a type: the vendor's first sample.
      const first = Object.keys(vendors['inhand-dm'].samples)[0];
      const again = await helper.request().post('/devicehook/mock/out1').send({}).expect(200);
      expect(again.body).toMatchObject({ type: first, delivered: true });
      expect(r.received[1]!.type).toBe(first);

      const unknown = await helper.request().post('/devicehook/mock/out1').send({ type: 'nope' }).expect(400);
      expect(unknown.body.message).toContain('offline');
      expect(r.received).toHaveLength(2);
    } finally {
      await r.close();
    }
  });

  it('makes a single attempt (no retries) and shows the refusal: a 503, and a wrong secret seen by the receiver as 401', async () => {
    const busy = await receiver(OUT_SECRET, 'inhand-dm', 503);
    const strict = await receiver('the-receiver-expects-another-secret', 'inhand-dm');
    try {
      await helper.load([vendorNode, outNode], [...outFlow(`${busy.url}/busy`), { id: 'out2', type: 'devicehook out', vendor: 'v2', url: `${strict.url}/strict`, ssrfGuard: false, wires: [[], []] }], { v2: { secret: OUT_SECRET } });
      const res = await helper.request().post('/devicehook/mock/out1').send({ type: 'online' }).expect(200);
      expect(res.body).toMatchObject({ type: 'online', delivered: false, statusCode: 503 });
      expect(busy.received).toHaveLength(1); // the vendor's preset would retry a 503; the mock does not
      const statuses = helper.getNode('out1').status.getCalls().map((c: { args: Array<{ text?: string; fill?: string }> }) => c.args[0]);
      expect(statuses.at(-1)).toMatchObject({ fill: 'red', text: 'mock online: HTTP 503' });

      const wrong = await helper.request().post('/devicehook/mock/out2').send({ type: 'online' }).expect(200);
      expect(wrong.body).toMatchObject({ delivered: false, statusCode: 401 });
      expect(strict.received).toHaveLength(1);
      expect(strict.received[0]!.verified).toBe(false);
    } finally {
      await busy.close();
      await strict.close();
    }
  });

  it('goes through the SSRF guard: with it on, a loopback URL is refused and nothing is sent', async () => {
    const r = await receiver(OUT_SECRET, 'inhand-dm');
    try {
      await helper.load([vendorNode, outNode], outFlow(`${r.url}/guarded`, { ssrfGuard: true }), { v2: { secret: OUT_SECRET } });
      const res = await helper.request().post('/devicehook/mock/out1').send({ type: 'online' }).expect(200);
      expect(res.body.delivered).toBe(false);
      expect(res.body.error).toMatch(/SSRF guard/);
      expect(res.body).not.toHaveProperty('statusCode');
      expect(r.received).toHaveLength(0);
      const statuses = helper.getNode('out1').status.getCalls().map((c: { args: Array<{ text?: string; fill?: string }> }) => c.args[0]);
      expect(statuses.at(-1)).toMatchObject({ fill: 'red' });
    } finally {
      await r.close();
    }
  });

  it('a secret the scheme cannot sign with: not sent, said so, and the secret is not in the answer', async () => {
    const r = await receiver(OUT_SECRET, 'standard-webhooks');
    const badSecret = 'whsec_%%%not-base64%%%';
    try {
      await helper.load(
        [vendorNode, outNode],
        [
          { id: 'v3', type: 'devicehook-vendor', vendor: 'standard-webhooks' },
          { id: 'out3', type: 'devicehook out', vendor: 'v3', url: `${r.url}/sw`, ssrfGuard: false, wires: [[], []] },
        ],
        { v3: { secret: badSecret } },
      );
      const res = await helper.request().post('/devicehook/mock/out3').send({}).expect(200);
      expect(res.body).toMatchObject({ type: 'device.alert', delivered: false });
      expect(res.body.error).toMatch(/^Not sent: /);
      expect(JSON.stringify(res.body)).not.toContain('not-base64');
      expect(r.received).toHaveLength(0);
      const statuses = helper.getNode('out3').status.getCalls().map((c: { args: Array<{ text?: string; fill?: string }> }) => c.args[0]);
      expect(statuses.at(-1)).toMatchObject({ fill: 'red', text: 'mock device.alert: not sent' });
    } finally {
      await r.close();
    }
  });

  it('both buttons share one route: a devicehook in and a devicehook out deployed together both answer', async () => {
    const r = await receiver(OUT_SECRET, 'inhand-dm');
    try {
      await helper.load([vendorNode, capturing(inNode), outNode], [...flow, ...outFlow(`${r.url}/both`)], { v1: { secret: SECRET }, v2: { secret: OUT_SECRET } });
      await helper.request().post('/devicehook/mock/out1').send({ type: 'online' }).expect(200);
      const inAnswer = await helper.request().post('/devicehook/mock/in1').send({ type: 'online' }).expect(200);
      expect(inAnswer.body.status).toBe(200);
      expect(r.received.map((q) => q.verified)).toEqual([true]);
    } finally {
      await r.close();
    }
  });

  it('has a button in the editor that posts the chosen type and notifies the result, and help for it', () => {
    const html = readFileSync(join(DIST, 'devicehook-out.html'), 'utf8');
    expect(html).toMatch(/button: \{\s*enabled: function \(\) \{ return !this.changed; \},\s*onclick:/);
    expect(html).toContain("url: 'devicehook/mock/' + node.id");
    expect(html).toContain('RED.notify(');
    expect(html).toContain('id="node-input-mockType"');
    expect(html).not.toMatch(/credentials|\.secret\b/);
    const help = readFileSync(join(DIST, "locales", "en-US", "devicehook-out.html"), "utf8");
    expect(help).toMatch(/<h3>Mock button<\/h3>[\s\S]*single attempt/);
  });
});

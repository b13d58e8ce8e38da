/**
 * The mock button of `devicehook in`: the admin route signs the vendor's sample with the node's own secret,
 * sends it through the node's real HTTP endpoint, and answers with the node's status; the flow gets the
 * event; the secret never reaches the editor.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
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

/**
 * devicehook in registering itself at EdgeSense / 1NCE on deploy and removing the registration on removal,
 * against the local fakes of both APIs: one registration per node however often it is redeployed, a new
 * one when its path changes, none left when it is removed, a red status and a clear error when registering
 * fails, and (1NCE) messages the fake delivers to the registered URL accepted by the node.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeEdgeSense, startFakeOneNce, type FakeEdgeSense, type FakeOneNce } from '../helpers/fake-vendor-apis';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const apiNode = require(join(DIST, 'devicehook-api.js'));
const devicehookIn = require(join(DIST, 'devicehook-in.js'));
// Captures RED to reach httpNode (node-red-node-test-helper's request() only reaches the admin app).
let RED: { httpNode: (req: http.IncomingMessage, res: http.ServerResponse) => void } | undefined;
const inNode = (red: never) => {
  RED = red;
  return devicehookIn(red);
};

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-reg-'));
beforeAll(() => helper.settings({ userDir }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const NODES = [vendorNode, apiNode, inNode];
/** The flow tab: a node's context is kept per node and flow, so a redeploy must keep the node on its tab. */
const TAB = { id: 'f1', type: 'tab', label: 'flow' };
type Status = { fill?: string; shape?: string; text?: string };

async function until<T>(what: string, probe: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function statusOf(id: string): Status | undefined {
  return helper.getNode(id)?.status.lastCall?.args[0];
}

/** How many registration outcomes (green or red) the node showed so far: its status spy outlives a redeploy. */
function outcomes(id = 'in1'): number {
  const spy = helper.getNode(id)?.status;
  return spy ? spy.getCalls().filter((c: { args: Status[] }) => /^registered at|registration failed/.test(c.args[0]?.text ?? '')).length : 0;
}

/**
 * Waits until the node shows a registration outcome after the `before`-th one and is not registering
 * again (its last status is an outcome, not the blue "registering…"), and returns it.
 */
async function settled(id = 'in1', before = 0): Promise<Status> {
  const isOutcome = (status: Status | undefined) => /^registered at|registration failed/.test(status?.text ?? '');
  return await until(`${id} to finish registering`, () => (outcomes(id) > before && isOutcome(statusOf(id)) ? statusOf(id) : undefined));
}

/** Deploys flows the way the editor's "Full" deploy does: every node stopped and started again. */
async function redeploy(flow: unknown[], credentials: Record<string, unknown>): Promise<void> {
  await helper.setFlows(flow, 'full', credentials).catch((error: Error) => {
    // node-red-node-test-helper waits for a "flows:started" event that may already have fired.
    if (!/timeout waiting event/.test(error.message)) throw error;
  });
}

describe('devicehook in registering at EdgeSense', () => {
  let fake: FakeEdgeSense;
  beforeEach(async () => {
    fake = await startFakeEdgeSense();
  });
  afterEach(async () => {
    await fake.close();
  });

  const flow = (path = '/hooks/es', extra: Record<string, unknown> = {}) => [
    TAB,
    { id: 'v1', type: 'devicehook-vendor', vendor: 'edgesense' },
    { id: 'api1', type: 'devicehook-api', api: 'edgesense', baseUrl: fake.url },
    { id: 'in1', z: 'f1', type: 'devicehook in', url: path, vendor: 'v1', types: [], outputs: 1, register: true, api: 'api1', publicUrl: 'https://nr.example.com/', wires: [[]], ...extra },
  ];
  const credentials = () => ({ v1: { secret: 'es-secret' }, api1: { apiKey: fake.apiKey } });
  const registrations = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/webhooks/register');

  it('registers its public URL with the vendor configuration’s secret and every event type on deploy', async () => {
    await helper.load(NODES, flow(), credentials());
    expect(await settled()).toEqual({ fill: 'green', shape: 'dot', text: 'registered at EdgeSense' });
    expect([...fake.webhooks.values()]).toEqual([
      expect.objectContaining({ url: 'https://nr.example.com/hooks/es', secret: 'es-secret', events: ['device.data', 'device.alert', 'device.status', 'config.update'] }),
    ]);
    expect(helper.getNode('in1').status.getCalls().map((c: { args: Status[] }) => c.args[0])).toContainEqual({ fill: 'blue', shape: 'ring', text: 'registering at EdgeSense…' });
  });

  it('does not register twice when redeployed unchanged, registers anew when its path changes, and deletes the webhook when removed', async () => {
    await helper.load(NODES, flow(), credentials());
    await settled();
    const [first] = [...fake.webhooks.keys()];

    const mark = outcomes();
    await redeploy(flow(), credentials());
    await until('the redeployed node', () => helper.getNode('in1'));
    expect(await settled('in1', mark)).toMatchObject({ fill: 'green' });
    expect(registrations()).toHaveLength(1);
    expect([...fake.webhooks.keys()]).toEqual([first]);

    await redeploy(flow('/hooks/moved'), credentials());
    await until('the re-registration', () => fake.webhooks.size === 1 && !fake.webhooks.has(first!));
    expect([...fake.webhooks.values()].map((h) => h.url)).toEqual(['https://nr.example.com/hooks/moved']);
    expect(await settled()).toMatchObject({ fill: 'green' });

    await redeploy(flow('/hooks/moved').slice(0, 3), credentials());
    await until('the webhook to be deleted', () => fake.webhooks.size === 0);
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });

  it('keeps the webhook when Node-RED stops the node without removing it (a restart)', async () => {
    await helper.load(NODES, flow(), credentials());
    await settled();
    await helper.unload(); // stops every node with removed = false
    expect(fake.webhooks.size).toBe(1);
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('replaces a webhook of its URL it lost track of, and one EdgeSense disabled, instead of adding a second', async () => {
    fake.webhooks.set('wh_old', { webhookId: 'wh_old', url: 'https://nr.example.com/hooks/es', events: ['device.data'], secret: 'old', status: 'registered', createdAt: '' });
    await helper.load(NODES, flow(), credentials());
    await settled();
    expect(fake.webhooks.has('wh_old')).toBe(false);
    expect(fake.webhooks.size).toBe(1);

    const [current] = [...fake.webhooks.values()];
    current!.status = 'disabled';
    await redeploy(flow(), credentials());
    await until('the disabled webhook to be replaced', () => fake.webhooks.size === 1 && !fake.webhooks.has(current!.webhookId));
    expect([...fake.webhooks.values()][0]).toMatchObject({ status: 'registered', url: 'https://nr.example.com/hooks/es' });
  });

  it('shows a red status and a clear error when the vendor refuses, and when settings are missing', async () => {
    await helper.load(NODES, flow(), { v1: { secret: 'es-secret' }, api1: { apiKey: 'wrong' } });
    expect(await settled()).toEqual({ fill: 'red', shape: 'ring', text: 'EdgeSense registration failed: HTTP 401' });
    const node = helper.getNode('in1');
    expect(node.error.lastCall.args[0]).toBe(
      'devicehook in could not register /hooks/es at EdgeSense: Could not list the webhooks at EdgeSense: EdgeSense refused the API key (HTTP 401). Check the API key and the API key header name in the devicehook API configuration.',
    );
    await helper.unload();

    await helper.load(NODES, flow('/hooks/es', { publicUrl: '' }), credentials());
    expect(await settled()).toEqual({ fill: 'red', shape: 'ring', text: 'EdgeSense registration failed: no public URL' });
    expect(helper.getNode('in1').error.lastCall.args[0]).toMatch(/Enter the public URL of this Node-RED \(e\.g\. https:\/\/nodered\.example\.com\)/);
    await helper.unload();

    await helper.load(NODES, flow(), { api1: { apiKey: fake.apiKey } });
    await until('the error', () => helper.getNode('in1').error.callCount > 0);
    expect(helper.getNode('in1').error.args.flat().join('\n')).toMatch(/Enter the webhook secret in the devicehook vendor configuration \(EdgeSense\)/);
    expect(fake.requests).toHaveLength(1); // only the first flow's list call reached the API: the others sent nothing
  });

  it('registers nothing without the option, and removes what it registered when the option is turned off', async () => {
    await helper.load(NODES, flow(), credentials());
    await settled();
    expect(fake.webhooks.size).toBe(1);
    await redeploy(flow('/hooks/es', { register: false }), credentials());
    await until('the webhook to be deleted', () => fake.webhooks.size === 0);
    await redeploy(flow('/hooks/es', { register: false, url: '/hooks/other' }), credentials());
    expect(registrations()).toHaveLength(1);
  });
});

describe('devicehook in registering at 1NCE', () => {
  let fake: FakeOneNce;
  beforeEach(async () => {
    fake = await startFakeOneNce();
  });
  afterEach(async () => {
    await fake.close();
  });

  const flow = (extra: Record<string, unknown> = {}) => [
    TAB,
    { id: 'v1', type: 'devicehook-vendor', vendor: '1nce' },
    { id: 'api1', type: 'devicehook-api', api: '1nce', baseUrl: fake.url },
    { id: 'in1', z: 'f1', type: 'devicehook in', url: '/hooks/1nce', vendor: 'v1', types: [], outputs: 1, register: true, api: 'api1', publicUrl: 'https://nr.example.com', wires: [['h1']], ...extra },
    { id: 'h1', z: 'f1', type: 'helper' },
  ];
  const credentials = (secret = 'hv-1') => ({ v1: { secret }, api1: { username: fake.username, password: fake.password } });
  const creations = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/integrate/clouds/webhooks');

  it('creates a webhook integration sending the vendor configuration’s header, keeps it on redeploy, deletes it on removal', async () => {
    await helper.load(NODES, flow(), credentials());
    expect(await settled()).toEqual({ fill: 'green', shape: 'dot', text: 'registered at 1NCE' });
    const [integration] = [...fake.integrations.values()];
    expect(integration).toMatchObject({
      name: 'Node-RED DeviceHook /hooks/1nce',
      url: 'https://nr.example.com/hooks/1nce',
      headers: { 'x-api-key': 'hv-1' },
      jsonPayloadEnabled: true,
    });
    expect(integration!.eventTypes.map((e) => e.type)).toEqual(['TELEMETRY_DATA', 'LIFECYCLE', 'ERROR', 'GEOFENCE', 'LOCATION']);

    const mark = outcomes();
    await redeploy(flow(), credentials());
    await until('the redeployed node', () => helper.getNode('in1'));
    expect(await settled('in1', mark)).toMatchObject({ fill: 'green' });
    expect(creations()).toHaveLength(1);

    await redeploy(flow().filter((n) => n.id !== 'in1'), credentials());
    await until('the integration to be deleted', () => fake.integrations.size === 0);
  });

  it('replaces the integration when the header value changes, and restarts one 1NCE marked failed', async () => {
    await helper.load(NODES, flow({ integrationName: 'mine' }), credentials('hv-1'));
    await settled();
    const [first] = [...fake.integrations.values()];
    first!.state = 'INTEGRATION_FAILED';
    await redeploy(flow({ integrationName: 'mine' }), credentials('hv-1'));
    await until('the restart', () => fake.requests.some((r) => r.path.endsWith('/restart')));
    expect(fake.integrations.get(first!.id)!.state).toBe('INTEGRATION_ACTIVE');

    await redeploy(flow({ integrationName: 'mine' }), credentials('hv-2'));
    await until('the new integration', () => fake.integrations.size === 1 && !fake.integrations.has(first!.id));
    expect([...fake.integrations.values()][0]).toMatchObject({ name: 'mine', headers: { 'x-api-key': 'hv-2' } });
  });

  it('takes over an integration of its own URL and name it lost track of; refuses a name used for another URL', async () => {
    fake.addIntegration({ name: 'Node-RED DeviceHook /hooks/1nce', url: 'https://nr.example.com/hooks/1nce' });
    await helper.load(NODES, flow(), credentials());
    expect(await settled()).toMatchObject({ fill: 'green' });
    expect(fake.integrations.size).toBe(1);
    await helper.unload();

    fake.integrations.clear();
    fake.addIntegration({ name: 'taken', url: 'https://elsewhere.example.com/x' });
    await helper.load(NODES, flow({ integrationName: 'taken' }), credentials());
    expect(await settled()).toEqual({ fill: 'red', shape: 'ring', text: '1NCE registration failed: failed' });
    expect(helper.getNode('in1').error.lastCall.args[0]).toBe(
      'devicehook in could not register /hooks/1nce at 1NCE: 1NCE already has an integration named "taken" that delivers elsewhere. Choose another integration name in this node.',
    );
  });

  it('accepts the messages 1NCE delivers to the registered integration', async () => {
    // The fake delivers to the integration's URL: the public URL is a server in front of this test's httpNode.
    const server = http.createServer((req, res) => RED!.httpNode(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await helper.load(NODES, flow({ publicUrl: `http://127.0.0.1:${port}` }), credentials());
      expect(await settled()).toMatchObject({ fill: 'green' });
      const [integration] = [...fake.integrations.values()];
      const arrived = new Promise<Record<string, unknown>>((resolve) => helper.getNode('h1').once('input', resolve));
      const status = await fake.deliver(integration!.id, { id: 'm-1', type: 'LIFECYCLE', iccid: '8988280666000000001', received: String(Date.now()), version: '1.0.0' });
      expect(status).toBe(200);
      expect(await arrived).toMatchObject({ topic: 'LIFECYCLE' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

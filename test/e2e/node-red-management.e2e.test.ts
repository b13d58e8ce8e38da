/**
 * Managing EdgeSense and 1NCE from a real Node-RED 5 (on Node 24), the @devicehook/node-red release tarball
 * installed as the palette manager installs it, flows deployed through the admin API, against the local
 * fakes of both APIs:
 *  - devicehook in registers its public URL at EdgeSense and creates its 1NCE integration on deploy, keeps
 *    them through a full redeploy, and deletes them when the nodes are removed;
 *  - the devicehook edgesense / devicehook 1nce nodes, driven by msg.operation from an http in endpoint,
 *    list and test through Node-RED's own fetch, and a failure reaches a catch node;
 *  - 1NCE's test message, delivered to the integration devicehook in created, is accepted by it;
 *  - the API key and password are nowhere in the flow file or the admin API's flows.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEdgeSense, startFakeOneNce, type FakeEdgeSense, type FakeOneNce } from '../helpers/fake-vendor-apis';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { releaseTarballs } from '../helpers/release-tarballs';

afterAll(() => stopAll());

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** http in (POST /manage/<name>, JSON body copied onto msg) → the API node → http response; its catch → 500 with the error. */
function managed(name: string, type: string, api: string): FlowNode[] {
  return [
    { id: `http${name}`, type: 'http in', z: 'tab', url: `/manage/${name}`, method: 'post', wires: [[`copy${name}`]] },
    { id: `copy${name}`, type: 'function', z: 'tab', func: 'Object.assign(msg, msg.payload);\nreturn msg;', outputs: 1, wires: [[`node${name}`]] },
    { id: `node${name}`, type, z: 'tab', api, operation: 'list', wires: [[`res${name}`]] },
    { id: `catch${name}`, type: 'catch', z: 'tab', scope: [`node${name}`], wires: [[`err${name}`]] },
    { id: `err${name}`, type: 'function', z: 'tab', func: 'msg.statusCode = 500;\nmsg.payload = { error: msg.error.message };\nreturn msg;', outputs: 1, wires: [[`res${name}`]] },
    { id: `res${name}`, type: 'http response', z: 'tab', wires: [] },
  ];
}

describe('Node-RED 5: managing EdgeSense and 1NCE', () => {
  let runtime: NodeRedRuntime;
  let edgesense: FakeEdgeSense;
  let oneNce: FakeOneNce;
  let flows: FlowNode[];
  let credentials: Record<string, Record<string, unknown>>;
  const manage = async (name: string, body: Record<string, unknown>) => {
    const response = await fetch(`${runtime.url}/manage/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  beforeAll(async () => {
    edgesense = await startFakeEdgeSense();
    oneNce = await startFakeOneNce({ deliverTestMessages: true });
    runtime = await startNodeRed({ major: '5', packages: [releaseTarballs().nodeRed] });
    flows = [
      { id: 'tab', type: 'tab', label: 'management' },
      { id: 'apies', type: 'devicehook-api', api: 'edgesense', baseUrl: edgesense.url },
      { id: 'apince', type: 'devicehook-api', api: '1nce', baseUrl: oneNce.url },
      { id: 'cfges', type: 'devicehook-vendor', vendor: 'edgesense' },
      { id: 'cfgnce', type: 'devicehook-vendor', vendor: '1nce' },
      { id: 'ines', type: 'devicehook in', z: 'tab', url: '/hooks/es', vendor: 'cfges', types: [], outputs: 1, register: true, api: 'apies', publicUrl: runtime.url, wires: [[]] },
      { id: 'innce', type: 'devicehook in', z: 'tab', url: '/hooks/1nce', vendor: 'cfgnce', types: [], outputs: 1, register: true, api: 'apince', publicUrl: runtime.url, wires: [[]] },
      ...managed('es', 'devicehook edgesense', 'apies'),
      ...managed('nce', 'devicehook 1nce', 'apince'),
    ];
    credentials = {
      apies: { apiKey: edgesense.apiKey },
      apince: { username: oneNce.username, password: oneNce.password },
      cfges: { secret: 'e2e-edgesense-secret' },
      cfgnce: { secret: 'e2e-1nce-header-value' },
    };
    await runtime.deploy(flows, credentials);
    await until(() => edgesense.webhooks.size === 1 && oneNce.integrations.size === 1, 30_000, 'both registrations');
  });
  afterAll(async () => {
    await runtime?.stop();
    await edgesense?.close();
    await oneNce?.close();
  });

  it('loads the new node types from the tarball without errors', async () => {
    const sets = (await (await fetch(`${runtime.url}/nodes`, { headers: { Accept: 'application/json' } })).json()) as Array<{ module: string; types: string[]; err?: string }>;
    const ours = sets.filter((set) => set.module === '@devicehook/node-red');
    expect(ours.flatMap((set) => set.types)).toEqual(expect.arrayContaining(['devicehook edgesense', 'devicehook 1nce', 'devicehook-api']));
    expect(ours.map((set) => set.err).filter(Boolean)).toEqual([]);
  });

  it('devicehook in registered its public URL at both vendors, with the secret / header its vendor configuration holds', () => {
    expect([...edgesense.webhooks.values()]).toEqual([expect.objectContaining({ url: `${runtime.url}/hooks/es`, secret: 'e2e-edgesense-secret' })]);
    expect([...oneNce.integrations.values()]).toEqual([
      expect.objectContaining({ url: `${runtime.url}/hooks/1nce`, headers: { 'x-api-key': 'e2e-1nce-header-value' }, name: 'Node-RED DeviceHook /hooks/1nce' }),
    ]);
  });

  it('the management nodes list, and 1NCE’s test message reaches the integration devicehook in created', async () => {
    const listed = await manage('es', { operation: 'list' });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([expect.objectContaining({ url: `${runtime.url}/hooks/es` })]);

    const [integration] = [...oneNce.integrations.values()];
    const tested = await manage('nce', { operation: 'test', integrationId: integration!.id });
    expect(tested).toEqual({ status: 200, body: expect.objectContaining({ integrationId: integration!.id, testStatus: 'SUCCESS' }) });
    expect(integration!.lastSuccessfulMessageDelivery).toBeDefined();

    const list = await manage('nce', {});
    expect(list.body).toEqual([expect.objectContaining({ id: integration!.id, name: 'Node-RED DeviceHook /hooks/1nce' })]);
  });

  it('a failed call reaches the catch node with a message that says what to check', async () => {
    const failed = await manage('nce', { operation: 'delete', integrationId: '..' });
    expect(failed).toEqual({ status: 500, body: { error: expect.stringMatching(/The integration ID "\.\." cannot be used: .*Nothing was sent\./) } });
    const unknown = await manage('es', { operation: 'frobnicate' });
    expect(unknown).toEqual({ status: 500, body: { error: expect.stringMatching(/^Unknown EdgeSense operation "frobnicate"/) } });
  });

  it('keeps the API key, password and secrets out of the flow file and the admin API', async () => {
    const flowFile = readFileSync(runtime.flowFile, 'utf8');
    const adminFlows = await (await fetch(`${runtime.url}/flows`, { headers: { Accept: 'application/json' } })).text();
    for (const secret of [edgesense.apiKey, oneNce.password, 'e2e-edgesense-secret', 'e2e-1nce-header-value']) {
      expect(flowFile).not.toContain(secret);
      expect(adminFlows).not.toContain(secret);
    }
    expect(runtime.logs()).not.toContain(edgesense.apiKey);
  });

  it('a full redeploy registers nothing twice; removing the nodes deletes both registrations', async () => {
    const before = { es: edgesense.requests.length, nce: oneNce.requests.length };
    await runtime.deploy(flows, credentials);
    // The redeployed nodes check their registrations (EdgeSense lists, 1NCE reads the integration) and keep them.
    await until(() => edgesense.requests.length > before.es && oneNce.requests.slice(before.nce).some((r) => r.method === 'GET' && /\/v1\/integrate\/clouds\/[^/]+$/.test(r.path)), 30_000, 'the checks');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(edgesense.requests.filter((r) => r.path === '/api/webhooks/register')).toHaveLength(1);
    expect(oneNce.requests.filter((r) => r.method === 'POST' && r.path === '/v1/integrate/clouds/webhooks')).toHaveLength(1);
    expect(edgesense.webhooks.size).toBe(1);
    expect(oneNce.integrations.size).toBe(1);

    await runtime.deploy(flows.filter((node) => node.id !== 'ines' && node.id !== 'innce'), credentials);
    await until(() => edgesense.webhooks.size === 0 && oneNce.integrations.size === 0, 30_000, 'both registrations to be deleted');
  });
});

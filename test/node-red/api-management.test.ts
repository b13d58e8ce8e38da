/**
 * The Node-RED nodes that manage EdgeSense webhooks and 1NCE integrations (devicehook edgesense, devicehook
 * 1nce, with their devicehook-api config node), against the local fakes of both APIs: every operation, the
 * operation and parameters from msg, the result in msg.payload, failures to a catch node with a message that
 * says what to check, the status a flow author sees, and no secret in any output.
 */
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
const edgeSenseNode = require(join(DIST, 'devicehook-edgesense.js'));
const oneNceNode = require(join(DIST, 'devicehook-1nce.js'));
const catchNode = require(require.resolve('@node-red/nodes/core/common/25-catch.js'));

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-api-'));
beforeAll(() => helper.settings({ userDir }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

type Msg = Record<string, unknown> & { payload: unknown };
const NODES = [vendorNode, apiNode, edgeSenseNode, oneNceNode, catchNode];

/** The next message that reaches a helper node, or a rejection after `ms`. */
function nextMessage(id: string, ms = 5000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message reached ${id}`)), ms);
    helper.getNode(id).once('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** A flow: vendor config, API config, the node under test → out; a catch node → caught. */
function flow(type: string, nodeConfig: Record<string, unknown>, api: Record<string, unknown>, vendor = 'edgesense') {
  return [
    { id: 'v1', type: 'devicehook-vendor', vendor },
    { id: 'api1', type: 'devicehook-api', ...api },
    { id: 'n1', type, api: 'api1', wires: [['out']], ...nodeConfig },
    { id: 'c1', type: 'catch', scope: ['n1'], wires: [['caught']] },
    { id: 'out', type: 'helper' },
    { id: 'caught', type: 'helper' },
  ];
}

async function call(input: Record<string, unknown>): Promise<Msg> {
  const result = nextMessage('out');
  helper.getNode('n1').receive(input);
  return await result;
}

async function failure(input: Record<string, unknown>): Promise<Msg & { error: { message: string } }> {
  const caught = nextMessage('caught');
  helper.getNode('n1').receive(input);
  return (await caught) as Msg & { error: { message: string } };
}

function lastStatus(): Record<string, unknown> {
  return helper.getNode('n1').status.lastCall.args[0];
}

describe('devicehook edgesense', () => {
  let fake: FakeEdgeSense;
  beforeEach(async () => {
    fake = await startFakeEdgeSense();
  });
  afterEach(async () => {
    await fake.close();
  });
  const load = (config: Record<string, unknown>, apiKey = fake.apiKey) =>
    helper.load(NODES, flow('devicehook edgesense', config, { api: 'edgesense', baseUrl: fake.url }), { v1: { secret: 'es-secret' }, api1: { apiKey } });

  it('registers a webhook signed with the vendor configuration’s secret, and says so in payload and status', async () => {
    await load({ operation: 'register', url: 'https://nr.example.com/hooks/es', events: ['device.alert'], vendor: 'v1' });
    const msg = await call({ payload: 'go' });
    const webhookId = (msg.payload as { webhookId: string }).webhookId;
    expect(msg.payload).toEqual({ webhookId, status: 'registered', url: 'https://nr.example.com/hooks/es', events: ['device.alert'] });
    expect(fake.webhooks.get(webhookId)).toMatchObject({ url: 'https://nr.example.com/hooks/es', events: ['device.alert'], secret: 'es-secret' });
    expect(lastStatus()).toEqual({ fill: 'green', shape: 'dot', text: `register: registered ${webhookId}` });
    // The blue ring while the call ran.
    expect(helper.getNode('n1').status.getCalls().map((c: { args: unknown[] }) => c.args[0])).toContainEqual({ fill: 'blue', shape: 'ring', text: 'register…' });
    expect(JSON.stringify(msg)).not.toContain('es-secret');
  });

  it('takes operation, URL, events and secret from msg (events none: all), and removes msg.secret', async () => {
    await load({ operation: 'list' });
    const msg = await call({ operation: 'register', url: 'https://nr.example.com/x', secret: 'from-msg' });
    const webhookId = (msg.payload as { webhookId: string }).webhookId;
    expect(fake.webhooks.get(webhookId)).toMatchObject({ secret: 'from-msg', events: ['device.data', 'device.alert', 'device.status', 'config.update'] });
    expect(msg.secret).toBeUndefined();
    expect(msg.operation).toBe('register');
  });

  it('lists the webhooks and deletes one by msg.webhookId; deleting an unknown id says it was already gone', async () => {
    fake.webhooks.set('wh_1', { webhookId: 'wh_1', url: 'https://a.example/1', events: ['device.data'], secret: 's', status: 'registered', createdAt: '' });
    await load({ operation: 'list' });
    const listed = await call({});
    expect(listed.payload).toEqual([expect.objectContaining({ webhookId: 'wh_1', url: 'https://a.example/1', events: ['device.data'] })]);
    expect(lastStatus()).toMatchObject({ fill: 'green', text: 'list: 1 listed' });

    const deleted = await call({ operation: 'delete', webhookId: 'wh_1' });
    expect(deleted.payload).toEqual({ webhookId: 'wh_1', deleted: true, existed: true });
    expect(fake.webhooks.size).toBe(0);
    const again = await call({ operation: 'delete', webhookId: 'wh_1' });
    expect(again.payload).toEqual({ webhookId: 'wh_1', deleted: true, existed: false });
    expect(lastStatus()).toMatchObject({ text: 'delete: was already gone' });
  });

  it('reports a refused API key to a catch node with what to check, and a red ring with the status code', async () => {
    await load({ operation: 'list' }, 'wrong-key');
    const caught = await failure({ payload: 1 });
    expect(caught.error.message).toMatch(/^Could not list the webhooks at EdgeSense: EdgeSense refused the API key \(HTTP 401\)\. Check the API key and the API key header name in the devicehook API configuration\.$/);
    expect(lastStatus()).toEqual({ fill: 'red', shape: 'ring', text: 'list: HTTP 401' });
    expect(JSON.stringify(caught)).not.toContain(fake.apiKey);
  });

  it('refuses before sending anything: no secret, a bad URL, a dot-segment id, an unknown operation', async () => {
    await load({ operation: 'register', url: 'https://nr.example.com/x' });
    expect((await failure({})).error.message).toMatch(/Set a signing secret/);
    expect((await failure({ url: 'not a url', secret: 's' })).error.message).toMatch(/is not a URL EdgeSense can send webhooks to/);
    expect((await failure({ operation: 'delete', webhookId: '..' })).error.message).toMatch(/cannot be used: "\.\." would climb the API URL\. Nothing was sent/);
    expect((await failure({ operation: 'explode' })).error.message).toMatch(/Unknown EdgeSense operation "explode": use one of register, list, delete/);
    expect(lastStatus()).toMatchObject({ fill: 'red', text: 'explode: unknown operation' });
    expect(fake.requests).toHaveLength(0);
  });

  it('says the API cannot be reached when nothing listens at the base URL', async () => {
    const url = fake.url;
    await fake.close();
    await helper.load(NODES, flow('devicehook edgesense', { operation: 'list' }, { api: 'edgesense', baseUrl: url }), { api1: { apiKey: 'k' } });
    const caught = await failure({});
    expect(caught.error.message).toMatch(/EdgeSense could not be reached\. Check the API base URL/);
    expect(lastStatus()).toMatchObject({ fill: 'red', text: 'list: unreachable' });
    fake = await startFakeEdgeSense(); // for afterEach
  });

});

describe('devicehook 1nce', () => {
  let fake: FakeOneNce;
  beforeEach(async () => {
    fake = await startFakeOneNce();
  });
  afterEach(async () => {
    await fake.close();
  });
  const load = (config: Record<string, unknown>, password = fake.password) =>
    helper.load(NODES, flow('devicehook 1nce', config, { api: '1nce', baseUrl: fake.url }, '1nce'), {
      v1: { secret: 'header-value' },
      api1: { username: fake.username, password },
    });

  it('creates an integration sending the vendor configuration’s header, shown as *** in the result', async () => {
    await load({ operation: 'create', integrationName: 'NR test', url: 'https://nr.example.com/hooks/1nce', eventTypes: ['LIFECYCLE'], vendor: 'v1' });
    const msg = await call({});
    const created = msg.payload as { id: string; headers: Record<string, string>; name: string };
    expect(created).toMatchObject({ name: 'NR test', url: 'https://nr.example.com/hooks/1nce', headers: { 'x-api-key': '***' }, jsonPayloadEnabled: true });
    expect(fake.integrations.get(created.id)).toMatchObject({ headers: { 'x-api-key': 'header-value' }, eventTypes: [{ type: 'LIFECYCLE', version: '1.0.0' }] });
    expect(lastStatus()).toEqual({ fill: 'green', shape: 'dot', text: `create: created ${created.id}` });
    expect(JSON.stringify(msg)).not.toContain('header-value');
  });

  it('lists (with a limit), updates by msg, tests, restarts and deletes', async () => {
    const a = fake.addIntegration({ name: 'a' });
    fake.addIntegration({ name: 'b', type: 'AWS' });
    fake.addIntegration({ name: 'c', headers: { 'x-api-key': 'secret-c' } });
    await load({ operation: 'list' });
    const all = (await call({})).payload as Array<{ name: string; headers?: unknown }>;
    expect(all.map((entry) => entry.name)).toEqual(['a', 'b', 'c']);
    expect((await call({ limit: 2 })).payload).toHaveLength(2);

    const updated = await call({ operation: 'update', integrationId: a.id, url: 'https://new.example.com/x', eventTypes: 'ERROR, GEOFENCE', jsonPayloadEnabled: false });
    expect(updated.payload).toMatchObject({ id: a.id, url: 'https://new.example.com/x', jsonPayloadEnabled: false });
    expect(fake.integrations.get(a.id)).toMatchObject({ url: 'https://new.example.com/x', eventTypes: [{ type: 'ERROR' }, { type: 'GEOFENCE' }], jsonPayloadEnabled: false });

    expect((await call({ operation: 'test', integrationId: a.id })).payload).toMatchObject({ integrationId: a.id, testStatus: 'SUCCESS' });
    expect(lastStatus()).toMatchObject({ text: 'test: SUCCESS' });
    fake.integrations.get(a.id)!.state = 'INTEGRATION_FAILED';
    expect((await call({ operation: 'restart', integrationId: a.id })).payload).toMatchObject({ integrationId: a.id, restartStatus: 'SUCCESS' });
    expect(fake.integrations.get(a.id)!.state).toBe('INTEGRATION_ACTIVE');

    expect((await call({ operation: 'delete', integrationId: a.id })).payload).toEqual({ integrationId: a.id, deleted: true, existed: true });
    expect(fake.integrations.has(a.id)).toBe(false);
  });

  it('updates the header from the vendor configuration, replacing the old one', async () => {
    const a = fake.addIntegration({ name: 'a', headers: { old: 'x' } });
    await load({ operation: 'update', integrationId: a.id, vendor: 'v1' });
    const msg = await call({ integrationHeaders: { 'X-Extra': 'e' } });
    expect(fake.integrations.get(a.id)!.headers).toEqual({ 'X-Extra': 'e', 'x-api-key': 'header-value' });
    expect(msg.payload).toMatchObject({ headers: { 'X-Extra': '***', 'x-api-key': '***' } });
    expect(msg.integrationHeaders).toBeUndefined();
  });

  it('fetches a token once, and a new one when 1NCE answers 401 for an expired one', async () => {
    await load({ operation: 'list' });
    await call({});
    await call({});
    expect(fake.tokensIssued).toBe(1);
    fake.expireTokens();
    await call({});
    expect(fake.tokensIssued).toBe(2);
  });

  it('reports a wrong API password, a taken name and an unknown id to a catch node, with a red ring', async () => {
    await load({ operation: 'list' }, 'wrong');
    expect((await failure({})).error.message).toMatch(/1NCE refused the API user or its token \(HTTP 401\)\. Check the API username and password/);
    expect(lastStatus()).toEqual({ fill: 'red', shape: 'ring', text: 'list: HTTP 401' });
    await helper.unload();

    fake.addIntegration({ name: 'taken' });
    await load({ operation: 'create', integrationName: 'taken', url: 'https://nr.example.com/x' });
    expect((await failure({})).error.message).toMatch(/HTTP 409.*An integration with this name may already exist/);
    expect(lastStatus()).toMatchObject({ fill: 'red', text: 'create: HTTP 409' });
    expect((await failure({ operation: 'test', integrationId: 'nope' })).error.message).toMatch(/1NCE has no integration with ID "nope" \(HTTP 404\)/);
  });

  it('refuses before sending anything: nothing to update, no name, no integration id', async () => {
    await load({ operation: 'update' });
    expect((await failure({ integrationId: 'a' })).error.message).toMatch(/^Nothing to update: set a URL, event types/);
    expect((await failure({ operation: 'create', url: 'https://x.example' })).error.message).toMatch(/^The integration name must have 1 to 128 characters/);
    expect((await failure({ operation: 'delete' })).error.message).toBe('Set the integration ID: in the node or as msg.integrationId.');
    expect(lastStatus()).toEqual({ fill: 'red', shape: 'ring', text: 'delete: invalid input' });
    expect(fake.requests).toHaveLength(0);
  });
});

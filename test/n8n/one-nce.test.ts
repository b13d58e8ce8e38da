/**
 * The 1NCE nodes against a local fake of the 1NCE Management API (docs/vendors.md#1nce-management-api): the trigger creates
 * exactly one webhook integration on activation with the credential's header, keeps it at one, deletes
 * it on deactivation and refuses requests without the header; the bearer token is fetched once, reused
 * and fetched again after it expires; every operation of the 1NCE node; API failures as clear errors.
 */
import { vendors } from '@devicehook/core';
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OneNce } from '../../nodes/OneNce/OneNce.node';
import { OneNceTrigger } from '../../nodes/OneNce/OneNceTrigger.node';
import { redactIntegration } from '../../nodes/shared/one-nce-api';
import { startFakeOneNce, type FakeOneNce } from '../helpers/fake-vendor-apis';
import { startReceiver } from '../helpers/receiver';
import { executeContext, hookContext, loadOptionsContext, webhookAnswer, webhookContext, type ContextOptions } from '../helpers/n8n-context';

const HEADER_VALUE = 'one-nce-header-value-42';
const HOOK_URL = 'https://n8n.example.com/webhook/9b7e0c11/webhook';
const ALL_TYPES = ['TELEMETRY_DATA', 'LIFECYCLE', 'ERROR', 'GEOFENCE', 'LOCATION'];

let api: FakeOneNce;
/** The credential as n8n stores it: shared by every context, so a fetched token is kept between calls. */
let stored: Record<string, ICredentialDataDecryptedObject>;

async function startApi(options: Parameters<typeof startFakeOneNce>[0] = {}) {
  api = await startFakeOneNce(options);
  stored = { oneNceApi: { baseUrl: api.url, username: api.username, password: api.password, secret: HEADER_VALUE } };
}
beforeEach(async () => {
  await startApi();
});
afterEach(async () => {
  await api.close();
});

const trigger = new OneNceTrigger();
const lifecycle = trigger.webhookMethods.default;

function hook(staticData: IDataObject, options: Partial<ContextOptions> = {}) {
  return hookContext({ nodeType: trigger, credentials: stored, staticData, webhookUrl: HOOK_URL, ...options });
}

/** What n8n does when it activates a workflow: create() only when checkExists() says no. */
async function activate(staticData: IDataObject, options: Partial<ContextOptions> = {}) {
  const context = hook(staticData, options).context;
  const existed = await lifecycle.checkExists.call(context);
  if (!existed) await lifecycle.create.call(context);
  return existed;
}

const integrations = () => [...api.integrations.values()];
const apiCalls = () => api.requests.filter((request) => request.path !== '/oauth/token');

describe('1NCE Trigger: the webhook integration at 1NCE', () => {
  it('creates exactly one integration with its URL, the credential header, every event type and JSON payloads', async () => {
    const staticData: IDataObject = {};
    expect(await activate(staticData)).toBe(false);

    expect(integrations()).toHaveLength(1);
    const created = integrations()[0]!;
    expect(created).toMatchObject({
      name: 'n8n DeviceHook',
      type: 'WEBHOOK',
      url: HOOK_URL,
      headers: { 'x-api-key': HEADER_VALUE },
      jsonPayloadEnabled: true,
    });
    expect(created.eventTypes.map((entry) => entry.type)).toEqual(ALL_TYPES);
    expect(staticData.integrationId).toBe(created.id);
    const post = api.requests.find((request) => request.path === '/v1/integrate/clouds/webhooks')!;
    expect(post.body).toEqual({
      name: 'n8n DeviceHook',
      url: HOOK_URL,
      headers: { 'x-api-key': HEADER_VALUE },
      eventTypes: ALL_TYPES.map((type) => ({ type })),
      jsonPayloadEnabled: true,
    });
  });

  it('uses the integration name, the chosen event types (TEST_MESSAGE is always sent) and the credential header name', async () => {
    stored.oneNceApi!.authHeaderName = 'x-devicehook-key';
    await activate({}, { parameters: { integrationName: 'Fleet alarms', eventTypes: ['GEOFENCE', 'TEST_MESSAGE', 'LOCATION'] } });
    const created = integrations()[0]!;
    expect(created.name).toBe('Fleet alarms');
    expect(created.eventTypes.map((entry) => entry.type)).toEqual(['GEOFENCE', 'LOCATION']);
    expect(created.headers).toEqual({ 'x-devicehook-key': HEADER_VALUE });
  });

  it('fetches one token and reuses it across activation calls and later contexts', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    expect(await activate(staticData)).toBe(true);
    await lifecycle.delete.call(hook(staticData).context);
    // create, then checkExists, then delete: three API calls, one token.
    expect(apiCalls()).toHaveLength(3);
    expect(api.tokensIssued).toBe(1);
    const token = api.requests.find((request) => request.path === '/oauth/token')!;
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from(`${api.username}:${api.password}`).toString('base64')}`);
    expect(token.body).toEqual({ grant_type: 'client_credentials' });
    expect(stored.oneNceApi!.accessToken).toMatch(/^tok_/);
  });

  it('fetches a new token once the old one has expired, and the call still succeeds', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const firstToken = stored.oneNceApi!.accessToken;
    api.expireTokens();

    const h = hook(staticData);
    expect(await lifecycle.checkExists.call(h.context)).toBe(true);
    expect(api.tokensIssued).toBe(2);
    expect(stored.oneNceApi!.accessToken).not.toBe(firstToken);
    expect(h.preAuthentications).toEqual([{ credentialType: 'oneNceApi', expired: true }]);
    // The refused call, then the same call with the new token.
    expect(h.http.map((call) => [call.url.replace(api.url, ''), call.status])).toEqual([
      [`/v1/integrate/clouds/${String(staticData.integrationId)}`, 401],
      ['/oauth/token', 200],
      [`/v1/integrate/clouds/${String(staticData.integrationId)}`, 200],
    ]);
  });

  it('explains wrong API credentials', async () => {
    stored.oneNceApi!.password = 'wrong';
    const error = await lifecycle.create.call(hook({}).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toMatch(/^Could not create the webhook integration "n8n DeviceHook" at 1NCE: 1NCE refused the API user or its token \(HTTP 401\)\. Check the API username and password/);
    expect(api.tokensIssued).toBe(0);
    expect(integrations()).toHaveLength(0);
  });

  it('finds its integration again after a restart and creates no second one', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    expect(await activate(staticData)).toBe(true);
    expect(await activate(staticData)).toBe(true);
    expect(integrations()).toHaveLength(1);
    expect(api.requests.filter((request) => request.method === 'POST' && request.path === '/v1/integrate/clouds/webhooks')).toHaveLength(1);
  });

  it('says the integration is gone when it was deleted at 1NCE, and creates a new one', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    api.integrations.clear();
    expect(await lifecycle.checkExists.call(hook(staticData).context)).toBe(false);
    expect(staticData.integrationId).toBeUndefined();
    await lifecycle.create.call(hook(staticData).context);
    expect(integrations()).toHaveLength(1);
    expect(staticData.integrationId).toBe(integrations()[0]!.id);
  });

  it('replaces its integration when the webhook URL changes', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const old = staticData.integrationId;
    const moved = 'https://n8n.example.org/webhook/9b7e0c11/webhook';
    expect(await activate(staticData, { webhookUrl: moved })).toBe(false);
    expect(integrations().map((entry) => entry.url)).toEqual([moved]);
    expect(api.integrations.has(String(old))).toBe(false);
  });

  it('replaces a leftover of its own (same name, same URL) when the workflow lost its static data', async () => {
    await activate({});
    const leftover = integrations()[0]!.id;
    const fresh: IDataObject = {};
    await activate(fresh);
    expect(integrations()).toHaveLength(1);
    expect(api.integrations.has(leftover)).toBe(false);
    expect(fresh.integrationId).toBe(integrations()[0]!.id);
  });

  it('refuses to take over an integration of the same name that delivers elsewhere', async () => {
    api.addIntegration({ name: 'n8n DeviceHook', url: 'https://elsewhere.example.com/hook' });
    const error = await lifecycle.create.call(hook({}).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/already has an integration named "n8n DeviceHook" that delivers elsewhere\. Choose another Integration Name/);
    expect(integrations()).toHaveLength(1);
  });

  it('"Listen for test event" creates a separate "(test)" integration and deletes only that one', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const production = staticData.integrationId;
    const testUrl = 'https://n8n.example.com/webhook-test/9b7e0c11/webhook';

    expect(await activate(staticData, { mode: 'manual', webhookUrl: testUrl })).toBe(false);
    expect(integrations().map((entry) => [entry.name, entry.url])).toEqual([
      ['n8n DeviceHook', HOOK_URL],
      ['n8n DeviceHook (test)', testUrl],
    ]);
    expect(await lifecycle.delete.call(hook(staticData, { mode: 'manual', webhookUrl: testUrl }).context)).toBe(true);

    expect(integrations().map((entry) => entry.id)).toEqual([production]);
    expect(staticData.integrationId).toBe(production);
    expect(await activate(staticData)).toBe(true);
  });

  it('deletes its integration on deactivation; one already deleted at 1NCE counts as deleted', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    expect(await lifecycle.delete.call(hook(staticData).context)).toBe(true);
    expect(integrations()).toHaveLength(0);
    expect(staticData.integrationId).toBeUndefined();

    await activate(staticData);
    api.integrations.clear();
    expect(await lifecycle.delete.call(hook(staticData).context)).toBe(true);
    expect(staticData.integrationId).toBeUndefined();
  });

  it('keeps the id and logs when 1NCE cannot delete the integration', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    api.failNext({ method: 'DELETE', status: 500 });
    const h = hook(staticData);
    expect(await lifecycle.delete.call(h.context)).toBe(false);
    expect(h.logger.messages('warn').join('\n')).toMatch(/Could not delete 1NCE integration .*HTTP 500/);
    expect(staticData.integrationId).toBe(integrations()[0]!.id);
  });

  it('restarts its integration when 1NCE gave up on it (INTEGRATION_FAILED), keeping it', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    integrations()[0]!.state = 'INTEGRATION_FAILED';
    expect(await activate(staticData)).toBe(true);
    expect(integrations()).toHaveLength(1);
    expect(integrations()[0]!.state).toBe('INTEGRATION_ACTIVE');
    expect(api.requests.some((request) => request.path === `/v1/integrate/clouds/webhooks/${String(staticData.integrationId)}/restart`)).toBe(true);
  });

  it('still activates, with a warning, when the restart of a failed integration fails', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    integrations()[0]!.state = 'INTEGRATION_FAILED';
    api.failNext({ path: '/restart', status: 500 });
    const h = hook(staticData);
    expect(await lifecycle.checkExists.call(h.context)).toBe(true);
    expect(h.logger.messages('warn').join('\n')).toMatch(/INTEGRATION_FAILED and could not be restarted .*HTTP 500/);
  });

  it('explains that 1NCE wants an HTTPS URL when it refuses an http one', async () => {
    await api.close();
    await startApi({ requireHttps: true });
    const error = await lifecycle.create.call(hook({}, { webhookUrl: 'http://localhost:5678/webhook/x/webhook' }).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toMatch(/HTTP 400\): url must be a valid HTTPS URI\. 1NCE only delivers to HTTPS URLs/);
  });

  it('does nothing at 1NCE when "Register Webhook" is off', async () => {
    const staticData: IDataObject = {};
    const context = hook(staticData, { parameters: { registerWebhook: false } }).context;
    expect(await lifecycle.checkExists.call(context)).toBe(true);
    expect(await lifecycle.create.call(context)).toBe(true);
    expect(await lifecycle.delete.call(context)).toBe(true);
    expect(api.requests).toHaveLength(0);
  });
});

describe('1NCE Trigger: messages from the Cloud Integrator', () => {
  const message = vendors['1nce'].samples.TELEMETRY_DATA;

  function deliver(headers: Record<string, string>, body: unknown = message) {
    const h = webhookContext({ nodeType: trigger, credentials: stored, request: { body, headers } });
    return { h, run: trigger.webhook.call(h.context) };
  }

  it('starts the workflow for a message carrying the header value', async () => {
    const { h, run } = deliver({ 'x-api-key': HEADER_VALUE });
    const result = await run;
    expect(webhookAnswer(h, result)).toEqual({ status: 200, body: { received: true, type: 'TELEMETRY_DATA' } });
    expect(result.workflowData![0]![0]!.json).toMatchObject({ type: 'TELEMETRY_DATA', device: { iccid: '8988280666000002864' } });
  });

  it('accepts the previous value during a rotation', async () => {
    stored.oneNceApi!.previousSecret = 'old-value';
    const { h, run } = deliver({ 'x-api-key': 'old-value' });
    const result = await run;
    expect(result.workflowData).toHaveLength(1);
    expect(webhookAnswer(h, result).status).toBe(200);
  });

  it('refuses a wrong header value with 401 and starts nothing', async () => {
    const { h, run } = deliver({ 'x-api-key': 'guessed' });
    const result = await run;
    expect(result.workflowData).toBeUndefined();
    expect(h.response.statusCode).toBe(401);
  });

  it('refuses a message without the header', async () => {
    const { h, run } = deliver({});
    expect((await run).workflowData).toBeUndefined();
    expect(h.response.statusCode).toBeGreaterThanOrEqual(400);
  });
});

describe('1NCE node', () => {
  const node = new OneNce();

  function run(parameters: IDataObject, options: { inputData?: INodeExecutionData[]; continueOnFail?: boolean } = {}) {
    const h = executeContext({
      nodeType: node,
      parameters: { resource: 'integration', ...parameters },
      credentials: stored,
      inputData: options.inputData,
      continueOnFail: options.continueOnFail,
    });
    return { h, output: node.execute.call(h.context as IExecuteFunctions) };
  }

  it('creates a webhook integration with the credential header and additional headers', async () => {
    const [items] = await run({
      operation: 'create',
      name: 'Backend',
      url: 'https://backend.example.com/1nce?iccid=:iccid:',
      eventTypes: ['LIFECYCLE'],
      headers: { header: [{ name: 'x-tenant', value: 'acme' }] },
    }).output;
    expect(items![0]!.json).toMatchObject({ name: 'Backend', state: 'ROLLOUT_DONE', type: 'WEBHOOK', jsonPayloadEnabled: true });
    expect(items![0]!.pairedItem).toEqual({ item: 0 });
    expect(integrations()[0]).toMatchObject({
      url: 'https://backend.example.com/1nce?iccid=:iccid:',
      headers: { 'x-tenant': 'acme', 'x-api-key': HEADER_VALUE },
      eventTypes: [{ type: 'LIFECYCLE', version: '1.0.0' }],
    });
  });

  it('creates without the credential header when asked to', async () => {
    await run({ operation: 'create', name: 'Plain', url: 'https://plain.example.com/', addCredentialHeader: false }).output;
    expect(integrations()[0]!.headers).toEqual({});
    expect(integrations()[0]!.eventTypes.map((entry) => entry.type)).toEqual(ALL_TYPES);
  });

  it('lists every integration across pages, or stops at the limit', async () => {
    await api.close();
    await startApi({ pageSize: 2 });
    for (let index = 1; index <= 5; index++) api.addIntegration({ name: `integration ${index}`, type: index === 5 ? 'AWS' : 'WEBHOOK' });

    const [all] = await run({ operation: 'list', returnAll: true }).output;
    expect(all!.map((item) => item.json.name)).toEqual(['integration 1', 'integration 2', 'integration 3', 'integration 4', 'integration 5']);
    expect(api.requests.filter((request) => request.path === '/v1/integrate/clouds').map((request) => request.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(all!.every((item) => !('headers' in item.json))).toBe(true);

    api.requests.length = 0;
    const [limited] = await run({ operation: 'list', returnAll: false, limit: 3 }).output;
    expect(limited).toHaveLength(3);
    expect(api.requests.filter((request) => request.path === '/v1/integrate/clouds')).toHaveLength(2);
  });

  it('offers only webhook integrations for update, test and restart, and all for delete', async () => {
    api.addIntegration({ name: 'hook', type: 'WEBHOOK' });
    api.addIntegration({ name: 'aws', type: 'AWS' });
    const h = loadOptionsContext({ nodeType: node, credentials: stored });
    const webhooks = await node.methods.loadOptions.getWebhookIntegrations.call(h.context);
    const all = await node.methods.loadOptions.getIntegrations.call(h.context);
    expect(webhooks.map((option) => option.name)).toEqual(['hook (WEBHOOK, INTEGRATION_ACTIVE)']);
    expect(all).toHaveLength(2);
  });

  it('updates URL, event types, JSON flag and headers, never sending a name', async () => {
    const existing = api.addIntegration({ name: 'keep me', headers: { 'x-api-key': 'old' } });
    const [items] = await run({
      operation: 'update',
      integrationId: existing.id,
      updateFields: { url: 'https://new.example.com/hook', eventTypes: ['ERROR', 'LOCATION'], jsonPayloadEnabled: true, headers: { header: [{ name: 'x-extra', value: '1' }] } },
    }).output;
    const patch = api.requests.find((request) => request.method === 'PATCH')!;
    expect(patch.path).toBe(`/v1/integrate/clouds/webhooks/${existing.id}`);
    expect(patch.body).toEqual({
      url: 'https://new.example.com/hook',
      eventTypes: [{ type: 'ERROR' }, { type: 'LOCATION' }],
      jsonPayloadEnabled: true,
      headers: { 'x-extra': '1', 'x-api-key': HEADER_VALUE },
    });
    expect(items![0]!.json).toMatchObject({ id: existing.id, name: 'keep me', url: 'https://new.example.com/hook' });
  });

  it('refuses an update with nothing to update, before calling 1NCE', async () => {
    const existing = api.addIntegration();
    const error = await run({ operation: 'update', integrationId: existing.id, updateFields: {} }).output.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/Add at least one field to update/);
    expect(api.requests.filter((request) => request.method === 'PATCH')).toHaveLength(0);
  });

  it('tests and restarts an integration', async () => {
    const existing = api.addIntegration({ state: 'INTEGRATION_FAILED' });
    const [tested] = await run({ operation: 'test', integrationId: existing.id }).output;
    expect(tested![0]!.json).toEqual({ integrationId: existing.id, testStatus: 'SUCCESS', message: 'Test was successful' });
    expect(api.requests.some((request) => request.method === 'POST' && request.path === `/v1/integrate/clouds/webhooks/${existing.id}/test`)).toBe(true);

    const [restarted] = await run({ operation: 'restart', integrationId: existing.id }).output;
    expect(restarted![0]!.json).toMatchObject({ integrationId: existing.id, restartStatus: 'SUCCESS', integration: { state: 'INTEGRATION_ACTIVE' } });
    expect(api.integrations.get(existing.id)!.state).toBe('INTEGRATION_ACTIVE');
  });

  it('reports a failed test delivery (fake delivering TEST_MESSAGE to a real receiver)', async () => {
    await api.close();
    await startApi({ deliverTestMessages: true });
    const receiver = await startReceiver((n) => ({ status: n === 0 ? 200 : 503 }));
    try {
      const existing = api.addIntegration({ url: `${receiver.url}/hook`, headers: { 'x-api-key': HEADER_VALUE } });
      const [ok] = await run({ operation: 'test', integrationId: existing.id }).output;
      expect(ok![0]!.json.testStatus).toBe('SUCCESS');
      expect(receiver.requests[0]!.headers['x-api-key']).toBe(HEADER_VALUE);
      expect(JSON.parse(receiver.requests[0]!.body.toString())).toMatchObject({ type: 'TEST_MESSAGE', integration: { id: existing.id } });
      const [failed] = await run({ operation: 'test', integrationId: existing.id }).output;
      expect(failed![0]!.json.testStatus).toBe('FAILURE');
    } finally {
      await receiver.close();
    }
  });

  it('deletes an integration; an unknown one is reported as already gone', async () => {
    const existing = api.addIntegration();
    const [deleted] = await run({ operation: 'delete', integrationId: existing.id }).output;
    expect(deleted![0]!.json).toEqual({ integrationId: existing.id, deleted: true, existed: true });
    expect(api.integrations.size).toBe(0);
    const [again] = await run({ operation: 'delete', integrationId: existing.id }).output;
    expect(again![0]!.json).toEqual({ integrationId: existing.id, deleted: true, existed: false });
  });

  it('names the missing integration when 1NCE answers 404', async () => {
    const error = await run({ operation: 'test', integrationId: 'no-such-id' }).output.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toBe('Could not test integration no-such-id at 1NCE: 1NCE has no integration with ID "no-such-id" (HTTP 404).');
    expect((error as NodeApiError).context.itemIndex).toBe(0);
  });

  it('passes on the validation errors 1NCE gives', async () => {
    const error = await run({ operation: 'create', name: 'Bad', url: 'not a url' }).output.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toMatch(/1NCE refused the request as invalid \(HTTP 400\): url must be a valid URI/);
    expect((error as NodeApiError).httpCode).toBe('400');
  });

  it('reuses one token for every item and operation', async () => {
    const inputData = [{ json: {} }, { json: {} }, { json: {} }];
    await run({ operation: 'create', name: (index: number) => `item ${index}`, url: 'https://a.example.com/' }, { inputData }).output;
    await run({ operation: 'list', returnAll: true }).output;
    expect(integrations()).toHaveLength(3);
    expect(api.tokensIssued).toBe(1);
  });

  it('with "continue on fail", reports failed items and goes on with the others', async () => {
    const existing = api.addIntegration();
    api.failNext({ method: 'POST', path: '/test', status: 503 });
    const [tested] = await run(
      { operation: 'test', integrationId: () => existing.id },
      { inputData: [{ json: {} }, { json: {} }], continueOnFail: true },
    ).output;
    expect(tested![0]).toEqual({ json: { error: expect.stringContaining('1NCE failed to process the request (HTTP 503)'), httpCode: '503' }, pairedItem: { item: 0 } });
    expect(tested![1]).toEqual({ json: { integrationId: existing.id, testStatus: 'SUCCESS', message: 'Test was successful' }, pairedItem: { item: 1 } });
  });
});

describe('1NCE node: ids and secrets', () => {
  const node = new OneNce();
  const run = (parameters: IDataObject, continueOnFail = false) =>
    node.execute.call(executeContext({ nodeType: node, parameters: { resource: 'integration', ...parameters }, credentials: stored, continueOnFail }).context as IExecuteFunctions);

  it.each(['.', '..', '%2e', '%2E%2e', '.%2e', '%252e%252e', 'a/b', '../x', 'a\\b', 'x?y', 'x#y', '%2F', 'a%2fb', '%3F', '%23', 'a\u0000b'])(
    'refuses the integration id %j before any request, for every operation that takes one',
    async (id) => {
      for (const operation of ['update', 'test', 'restart', 'delete']) {
        const error = await run({ operation, integrationId: id, updateFields: { jsonPayloadEnabled: true } }).catch((e: unknown) => e);
        expect(error, operation).toBeInstanceOf(NodeOperationError);
        expect((error as Error).message, operation).toMatch(/integration ID .* cannot be used: .*Nothing was sent/);
      }
      expect(apiCalls()).toEqual([]);
    },
  );

  it('sends other ids as one encoded path segment', async () => {
    await run({ operation: 'delete', integrationId: 'a b+c:d@e' });
    // The fake decodes the path once: the id arrives whole, as one segment.
    expect(apiCalls().map((request) => request.path)).toEqual(['/v1/integrate/clouds/a b+c:d@e']);
  });

  it('Create and Update outputs show every header value as *** — the static header value is the secret', async () => {
    const [created] = await run({ operation: 'create', name: 'Backend', url: 'https://backend.example.com/in', headers: { header: [{ name: 'x-tenant', value: 'acme-tenant-value' }] } });
    const existing = api.addIntegration({ name: 'keep me', headers: { 'x-api-key': 'old' } });
    const [updated] = await run({ operation: 'update', integrationId: existing.id, updateFields: { headers: { header: [{ name: 'x-extra', value: 'extra-value' }] } } });
    // 1NCE got the real values...
    expect(integrations()[0]!.headers).toEqual({ 'x-tenant': 'acme-tenant-value', 'x-api-key': HEADER_VALUE });
    // ...the outputs show the names only.
    for (const items of [created, updated]) {
      const json = items![0]!.json as { headers?: Record<string, string> };
      const text = JSON.stringify(items);
      expect(text).not.toContain(HEADER_VALUE);
      if (json.headers) expect(Object.values(json.headers).every((value) => value === '***')).toBe(true);
    }
    expect(Object.keys((created![0]!.json as { headers: object }).headers)).toEqual(['x-tenant', 'x-api-key']);
    expect(JSON.stringify(created)).not.toContain('acme-tenant-value');
    expect(JSON.stringify(updated)).not.toContain('extra-value');
  });

  it('redacts header values in either shape 1NCE may use, and URL userinfo', () => {
    expect(redactIntegration({ id: 'i', url: 'https://u:p@h.example.com/x', headers: { 'x-api-key': 'v' } })).toEqual({ id: 'i', url: 'https://***@h.example.com/x', headers: { 'x-api-key': '***' } });
    expect(redactIntegration({ id: 'i', headers: [{ name: 'x-api-key', value: 'v' }] })).toEqual({ id: 'i', headers: [{ name: 'x-api-key', value: '***' }] });
    expect(redactIntegration(null)).toBe(null);
  });
});

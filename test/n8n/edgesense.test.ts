/**
 * The EdgeSense nodes against a local fake of the EdgeSense API: the trigger registers exactly one
 * webhook on activation (and keeps it at one across restarts, lost static data and URL changes),
 * removes it on deactivation, verifies the signed requests EdgeSense sends; the action node's
 * operations; API failures as clear NodeApiErrors; "continue on fail".
 */
import { sign, vendors } from '@devicehook/core';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EdgeSense } from '../../nodes/EdgeSense/EdgeSense.node';
import { EdgeSenseTrigger } from '../../nodes/EdgeSense/EdgeSenseTrigger.node';
import { redactWebhook } from '../../nodes/shared/edgesense-api';
import { startFakeEdgeSense, type FakeEdgeSense } from '../helpers/fake-vendor-apis';
import { executeContext, hookContext, loadOptionsContext, webhookAnswer, webhookContext, type ContextOptions } from '../helpers/n8n-context';

const SECRET = 'edge-secret-0123456789';
const HOOK_URL = 'https://n8n.example.com/webhook/4f1c2d9e/webhook';
const ALL_EVENTS = ['device.data', 'device.alert', 'device.status', 'config.update'];

let api: FakeEdgeSense;
beforeEach(async () => {
  api = await startFakeEdgeSense();
});
afterEach(async () => {
  await api.close();
});

function credentials(overrides: IDataObject = {}) {
  return { edgeSenseApi: { baseUrl: api.url, apiKey: api.apiKey, secret: SECRET, ...overrides } };
}

const trigger = new EdgeSenseTrigger();
const lifecycle = trigger.webhookMethods.default;

/** A hook context for the trigger; pass the same staticData to play successive calls of one workflow. */
function hook(staticData: IDataObject, options: Partial<ContextOptions> = {}) {
  return hookContext({ nodeType: trigger, credentials: credentials(), staticData, webhookUrl: HOOK_URL, ...options });
}

/** What n8n does when it activates a workflow: create() only when checkExists() says no. */
async function activate(staticData: IDataObject, options: Partial<ContextOptions> = {}) {
  const context = hook(staticData, options).context;
  const existed = await lifecycle.checkExists.call(context);
  if (!existed) await lifecycle.create.call(context);
  return existed;
}

async function deactivate(staticData: IDataObject, options: Partial<ContextOptions> = {}) {
  return await lifecycle.delete.call(hook(staticData, options).context);
}

describe('EdgeSense Trigger: registration at EdgeSense', () => {
  it('registers exactly one webhook with its URL, every event type and the credential secret on activation', async () => {
    const staticData: IDataObject = {};
    expect(await activate(staticData)).toBe(false);

    const hooks = [...api.webhooks.values()];
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url: HOOK_URL, events: ALL_EVENTS, secret: SECRET });
    expect(staticData.webhookId).toBe(hooks[0]!.webhookId);
    const register = api.requests.find((request) => request.path === '/api/webhooks/register')!;
    expect(register.headers['x-api-key']).toBe(api.apiKey);
    expect(register.body).toEqual({ url: HOOK_URL, events: ALL_EVENTS, secret: SECRET });
  });

  it('subscribes only the chosen event types', async () => {
    await activate({}, { parameters: { eventTypes: ['device.alert', 'device.status'] } });
    expect([...api.webhooks.values()][0]!.events).toEqual(['device.alert', 'device.status']);
  });

  it('sends the API key in the header the credential names', async () => {
    await api.close();
    api = await startFakeEdgeSense({ headerName: 'Authorization-Key' });
    await activate({}, { credentials: credentials({ headerName: 'Authorization-Key' }) });
    expect(api.webhooks.size).toBe(1);
  });

  it('finds its webhook again after a restart and does not register a second one', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const first = staticData.webhookId;
    expect(await activate(staticData)).toBe(true);
    expect(await activate(staticData)).toBe(true);
    expect(api.webhooks.size).toBe(1);
    expect(staticData.webhookId).toBe(first);
    expect(api.requests.filter((request) => request.path === '/api/webhooks/register')).toHaveLength(1);
  });

  it('says the webhook is gone when it disappeared at EdgeSense, forgets it, and registers a new one', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    api.webhooks.clear();

    expect(await lifecycle.checkExists.call(hook(staticData).context)).toBe(false);
    expect(staticData.webhookId).toBeUndefined();
    await lifecycle.create.call(hook(staticData).context);
    expect(api.webhooks.size).toBe(1);
    expect(staticData.webhookId).toBe([...api.webhooks.keys()][0]);
  });

  it('replaces, not duplicates, a registration the workflow lost track of (static data lost)', async () => {
    await activate({});
    const orphan = [...api.webhooks.keys()][0];
    const fresh: IDataObject = {};
    expect(await activate(fresh)).toBe(false);
    expect(api.webhooks.size).toBe(1);
    expect(api.webhooks.has(orphan!)).toBe(false);
    expect([...api.webhooks.values()][0]!.url).toBe(HOOK_URL);
  });

  it('registers again when EdgeSense disabled the webhook after failed deliveries', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const disabled = [...api.webhooks.values()][0]!;
    disabled.status = 'disabled';
    expect(await activate(staticData)).toBe(false);
    expect(api.webhooks.has(disabled.webhookId)).toBe(false);
    expect([...api.webhooks.values()].map((entry) => [entry.url, entry.status])).toEqual([[HOOK_URL, 'registered']]);
  });

  it('moves the registration when the webhook URL or the event types change', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const moved = 'https://n8n.example.org/webhook/4f1c2d9e/webhook';
    expect(await activate(staticData, { webhookUrl: moved })).toBe(false);
    expect([...api.webhooks.values()].map((entry) => entry.url)).toEqual([moved]);

    expect(await activate(staticData, { webhookUrl: moved, parameters: { eventTypes: ['device.data'] } })).toBe(false);
    expect([...api.webhooks.values()].map((entry) => entry.events)).toEqual([['device.data']]);
  });

  it('"Listen for test event" registers the test URL beside the production webhook and removes only its own', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    const production = staticData.webhookId;
    const testUrl = 'https://n8n.example.com/webhook-test/4f1c2d9e/webhook';

    expect(await activate(staticData, { mode: 'manual', webhookUrl: testUrl })).toBe(false);
    expect([...api.webhooks.values()].map((entry) => entry.url).sort()).toEqual([HOOK_URL, testUrl].sort());
    expect(await deactivate(staticData, { mode: 'manual', webhookUrl: testUrl })).toBe(true);

    expect([...api.webhooks.values()].map((entry) => entry.url)).toEqual([HOOK_URL]);
    expect(staticData.webhookId).toBe(production);
    expect(await activate(staticData)).toBe(true);
  });

  it('deletes its webhook on deactivation, and deactivating twice is harmless', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    expect(await deactivate(staticData)).toBe(true);
    expect(api.webhooks.size).toBe(0);
    expect(staticData.webhookId).toBeUndefined();
    expect(await deactivate(staticData)).toBe(true);
    expect(api.requests.filter((request) => request.method === 'DELETE')).toHaveLength(1);
  });

  it('treats a webhook already deleted at EdgeSense as deleted', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    api.webhooks.clear();
    expect(await deactivate(staticData)).toBe(true);
    expect(staticData.webhookId).toBeUndefined();
  });

  it('keeps the webhook id and logs a warning when EdgeSense cannot delete it, so the next activation reuses it', async () => {
    const staticData: IDataObject = {};
    await activate(staticData);
    api.failNext({ method: 'DELETE', status: 503 });
    const h = hook(staticData);
    expect(await lifecycle.delete.call(h.context)).toBe(false);
    expect(h.logger.messages('warn').join('\n')).toMatch(/Could not remove EdgeSense webhook .*HTTP 503/);
    expect(api.webhooks.size).toBe(1);
    expect(await activate(staticData)).toBe(true);
    expect(api.webhooks.size).toBe(1);
  });

  it('does nothing at EdgeSense when "Register Webhook" is off', async () => {
    const staticData: IDataObject = {};
    const context = hook(staticData, { parameters: { registerWebhook: false } }).context;
    expect(await lifecycle.checkExists.call(context)).toBe(true);
    expect(await lifecycle.create.call(context)).toBe(true);
    expect(await lifecycle.delete.call(context)).toBe(true);
    expect(api.requests).toHaveLength(0);
    expect(staticData).toEqual({});
  });

  it('explains a refused API key', async () => {
    const error = await lifecycle.create.call(hook({}, { credentials: credentials({ apiKey: 'wrong' }) }).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as NodeApiError).message).toMatch(/Could not list the webhooks at EdgeSense: EdgeSense refused the API key \(HTTP 401\).*API key/);
    expect((error as NodeApiError).httpCode).toBe('401');
    expect(api.webhooks.size).toBe(0);
  });

  it('passes on what EdgeSense says about an invalid registration', async () => {
    api.failNext({ path: '/api/webhooks/register', status: 400, body: { error: 'validation_error', message: 'url must support HTTPS' } });
    const error = await lifecycle.create.call(hook({}).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as Error).message).toBe('Could not register the webhook at EdgeSense: EdgeSense refused the request as invalid (HTTP 400): url must support HTTPS.');
  });

  it('says when EdgeSense is down or unreachable', async () => {
    api.failNext({ status: 502 });
    const down = await lifecycle.create.call(hook({}).context).catch((e: unknown) => e);
    expect((down as Error).message).toMatch(/EdgeSense failed to process the request \(HTTP 502\)\. Try again later\./);

    const unreachable = await lifecycle.create
      .call(hook({}, { credentials: credentials({ baseUrl: 'http://127.0.0.1:1' }) }).context)
      .catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(NodeApiError);
    expect((unreachable as Error).message).toMatch(/EdgeSense could not be reached\. Check the API base URL/);
  });

  it('refuses to register without a webhook secret in the credential', async () => {
    const error = await lifecycle.create.call(hook({}, { credentials: credentials({ secret: '' }) }).context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/Enter a webhook secret in the EdgeSense API credential/);
    expect(api.webhooks.size).toBe(0);
  });

  it('accepts a list answer wrapped in {webhooks: [...]}', async () => {
    await api.close();
    api = await startFakeEdgeSense({ listEnvelope: true });
    const staticData: IDataObject = {};
    await activate(staticData);
    expect(await activate(staticData)).toBe(true);
    expect(api.webhooks.size).toBe(1);
  });
});

describe('EdgeSense Trigger: requests from EdgeSense', () => {
  const body = vendors.edgesense.samples['device.alert'];

  function deliver(request: { body: Buffer | string; headers: Record<string, string> }, parameters: IDataObject = {}) {
    const h = webhookContext({ nodeType: trigger, credentials: credentials(), parameters, request });
    return { h, run: trigger.webhook.call(h.context) };
  }

  it('starts the workflow for a request signed with the secret it registered', async () => {
    await activate({});
    const registeredSecret = [...api.webhooks.values()][0]!.secret;
    const signed = sign({ vendor: 'edgesense', body, secret: registeredSecret });
    const { h, run } = deliver(signed);
    const result = await run;

    expect(webhookAnswer(h, result)).toEqual({ status: 200, body: { received: true, type: 'device.alert' } });
    expect(result.workflowData).toHaveLength(1);
    const item = result.workflowData![0]![0]!;
    expect(item.json).toMatchObject({ type: 'device.alert', device: { id: 'edge-node-321' } });
  });

  it('answers 401 and starts nothing for a tampered request', async () => {
    const signed = sign({ vendor: 'edgesense', body, secret: SECRET });
    const tampered = Buffer.from(signed.body.toString('utf8').replace('"value":91.2', '"value":12.5'));
    expect(tampered.equals(signed.body)).toBe(false);
    const { h, run } = deliver({ body: tampered, headers: signed.headers });
    const result = await run;

    expect(webhookAnswer(h, result)).toMatchObject({ status: 401, body: { code: 'signature_mismatch' } });
    expect(result.workflowData).toBeUndefined();
  });

  it('answers 401 for a request signed with another secret', async () => {
    const signed = sign({ vendor: 'edgesense', body, secret: 'not-the-secret' });
    const { h, run } = deliver(signed);
    expect((await run).workflowData).toBeUndefined();
    expect(h.response.statusCode).toBe(401);
  });

  it('starts nothing, with 200, for an event type the user did not choose', async () => {
    const signed = sign({ vendor: 'edgesense', body: vendors.edgesense.samples['device.data'], secret: SECRET });
    const { h, run } = deliver(signed, { eventTypes: ['device.alert'] });
    const result = await run;
    expect(result.workflowData).toBeUndefined();
    expect(webhookAnswer(h, result)).toMatchObject({ status: 200, body: { received: true, ignored: true } });
  });
});

describe('EdgeSense node', () => {
  const node = new EdgeSense();

  function run(parameters: IDataObject, options: { inputData?: INodeExecutionData[]; continueOnFail?: boolean; credentials?: IDataObject } = {}) {
    const h = executeContext({
      nodeType: node,
      parameters: { resource: 'webhook', ...parameters },
      credentials: credentials(options.credentials),
      inputData: options.inputData,
      continueOnFail: options.continueOnFail,
    });
    return { h, output: node.execute.call(h.context as IExecuteFunctions) };
  }

  it('registers a webhook for every event by default, signed with the credential secret', async () => {
    const { output } = run({ operation: 'register', url: 'https://receiver.example.com/hook' });
    const [items] = await output;
    expect(items).toHaveLength(1);
    expect(items![0]).toEqual({
      json: { webhookId: expect.stringMatching(/^wh_/), status: 'registered', url: 'https://receiver.example.com/hook', events: ALL_EVENTS },
      pairedItem: { item: 0 },
    });
    expect([...api.webhooks.values()][0]).toMatchObject({ url: 'https://receiver.example.com/hook', secret: SECRET });
  });

  it('registers with the chosen events and a secret of its own', async () => {
    const { output } = run({ operation: 'register', url: 'https://receiver.example.com/hook', events: ['config.update'], options: { secret: 'own-secret' } });
    await output;
    expect([...api.webhooks.values()][0]).toMatchObject({ events: ['config.update'], secret: 'own-secret' });
  });

  it('lists the webhooks, one item each', async () => {
    await run({ operation: 'register', url: 'https://a.example.com/hook' }).output;
    await run({ operation: 'register', url: 'https://b.example.com/hook', events: ['device.data'] }).output;
    const [items] = await run({ operation: 'list' }).output;
    expect(items!.map((item) => item.json.url)).toEqual(['https://a.example.com/hook', 'https://b.example.com/hook']);
    expect(items!.every((item) => typeof item.json.webhookId === 'string' && !('secret' in item.json))).toBe(true);
    expect(items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
  });

  it('deletes a webhook, and reports one EdgeSense no longer knows as already gone', async () => {
    const [registered] = await run({ operation: 'register', url: 'https://a.example.com/hook' }).output;
    const webhookId = registered![0]!.json.webhookId as string;
    const [deleted] = await run({ operation: 'delete', webhookId }).output;
    expect(deleted![0]!.json).toEqual({ webhookId, deleted: true, existed: true });
    expect(api.webhooks.size).toBe(0);
    const [again] = await run({ operation: 'delete', webhookId }).output;
    expect(again![0]!.json).toEqual({ webhookId, deleted: true, existed: false });
  });

  it('offers the registered webhooks in the Webhook list', async () => {
    await run({ operation: 'register', url: 'https://a.example.com/hook' }).output;
    const h = loadOptionsContext({ nodeType: node, credentials: credentials() });
    const options = await node.methods.loadOptions.getWebhooks.call(h.context);
    expect(options).toEqual([{ name: expect.stringContaining('https://a.example.com/hook'), value: [...api.webhooks.keys()][0], description: ALL_EVENTS.join(', ') }]);
  });

  it('fails with a clear NodeApiError naming the item when EdgeSense refuses the API key', async () => {
    const error = await run({ operation: 'list' }, { credentials: { apiKey: 'wrong' } }).output.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as NodeApiError).message).toMatch(/EdgeSense refused the API key \(HTTP 401\)/);
    expect((error as NodeApiError).context.itemIndex).toBe(0);
  });

  it('refuses a URL that is not one, before calling EdgeSense', async () => {
    const error = await run({ operation: 'register', url: 'not a url' }).output.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect(api.requests).toHaveLength(0);
  });

  it('with "continue on fail", reports the failed item and goes on with the others', async () => {
    const inputData = [{ json: { url: 'not a url' } }, { json: { url: 'https://ok.example.com/hook' } }];
    const { output } = run({ operation: 'register', url: (index: number) => inputData[index]!.json.url }, { inputData, continueOnFail: true });
    const [items] = await output;
    expect(items).toHaveLength(2);
    expect(items![0]).toEqual({ json: { error: expect.stringContaining('is not a URL'), }, pairedItem: { item: 0 } });
    expect(items![1]!.json).toMatchObject({ url: 'https://ok.example.com/hook', status: 'registered' });
    expect(items![1]!.pairedItem).toEqual({ item: 1 });
    expect(api.webhooks.size).toBe(1);
  });

  it('with "continue on fail", puts the API error and its HTTP code on the item', async () => {
    api.failNext({ status: 500 });
    const [items] = await run({ operation: 'list' }, { continueOnFail: true }).output;
    expect(items![0]!.json).toEqual({ error: expect.stringContaining('HTTP 500'), httpCode: '500' });
  });
});

describe('EdgeSense node: ids and secrets', () => {
  const node = new EdgeSense();
  const run = (parameters: IDataObject) =>
    node.execute.call(executeContext({ nodeType: node, parameters: { resource: 'webhook', ...parameters }, credentials: credentials() }).context as IExecuteFunctions);

  it.each(['.', '..', '%2e%2e', '%2E', '%252e%252e', 'a/b', '..%2f..%2fadmin', 'a\\b', 'x?y', 'x#y'])('refuses to delete the webhook id %j, before any request', async (id) => {
    const before = api.requests.length;
    const error = await run({ operation: 'delete', webhookId: id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/webhook ID .* cannot be used: .*Nothing was sent/);
    expect(api.requests.length).toBe(before);
  });

  it('deletes other ids as one encoded path segment', async () => {
    await run({ operation: 'delete', webhookId: 'wh 1+2' });
    expect(api.requests.at(-1)!.path).toBe('/api/webhooks/wh 1+2'); // decoded once by the fake: one whole segment
  });

  it('list output never shows a secret EdgeSense might echo, nor URL userinfo', () => {
    expect(redactWebhook({ webhookId: 'w', url: 'https://u:p@r.example.com/', secret: 's3', apiKey: 'k', events: ['a'] })).toEqual({
      webhookId: 'w',
      url: 'https://***@r.example.com/',
      secret: '***',
      apiKey: '***',
      events: ['a'],
    });
  });
});

/**
 * Local fakes of the vendor APIs the n8n nodes call, on 127.0.0.1 and a random port, for unit tests and
 * for the end-to-end suite against a real n8n. Both keep their state in plain objects the test can read
 * and change (e.g. remove a webhook to play "it disappeared at the vendor"), log every request, and can
 * be told to fail the next matching request (`failNext`).
 *
 * EdgeSense.io (docs/vendors.md#edgesenseio):
 *   POST /api/webhooks/register {url, events[], secret} → 200 {webhookId, status: 'registered'}
 *   GET /api/webhooks → [{webhookId, url, events, status, createdAt}] (or {webhooks: […]} with `listEnvelope`)
 *   DELETE /api/webhooks/{id} → 200 {webhookId, status: 'deleted'}, 404 when unknown
 *   Every request needs the API-key header (default `x-api-key`), else 401. Bad bodies → 400.
 *   [assumed, undocumented] status codes, list shape, error bodies ({error, message}).
 *
 * 1NCE Management API (docs/vendors.md#1nce-management-api, including the token endpoint):
 *   POST /oauth/token, HTTP Basic, {"grant_type":"client_credentials"} → {access_token, token_type, expires_in}
 *   Bearer token on everything else: 401 when missing, unknown, expired (see `expireTokens`) or revoked.
 *   POST /v1/integrate/clouds/webhooks, GET /v1/integrate/clouds (paged: ?page=N, `pageSize` per page),
 *   GET|DELETE /v1/integrate/clouds/{id}, PATCH /v1/integrate/clouds/webhooks/{id},
 *   POST /v1/integrate/clouds/webhooks/{id}/test|restart, GET /v1/integrate/clouds/eventTypes.
 *   Bodies are validated against the OpenAPI schemas (required fields, enums, additionalProperties: false)
 *   → 400 {statusCode, statusText, errors[{message}]}; unknown ids → 404; a name already in use → 409
 *   [assumed: the spec lists 409 without saying when].
 *   Test and restart deliver a real TEST_MESSAGE to the integration's URL with its headers when
 *   `deliverTestMessages` is on (for the end-to-end suite); otherwise they answer SUCCESS without sending.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, the text otherwise, undefined when empty. */
  body: unknown;
  rawBody: string;
  /** The status the fake answered with. */
  status: number;
}

export interface FailureSpec {
  status: number;
  body?: unknown;
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path contains this text or matches this pattern (default: any). */
  path?: string | RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
}

interface FakeServer {
  url: string;
  port: number;
  requests: FakeRequest[];
  /** Makes the next matching request(s) fail with the given status and body. */
  failNext(failure: FailureSpec): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
type Handler = (request: Omit<FakeRequest, 'status'>) => Answer | Promise<Answer>;

async function startServer(handle: Handler): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const failures: Array<Required<Pick<FailureSpec, 'status' | 'times'>> & FailureSpec> = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const parsedUrl = new URL(req.url ?? '/', 'http://fake.local');
      let body: unknown;
      if (rawBody !== '') {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const request = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(parsedUrl.pathname),
        query: Object.fromEntries(parsedUrl.searchParams),
        headers: req.headers,
        body,
        rawBody,
      };
      let answer: Answer;
      const failure = failures.find(
        (f) =>
          (!f.method || f.method.toUpperCase() === request.method) &&
          (f.path === undefined || (typeof f.path === 'string' ? request.path.includes(f.path) : f.path.test(request.path))),
      );
      if (failure) {
        failure.times--;
        if (failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
        answer = { status: failure.status, body: failure.body ?? { error: 'injected_failure', message: `Injected failure ${failure.status}` } };
      } else {
        try {
          answer = await handle(request);
        } catch (error) {
          answer = { status: 500, body: { error: 'fake_crashed', message: (error as Error).message } };
        }
      }
      requests.push({ ...request, status: answer.status });
      const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(answer.body !== undefined && typeof answer.body !== 'string' ? { 'Content-Type': 'application/json' } : {}),
        ...(answer.headers ?? {}),
      });
      res.end(text);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    failNext(failure) {
      failures.push({ ...failure, times: failure.times ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUrl(value: unknown, requireHttps: boolean): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return requireHttps ? url.protocol === 'https:' : url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// EdgeSense.io

export const EDGESENSE_EVENTS = ['device.data', 'device.alert', 'device.status', 'config.update'] as const;

export interface FakeEdgeSenseWebhook {
  webhookId: string;
  url: string;
  events: string[];
  secret: string;
  status: string;
  createdAt: string;
}

export interface FakeEdgeSenseOptions {
  apiKey?: string;
  /** The API-key header the fake checks (case-insensitive). Default `X-API-Key`. */
  headerName?: string;
  /** Refuse webhook URLs that are not HTTPS (the vendor asks for HTTPS). Default false. */
  requireHttps?: boolean;
  /** Answer the list as `{webhooks: […]}` instead of a bare array. Default false. */
  listEnvelope?: boolean;
}

export interface FakeEdgeSense extends FakeServer {
  apiKey: string;
  headerName: string;
  /** Registered webhooks by id; change it to simulate changes at EdgeSense. */
  webhooks: Map<string, FakeEdgeSenseWebhook>;
}

export async function startFakeEdgeSense(options: FakeEdgeSenseOptions = {}): Promise<FakeEdgeSense> {
  const apiKey = options.apiKey ?? `es_${randomBytes(12).toString('hex')}`;
  const headerName = options.headerName ?? 'X-API-Key';
  const webhooks = new Map<string, FakeEdgeSenseWebhook>();
  const listed = (hook: FakeEdgeSenseWebhook) => ({ webhookId: hook.webhookId, url: hook.url, events: hook.events, status: hook.status, createdAt: hook.createdAt });

  const server = await startServer((request) => {
    if (request.headers[headerName.toLowerCase()] !== apiKey) {
      return { status: 401, body: { error: 'unauthorized', message: 'Missing or invalid API key' } };
    }
    if (request.method === 'POST' && request.path === '/api/webhooks/register') {
      const body = request.body;
      const problems: string[] = [];
      if (!isObject(body)) problems.push('body must be a JSON object');
      else {
        if (!isUrl(body.url, options.requireHttps ?? false)) problems.push(`url must be an ${options.requireHttps ? 'https' : 'http(s)'} URL`);
        if (!Array.isArray(body.events) || body.events.length === 0) problems.push('events must be a non-empty array');
        else {
          const unknown = body.events.filter((event) => !(EDGESENSE_EVENTS as readonly unknown[]).includes(event));
          if (unknown.length > 0) problems.push(`unknown events: ${unknown.join(', ')}`);
        }
        if (typeof body.secret !== 'string' || body.secret === '') problems.push('secret must be a non-empty string');
      }
      if (problems.length > 0) return { status: 400, body: { error: 'validation_error', message: problems.join('; ') } };
      const record = body as { url: string; events: string[]; secret: string };
      const hook: FakeEdgeSenseWebhook = {
        webhookId: `wh_${randomBytes(5).toString('hex')}`,
        url: record.url,
        events: [...record.events],
        secret: record.secret,
        status: 'registered',
        createdAt: new Date().toISOString(),
      };
      webhooks.set(hook.webhookId, hook);
      return { status: 200, body: { webhookId: hook.webhookId, status: 'registered' } };
    }
    if (request.method === 'GET' && request.path === '/api/webhooks') {
      const list = [...webhooks.values()].map(listed);
      return { status: 200, body: options.listEnvelope ? { webhooks: list } : list };
    }
    const match = /^\/api\/webhooks\/([^/]+)$/.exec(request.path);
    if (match && request.method === 'DELETE') {
      const id = match[1]!;
      if (!webhooks.delete(id)) return { status: 404, body: { error: 'not_found', message: `Webhook ${id} not found` } };
      return { status: 200, body: { webhookId: id, status: 'deleted' } };
    }
    return { status: 404, body: { error: 'not_found', message: `No route ${request.method} ${request.path}` } };
  });
  return { ...server, apiKey, headerName, webhooks };
}

// ---------------------------------------------------------------------------------------------------
// 1NCE

export const ONE_NCE_EVENT_TYPES = ['TELEMETRY_DATA', 'LIFECYCLE', 'ERROR', 'GEOFENCE', 'LOCATION'] as const;

export interface FakeOneNceIntegration {
  id: string;
  name: string;
  type: 'WEBHOOK' | 'AWS';
  state: 'ROLLOUT_STARTED' | 'ROLLOUT_DONE' | 'ROLLOUT_FAILED' | 'INTEGRATION_ACTIVE' | 'INTEGRATION_FAILED';
  url?: string;
  headers?: Record<string, string>;
  eventTypes: Array<{ type: string; version: string }>;
  jsonPayloadEnabled: boolean;
  createdTime: string;
  updatedTime: string;
  lastSuccessfulMessageDelivery?: string;
}

export interface FakeOneNceOptions {
  username?: string;
  password?: string;
  /** `expires_in` of issued tokens, in seconds (default 3600). Use `expireTokens()` to expire them at once. */
  tokenLifetimeSeconds?: number;
  /** Integrations per page of GET /v1/integrate/clouds (default 10). */
  pageSize?: number;
  /** Refuse integration URLs that are not HTTPS, as 1NCE does. Default false (n8n in tests runs on http). */
  requireHttps?: boolean;
  /** Answer 409 when an integration name is already in use. Default true. */
  uniqueNames?: boolean;
  /** Test and restart really POST a TEST_MESSAGE to the integration URL. Default false. */
  deliverTestMessages?: boolean;
}

export interface FakeOneNce extends FakeServer {
  username: string;
  password: string;
  /** Integrations by id; change it to simulate changes at 1NCE (add AWS ones, set states, remove some). */
  integrations: Map<string, FakeOneNceIntegration>;
  /** How many tokens /oauth/token has issued. */
  readonly tokensIssued: number;
  /** Makes every token issued so far expire: the next call with one gets 401. */
  expireTokens(): void;
  /** Adds an integration directly (as if made in the portal); returns it. */
  addIntegration(partial?: Partial<FakeOneNceIntegration>): FakeOneNceIntegration;
  /** Sends a message to an integration's URL with its headers, as the Cloud Integrator does; returns the HTTP status. */
  deliver(integrationId: string, message: Record<string, unknown>): Promise<number>;
}

function badRequest(...messages: string[]) {
  return { status: 400, body: { statusCode: 400, statusText: 'Bad Request', errors: messages.map((message) => ({ message })) } };
}
function unauthorized(message: string) {
  return { status: 401, body: { statusCode: 401, statusText: 'Unauthorized', errors: [{ message }] } };
}
function notFound(message: string) {
  return { status: 404, body: { statusCode: 404, statusText: 'Not Found', errors: [{ message }] } };
}

/** Checks a webhook integration body against postschema_7 (create) or patchschema_4 (update). */
function validateWebhookBody(body: unknown, mode: 'create' | 'patch', requireHttps: boolean): string[] {
  if (!isObject(body)) return ['The request body must be a JSON object'];
  const problems: string[] = [];
  const allowed = mode === 'create' ? ['name', 'url', 'headers', 'eventTypes', 'jsonPayloadEnabled'] : ['url', 'headers', 'eventTypes', 'jsonPayloadEnabled'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) problems.push(`must NOT have additional property "${key}"`);
  if (mode === 'create') for (const key of ['name', 'url', 'headers', 'eventTypes']) if (!(key in body)) problems.push(`must have required property "${key}"`);
  if ('name' in body && mode === 'create' && (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 128)) {
    problems.push('name must be a string of 1 to 128 characters');
  }
  if ('url' in body && !isUrl(body.url, requireHttps)) problems.push(`url must be a valid ${requireHttps ? 'HTTPS ' : ''}URI`);
  if ('headers' in body) {
    if (!isObject(body.headers) || Object.values(body.headers).some((value) => typeof value !== 'string')) problems.push('headers must be an object of strings');
  }
  if ('eventTypes' in body) {
    if (!Array.isArray(body.eventTypes) || body.eventTypes.length < 1) problems.push('eventTypes must be an array of at least 1 item');
    else
      body.eventTypes.forEach((entry, index) => {
        if (!isObject(entry) || !(ONE_NCE_EVENT_TYPES as readonly unknown[]).includes(entry.type)) {
          problems.push(`eventTypes[${index}].type must be one of ${ONE_NCE_EVENT_TYPES.join(', ')}`);
        } else if ('version' in entry && typeof entry.version !== 'string') problems.push(`eventTypes[${index}].version must be a string`);
      });
  }
  if ('jsonPayloadEnabled' in body && typeof body.jsonPayloadEnabled !== 'boolean') problems.push('jsonPayloadEnabled must be a boolean');
  return problems;
}

export async function startFakeOneNce(options: FakeOneNceOptions = {}): Promise<FakeOneNce> {
  const username = options.username ?? 'api-user@example.com';
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const pageSize = Math.max(1, options.pageSize ?? 10);
  const requireHttps = options.requireHttps ?? false;
  const uniqueNames = options.uniqueNames ?? true;
  const tokens = new Map<string, { expiresAt: number }>();
  const integrations = new Map<string, FakeOneNceIntegration>();
  let tokensIssued = 0;

  const integrationId = () => randomBytes(16).toString('base64url').slice(0, 21);
  const now = () => new Date().toISOString();
  const summary = (integration: FakeOneNceIntegration) => {
    const { url: _url, headers: _headers, ...rest } = integration;
    return rest;
  };
  const webhookResponse = (integration: FakeOneNceIntegration) => ({
    name: integration.name,
    eventTypes: integration.eventTypes,
    state: integration.state,
    type: integration.type,
    id: integration.id,
    createdTime: integration.createdTime,
    updatedTime: integration.updatedTime,
    headers: integration.headers ?? {},
    url: integration.url ?? '',
    jsonPayloadEnabled: integration.jsonPayloadEnabled,
  });

  function addIntegration(partial: Partial<FakeOneNceIntegration> = {}): FakeOneNceIntegration {
    const integration: FakeOneNceIntegration = {
      id: integrationId(),
      name: `integration-${integrations.size + 1}`,
      type: 'WEBHOOK',
      state: 'INTEGRATION_ACTIVE',
      url: 'https://receiver.example.com/1nce',
      headers: {},
      eventTypes: [{ type: 'TELEMETRY_DATA', version: '1.0.0' }],
      jsonPayloadEnabled: false,
      createdTime: now(),
      updatedTime: now(),
      ...partial,
    };
    integrations.set(integration.id, integration);
    return integration;
  }

  async function deliver(id: string, message: Record<string, unknown>): Promise<number> {
    const integration = integrations.get(id);
    if (!integration?.url) throw new Error(`No webhook integration ${id}`);
    try {
      const response = await fetch(integration.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(integration.headers ?? {}) },
        body: JSON.stringify(message),
      });
      await response.arrayBuffer();
      if (response.ok) integration.lastSuccessfulMessageDelivery = now();
      return response.status;
    } catch {
      return 0;
    }
  }

  const testMessage = (integration: FakeOneNceIntegration) => ({
    id: `1-${Date.now().toString(16)}-${randomBytes(12).toString('hex')}`,
    type: 'TEST_MESSAGE',
    received: String(Date.now()),
    integration: { id: integration.id, name: integration.name },
    version: '1.0.0',
  });

  const server = await startServer(async (request): Promise<Answer> => {
    if (request.method === 'POST' && request.path === '/oauth/token') {
      const authorization = String(request.headers.authorization ?? '');
      const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      if (authorization !== expected) return unauthorized('Invalid client credentials');
      if (!isObject(request.body) || request.body.grant_type !== 'client_credentials') return badRequest('grant_type must be client_credentials');
      const token = `tok_${randomBytes(16).toString('hex')}`;
      tokens.set(token, { expiresAt: Date.now() + lifetimeSeconds * 1000 });
      tokensIssued++;
      return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: lifetimeSeconds } };
    }

    const bearer = /^Bearer (.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = bearer === undefined ? undefined : tokens.get(bearer);
    if (!token) return unauthorized(bearer === undefined ? 'Missing bearer token' : 'Invalid bearer token');
    if (token.expiresAt <= Date.now()) return unauthorized('The bearer token has expired');

    const { method, path } = request;
    if (method === 'GET' && path === '/v1/integrate/clouds/eventTypes') {
      return {
        status: 200,
        body: { eventTypes: [...ONE_NCE_EVENT_TYPES, 'TEST_MESSAGE'].map((name) => ({ name, description: `${name} events`, version: '1.0.0', payload: {} })) },
      };
    }
    if (method === 'GET' && path === '/v1/integrate/clouds') {
      const pageText = request.query.page ?? '1';
      const page = Number(pageText);
      if (!Number.isInteger(page) || page < 1) return badRequest('page must be an integer of at least 1');
      const all = [...integrations.values()];
      const pageAmount = Math.max(1, Math.ceil(all.length / pageSize));
      return { status: 200, body: { page, pageAmount, items: all.slice((page - 1) * pageSize, page * pageSize).map(summary) } };
    }
    if (method === 'POST' && path === '/v1/integrate/clouds/webhooks') {
      const problems = validateWebhookBody(request.body, 'create', requireHttps);
      if (problems.length > 0) return badRequest(...problems);
      const body = request.body as { name: string; url: string; headers: Record<string, string>; eventTypes: Array<{ type: string; version?: string }>; jsonPayloadEnabled?: boolean };
      if (uniqueNames && [...integrations.values()].some((entry) => entry.name === body.name)) {
        return { status: 409, body: { statusCode: 409, statusText: 'Conflict', errors: [{ message: `An integration named "${body.name}" already exists` }] } };
      }
      const integration = addIntegration({
        name: body.name,
        url: body.url,
        headers: { ...body.headers },
        eventTypes: body.eventTypes.map((entry) => ({ type: entry.type, version: entry.version ?? '1.0.0' })),
        jsonPayloadEnabled: body.jsonPayloadEnabled ?? false,
        state: 'ROLLOUT_DONE',
      });
      return { status: 201, body: webhookResponse(integration) };
    }

    const byId = /^\/v1\/integrate\/clouds\/([^/]+)$/.exec(path);
    if (byId && byId[1] !== 'webhooks' && byId[1] !== 'eventTypes') {
      const integration = integrations.get(byId[1]!);
      if (!integration) return notFound(`Integration ${byId[1]} not found`);
      if (method === 'GET') return { status: 200, body: integration };
      if (method === 'DELETE') {
        integrations.delete(integration.id);
        return { status: 204 };
      }
    }

    const webhook = /^\/v1\/integrate\/clouds\/webhooks\/([^/]+)(\/test|\/restart)?$/.exec(path);
    if (webhook) {
      const integration = integrations.get(webhook[1]!);
      if (!integration || integration.type !== 'WEBHOOK') return notFound(`Webhook integration ${webhook[1]} not found`);
      if (method === 'PATCH' && !webhook[2]) {
        const problems = validateWebhookBody(request.body, 'patch', requireHttps);
        if (problems.length > 0) return badRequest(...problems);
        const body = request.body as Partial<{ url: string; headers: Record<string, string>; eventTypes: Array<{ type: string; version?: string }>; jsonPayloadEnabled: boolean }>;
        if (body.url !== undefined) integration.url = body.url;
        if (body.headers !== undefined) integration.headers = { ...body.headers };
        if (body.eventTypes !== undefined) integration.eventTypes = body.eventTypes.map((entry) => ({ type: entry.type, version: entry.version ?? '1.0.0' }));
        if (body.jsonPayloadEnabled !== undefined) integration.jsonPayloadEnabled = body.jsonPayloadEnabled;
        integration.updatedTime = now();
        return { status: 200, body: webhookResponse(integration) };
      }
      if (method === 'POST' && webhook[2] === '/test') {
        const delivered = options.deliverTestMessages ? await deliver(integration.id, testMessage(integration)) : 200;
        const ok = delivered >= 200 && delivered < 300;
        return { status: 200, body: { testStatus: ok ? 'SUCCESS' : 'FAILURE', message: ok ? 'Test was successful' : `The webhook answered ${delivered || 'nothing'}` } };
      }
      if (method === 'POST' && webhook[2] === '/restart') {
        const delivered = options.deliverTestMessages ? await deliver(integration.id, testMessage(integration)) : 200;
        const ok = delivered >= 200 && delivered < 300;
        integration.state = ok ? 'INTEGRATION_ACTIVE' : 'INTEGRATION_FAILED';
        integration.updatedTime = now();
        const { headers: _h, url: _u, jsonPayloadEnabled: _j, ...described } = integration;
        return {
          status: 200,
          body: { integration: described, restartStatus: ok ? 'SUCCESS' : 'FAILURE', message: ok ? 'Restart was successful' : `The webhook answered ${delivered || 'nothing'}` },
        };
      }
    }
    return notFound(`No route ${method} ${path}`);
  });

  return {
    ...server,
    username,
    password,
    integrations,
    get tokensIssued() {
      return tokensIssued;
    },
    expireTokens() {
      for (const token of tokens.values()) token.expiresAt = 0;
    },
    addIntegration,
    deliver,
  };
}

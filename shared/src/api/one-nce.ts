/**
 * A small client of the 1NCE Management API's Cloud Integrator (docs/vendors.md#1nce-management-api):
 *   POST   /v1/integrate/clouds/webhooks                   {name, url, headers, eventTypes:[{type}], jsonPayloadEnabled} → 201
 *   GET    /v1/integrate/clouds                            → {page, pageAmount, items[]}
 *   GET    /v1/integrate/clouds/{integrationId}            → one integration, with url and headers
 *   PATCH  /v1/integrate/clouds/webhooks/{integrationId}   {url?, headers?, eventTypes?, jsonPayloadEnabled?} (no name)
 *   POST   /v1/integrate/clouds/webhooks/{integrationId}/test     → {testStatus, message}
 *   POST   /v1/integrate/clouds/webhooks/{integrationId}/restart  → {integration, restartStatus, message}
 *   DELETE /v1/integrate/clouds/{integrationId}            → 204
 *
 * Pure module: the HTTP call is passed in ({@link ApiRequest}) and carries the base URL and the bearer
 * token (n8n fetches one through the credential's `preAuthentication`, and a new one once on a 401).
 * Failures become {@link ApiError}s that say what failed and what to check.
 *
 * [assumed] The list is paged (`page`, `pageAmount` in the answer) but the spec gives that endpoint no
 * query parameters; the next page is asked for with `?page=N`, as the spec's other paged endpoints do.
 */
import { redactUrl } from '../delivery/redact';
import { apiErrorDetail, ApiError, commonReason, failedCall, httpStatusOf, idSegment, isApiError, sentence, type ApiObject, type ApiRequest, type ApiRequestOptions } from './http-errors';

/** The event types a webhook integration can subscribe to (postschema_6_eventTypes_inner). */
export const ONE_NCE_SUBSCRIBABLE_EVENT_TYPES = ['TELEMETRY_DATA', 'LIFECYCLE', 'ERROR', 'GEOFENCE', 'LOCATION'] as const;

export const ONE_NCE_INTEGRATION_STATES = ['ROLLOUT_STARTED', 'ROLLOUT_DONE', 'ROLLOUT_FAILED', 'INTEGRATION_ACTIVE', 'INTEGRATION_FAILED'] as const;

/** An event type as the API takes it: a name, or `{type, version?}`. */
export type OneNceEventTypeInput = string | { type: string; version?: string };

export interface OneNceWebhookIntegrationInput {
  name: string;
  url: string;
  headers: Record<string, string>;
  eventTypes: OneNceEventTypeInput[];
  jsonPayloadEnabled?: boolean;
}

/** PATCH body: every field optional, and no `name` (1NCE does not rename integrations). */
export interface OneNceWebhookIntegrationPatch {
  url?: string;
  headers?: Record<string, string>;
  eventTypes?: OneNceEventTypeInput[];
  jsonPayloadEnabled?: boolean;
}

/** An integration as the API describes it (list entries lack url and headers). */
export interface OneNceIntegration extends ApiObject {
  id: string;
  name: string;
  state: string;
  type: string;
  eventTypes: Array<{ type: string; version?: string }>;
}

export interface OneNceTestResult extends ApiObject {
  testStatus: string;
  message: string;
}

export interface OneNceRestartResult extends ApiObject {
  restartStatus: string;
  message: string;
}

export interface OneNceDeleted {
  integrationId: string;
  deleted: true;
  /** False when 1NCE no longer knew the integration (404): it was already gone. */
  existed: boolean;
}

/** The {@link ApiError} for a failed 1NCE call: what we tried, why it failed, what to check. */
export function oneNceError(error: unknown, action: string, hints: { integrationId?: string; url?: string } = {}): ApiError {
  const status = httpStatusOf(error);
  const detail = apiErrorDetail(error);
  let reason: string;
  if (status === 401) {
    reason = '1NCE refused the API user or its token (HTTP 401). Check the API username and password in the 1NCE API credential.';
  } else if (status === 403) {
    reason = '1NCE does not allow this API user to manage Cloud Integrator integrations (HTTP 403). Check the user\u2019s role in the 1NCE Portal.';
  } else if (status === 404) {
    reason = hints.integrationId
      ? `1NCE has no integration with ID "${hints.integrationId}" (HTTP 404).`
      : '1NCE answered 404 Not Found. Check the API base URL in the 1NCE API credential.';
  } else if (status === 409) {
    reason = `1NCE refused the change as conflicting (HTTP 409)${detail ? `: ${sentence(detail)}` : '.'} An integration with this name may already exist.`;
  } else if (status === 400 || status === 422) {
    const https = hints.url !== undefined && !/^https:\/\//i.test(hints.url) ? ` 1NCE only delivers to HTTPS URLs, and "${redactUrl(hints.url)}" is not one.` : '';
    reason = `1NCE refused the request as invalid (HTTP ${status})${detail ? `: ${sentence(detail)}` : '.'}${https}`;
  } else {
    reason =
      commonReason('1NCE', status, detail, 'API user') ??
      'the 1NCE API could not be reached. Check the API base URL in the 1NCE API credential and that n8n can reach it.';
  }
  return failedCall('1NCE', action, reason, status, detail, error);
}

async function call(
  request: ApiRequest,
  action: string,
  options: Omit<ApiRequestOptions, 'json'>,
  hints: { integrationId?: string; url?: string } = {},
): Promise<unknown> {
  try {
    return await request({ json: true, ...options });
  } catch (error) {
    throw isApiError(error) ? error : oneNceError(error, action, hints);
  }
}

/** The API path of one integration; an id that is not one safe path segment is refused before any request. */
function idPath(prefix: string, integrationId: string, suffix = ''): string {
  return `${prefix}/${idSegment(integrationId, 'integration ID')}${suffix}`;
}

/**
 * An integration as shown in outputs and errors: every header value as `***` (1NCE authenticates by a
 * static header, so its value is the secret), URL userinfo redacted.
 */
export function redactIntegration<T>(value: T): T {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = { ...(value as ApiObject) };
  const headers = out.headers;
  if (Array.isArray(headers)) {
    out.headers = headers.map((h) => (h && typeof h === 'object' && !Array.isArray(h) ? { ...(h as ApiObject), ...('value' in (h as ApiObject) ? { value: '***' } : {}) } : '***'));
  } else if (headers && typeof headers === 'object') {
    out.headers = Object.fromEntries(Object.keys(headers as ApiObject).map((name) => [name, '***']));
  }
  if (typeof out.url === 'string') out.url = redactUrl(out.url);
  return out as T;
}

/** `[{type}]` from names or `{type, version}` objects; duplicates dropped, order kept. */
export function eventTypesBody(eventTypes: readonly OneNceEventTypeInput[]): Array<{ type: string; version?: string }> {
  const seen = new Set<string>();
  const body: Array<{ type: string; version?: string }> = [];
  for (const entry of eventTypes) {
    const type = typeof entry === 'string' ? entry.trim() : String(entry?.type ?? '').trim();
    if (!type || seen.has(type)) continue;
    seen.add(type);
    const item: { type: string; version?: string } = { type };
    if (typeof entry === 'object' && typeof entry.version === 'string' && entry.version) item.version = entry.version;
    body.push(item);
  }
  return body;
}

function asIntegration(value: unknown): OneNceIntegration | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as ApiObject;
  if (typeof record.id !== 'string' || record.id === '') return undefined;
  return {
    ...record,
    id: record.id,
    name: typeof record.name === 'string' ? record.name : '',
    state: typeof record.state === 'string' ? record.state : '',
    type: typeof record.type === 'string' ? record.type : '',
    eventTypes: Array.isArray(record.eventTypes) ? (record.eventTypes as Array<{ type: string; version?: string }>) : [],
  };
}

/** Creates a webhook integration; 1NCE answers 201 with the integration (id, state, …). */
export async function createWebhookIntegration(request: ApiRequest, input: OneNceWebhookIntegrationInput): Promise<OneNceIntegration> {
  const body: ApiObject = {
    name: input.name,
    url: input.url,
    headers: input.headers,
    eventTypes: eventTypesBody(input.eventTypes),
  };
  if (input.jsonPayloadEnabled !== undefined) body.jsonPayloadEnabled = input.jsonPayloadEnabled;
  const response = await call(request, `create the webhook integration "${input.name}"`, { method: 'POST', url: '/v1/integrate/clouds/webhooks', body }, { url: input.url });
  const integration = asIntegration(response);
  if (!integration) {
    throw new ApiError('unexpected_answer', `Could not create the webhook integration "${input.name}" at 1NCE: the answer carries no integration id`, {
      description: `1NCE answered: ${JSON.stringify(redactIntegration(response ?? null)).slice(0, 500)}`,
      response: { message: 'no integration id in the answer' },
    });
  }
  return integration;
}

export interface ListIntegrationsOptions {
  /** Stop once this many integrations are collected. */
  limit?: number;
  /** Safety net against an API that keeps answering: at most this many pages (default 100). */
  maxPages?: number;
}

/** Every integration (AWS and webhook ones), following the answer's `page`/`pageAmount`. */
export async function listIntegrations(request: ApiRequest, options: ListIntegrationsOptions = {}): Promise<OneNceIntegration[]> {
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
  const maxPages = options.maxPages ?? 100;
  const integrations: OneNceIntegration[] = [];
  const seen = new Set<string>();
  let page = 1;
  let lastAnsweredPage = 0;
  while (page <= maxPages) {
    const response = (await call(request, 'list the integrations', {
      method: 'GET',
      url: '/v1/integrate/clouds',
      ...(page > 1 ? { qs: { page } } : {}),
    })) as ApiObject | undefined;
    const items = Array.isArray(response?.items) ? response.items : Array.isArray(response) ? (response as unknown[]) : [];
    for (const item of items) {
      const integration = asIntegration(item);
      if (!integration || seen.has(integration.id)) continue;
      seen.add(integration.id);
      integrations.push(integration);
      if (integrations.length >= limit) return integrations;
    }
    const answeredPage = Number(response?.page ?? page);
    const pageAmount = Number(response?.pageAmount ?? 1);
    // Stop at the last page, on an empty page, or when the API ignores `page` and repeats itself.
    if (items.length === 0 || !Number.isFinite(pageAmount) || answeredPage >= pageAmount || answeredPage <= lastAnsweredPage) break;
    lastAnsweredPage = answeredPage;
    page = answeredPage + 1;
  }
  return integrations;
}

/** One integration with its url and headers, or undefined when 1NCE does not know the id (404). */
export async function getIntegration(request: ApiRequest, integrationId: string): Promise<OneNceIntegration | undefined> {
  const url = idPath('/v1/integrate/clouds', integrationId); // refused before any request
  try {
    const response = await request({ method: 'GET', url, json: true });
    return asIntegration(response);
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw oneNceError(error, `read integration ${integrationId}`, { integrationId });
  }
}

/** Changes a webhook integration's url, headers, event types or JSON flag (never its name). */
export async function updateWebhookIntegration(request: ApiRequest, integrationId: string, patch: OneNceWebhookIntegrationPatch): Promise<OneNceIntegration> {
  const body: ApiObject = {};
  if (patch.url !== undefined) body.url = patch.url;
  if (patch.headers !== undefined) body.headers = patch.headers;
  if (patch.eventTypes !== undefined) body.eventTypes = eventTypesBody(patch.eventTypes);
  if (patch.jsonPayloadEnabled !== undefined) body.jsonPayloadEnabled = patch.jsonPayloadEnabled;
  if (Object.keys(body).length === 0) {
    throw new ApiError('invalid_input', 'Nothing to update: set at least one of URL, headers, event types or JSON payload.');
  }
  const response = await call(
    request,
    `update integration ${integrationId}`,
    { method: 'PATCH', url: idPath('/v1/integrate/clouds/webhooks', integrationId), body },
    { integrationId, url: patch.url },
  );
  return asIntegration(response) ?? ({ id: integrationId, name: '', state: '', type: 'WEBHOOK', eventTypes: [], ...(response as ApiObject) } as OneNceIntegration);
}

/** Has 1NCE send a TEST_MESSAGE to the integration; `testStatus` says whether it was delivered. */
export async function testIntegration(request: ApiRequest, integrationId: string): Promise<OneNceTestResult> {
  const response = (await call(
    request,
    `test integration ${integrationId}`,
    { method: 'POST', url: idPath('/v1/integrate/clouds/webhooks', integrationId, '/test') },
    { integrationId },
  )) as ApiObject | undefined;
  return { ...(response ?? {}), testStatus: String(response?.testStatus ?? ''), message: String(response?.message ?? '') };
}

/** Restarts a failed integration (1NCE sends a TEST_MESSAGE); `restartStatus` says how it went. */
export async function restartIntegration(request: ApiRequest, integrationId: string): Promise<OneNceRestartResult> {
  const response = (await call(
    request,
    `restart integration ${integrationId}`,
    { method: 'POST', url: idPath('/v1/integrate/clouds/webhooks', integrationId, '/restart') },
    { integrationId },
  )) as ApiObject | undefined;
  return { ...(response ?? {}), restartStatus: String(response?.restartStatus ?? ''), message: String(response?.message ?? '') };
}

/** Deletes an integration. One 1NCE no longer knows (404) counts as deleted. */
export async function deleteIntegration(request: ApiRequest, integrationId: string): Promise<OneNceDeleted> {
  const url = idPath('/v1/integrate/clouds', integrationId); // refused before any request
  try {
    await request({ method: 'DELETE', url, json: true });
    return { integrationId, deleted: true, existed: true };
  } catch (error) {
    if (httpStatusOf(error) === 404) return { integrationId, deleted: true, existed: false };
    throw oneNceError(error, `delete integration ${integrationId}`, { integrationId });
  }
}

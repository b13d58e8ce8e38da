/**
 * A small client of the EdgeSense.io webhook API (docs/vendors.md#edgesenseio):
 *   POST   /api/webhooks/register  {url, events[], secret}  → {webhookId, status}
 *   GET    /api/webhooks                                     → the registered webhooks
 *   DELETE /api/webhooks/{webhookId}
 *
 * Pure module: the HTTP call is passed in ({@link ApiRequest}) and carries the base URL and the API-key
 * header (both user settings: EdgeSense documents neither). Failures become {@link ApiError}s that say
 * what failed and what to check.
 *
 * [assumed] The shape of the list answer is not documented: a bare array, or an object holding the
 * array under `webhooks`, `items` or `data`, whose entries carry `webhookId` (or `id`), `url`,
 * `events` and `status` — all are accepted.
 */
import { redactUrl } from '../delivery/redact';
import { apiErrorDetail, ApiError, commonReason, failedCall, httpStatusOf, idSegment, isApiError, sentence, type ApiObject, type ApiRequest, type ApiRequestOptions } from './http-errors';

export interface EdgeSenseRegistration {
  url: string;
  events: string[];
  secret: string;
}

export interface EdgeSenseRegistered {
  webhookId: string;
  status: string;
}

/** A webhook as listed by EdgeSense; fields the API may leave out are optional. */
export interface EdgeSenseWebhook {
  webhookId: string;
  url?: string;
  events?: string[];
  status?: string;
  raw: ApiObject;
}

export interface EdgeSenseDeleted {
  webhookId: string;
  deleted: true;
  /** False when EdgeSense no longer knew the webhook (404): it was already gone. */
  existed: boolean;
}

/** The {@link ApiError} for a failed EdgeSense call: what we tried, why it failed, what to check. */
export function edgeSenseError(error: unknown, action: string): ApiError {
  const status = httpStatusOf(error);
  const detail = apiErrorDetail(error);
  let reason: string;
  if (status === 401 || status === 403) {
    reason = `EdgeSense refused the API key (HTTP ${status}). Check the API key and the API key header name in the EdgeSense API credential.`;
  } else if (status === 404) {
    reason = 'EdgeSense answered 404 Not Found. Check the API base URL in the EdgeSense API credential (/api/webhooks is appended to it).';
  } else if (status === 400 || status === 422) {
    reason = `EdgeSense refused the request as invalid (HTTP ${status})${detail ? `: ${sentence(detail)}` : '.'}`;
  } else {
    reason =
      commonReason('EdgeSense', status, detail, 'API key') ??
      'EdgeSense could not be reached. Check the API base URL in the EdgeSense API credential and that n8n can reach it.';
  }
  return failedCall('EdgeSense', action, reason, status, detail, error);
}

async function call(request: ApiRequest, action: string, options: Omit<ApiRequestOptions, 'json'>): Promise<unknown> {
  try {
    return await request({ json: true, ...options });
  } catch (error) {
    throw isApiError(error) ? error : edgeSenseError(error, action);
  }
}

/** A webhook as listed, for output: the signing secret, if EdgeSense echoes it, shown as `***`; URL userinfo redacted. */
export function redactWebhook<T extends ApiObject>(raw: T): T {
  const out: ApiObject = { ...raw };
  for (const key of Object.keys(out)) if (/secret|token|api-?key|password/i.test(key) && out[key] !== undefined && out[key] !== null) out[key] = '***';
  if (typeof out.url === 'string') out.url = redactUrl(out.url);
  return out as T;
}

/** Registers a webhook: EdgeSense signs what it sends to `url` with `secret`. */
export async function registerWebhook(request: ApiRequest, registration: EdgeSenseRegistration): Promise<EdgeSenseRegistered> {
  const response = (await call(request, 'register the webhook', {
    method: 'POST',
    url: '/api/webhooks/register',
    body: { url: registration.url, events: registration.events, secret: registration.secret },
  })) as ApiObject | undefined;
  const webhookId = response?.webhookId ?? response?.id;
  if (typeof webhookId !== 'string' && typeof webhookId !== 'number') {
    throw new ApiError('unexpected_answer', 'Could not register the webhook at EdgeSense: the answer carries no webhookId', {
      description: `EdgeSense answered: ${JSON.stringify(response ?? null).slice(0, 500)}`,
      response: response ?? {},
    });
  }
  return { webhookId: String(webhookId), status: typeof response?.status === 'string' ? response.status : 'registered' };
}

/** The webhooks registered at EdgeSense for this API key. */
export async function listWebhooks(request: ApiRequest): Promise<EdgeSenseWebhook[]> {
  const response = await call(request, 'list the webhooks', { method: 'GET', url: '/api/webhooks' });
  return webhookEntries(response).flatMap((entry) => {
    const id = entry.webhookId ?? entry.id;
    if (typeof id !== 'string' && typeof id !== 'number') return [];
    const webhook: EdgeSenseWebhook = { webhookId: String(id), raw: entry };
    if (typeof entry.url === 'string') webhook.url = entry.url;
    if (Array.isArray(entry.events)) webhook.events = entry.events.map(String);
    if (typeof entry.status === 'string') webhook.status = entry.status;
    return [webhook];
  });
}

function webhookEntries(response: unknown): ApiObject[] {
  let list: unknown = response;
  if (list && typeof list === 'object' && !Array.isArray(list)) {
    const record = list as ApiObject;
    list = record.webhooks ?? record.items ?? record.data ?? [];
  }
  return Array.isArray(list) ? (list.filter((entry) => entry && typeof entry === 'object' && !Array.isArray(entry)) as ApiObject[]) : [];
}

/** Deletes a webhook. A webhook EdgeSense no longer knows (404) counts as deleted. */
export async function deleteWebhook(request: ApiRequest, webhookId: string): Promise<EdgeSenseDeleted> {
  const url = `/api/webhooks/${idSegment(webhookId, 'webhook ID')}`; // refuses a dot-segment id before anything is sent
  try {
    await request({ method: 'DELETE', url, json: true });
    return { webhookId, deleted: true, existed: true };
  } catch (error) {
    if (httpStatusOf(error) === 404) return { webhookId, deleted: true, existed: false };
    throw edgeSenseError(error, `delete webhook ${webhookId}`);
  }
}

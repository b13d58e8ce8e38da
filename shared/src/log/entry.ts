/**
 * Building log entries from what the adapters have at hand — the answer to a request, a delivery result —
 * with nothing secret in them: header values are dropped except a few harmless ones, URL credentials and
 * credential-like query values are redacted, the configured secrets are blanked wherever they appear, and
 * the payload is optional and cut at a cap (16 KiB by default). Pure module.
 */
import type { DeliveryResult } from '../delivery/deliver';
import type { LogEntryInput, LogOutcome } from './types';

/** The default cap on a stored payload. */
export const DEFAULT_PAYLOAD_CAP = 16 * 1024;
/** Reasons longer than this are cut (a reason is one sentence; a vendor's error page is not). */
const MAX_REASON = 1000;
const MAX_TYPE = 200;
const REDACTED = '[redacted]';

/** Header values worth seeing in a log and never a credential. Every other header keeps its name only. */
const SAFE_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'user-agent', 'x-request-id', 'webhook-id', 'webhook-timestamp', 'x-timestamp']);
/** Query parameter names that carry credentials in webhook URLs. */
const SECRET_PARAM = /(^|[_-])(token|key|apikey|api_key|secret|signature|sig|password|passwd|pass|auth|access_token|code)$/i;

/** Header names with values only for {@link SAFE_HEADERS}; multi-valued headers joined. */
export function redactHeaders(headers: Record<string, string | string[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    out[name] = SAFE_HEADERS.has(name) ? cut(Array.isArray(value) ? value.join(', ') : String(value), 200) : REDACTED;
  }
  return out;
}

/** A URL with its userinfo and credential-like query values replaced by `[redacted]`. Unparseable: cut to its origin-ish prefix. */
export function redactLoggedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, `//${REDACTED}@`).replace(/\?.*$/, '?…');
  }
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED;
    parsed.password = '';
  }
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, REDACTED);
  return parsed.toString();
}

/** Replaces every occurrence of each secret (4 characters or more) in `text`. */
export function blankSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets) return text;
  let out = text;
  for (const secret of secrets) if (typeof secret === 'string' && secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** A body for the log: text (or base64 when not UTF-8), cut at `cap` bytes on a character boundary. */
export function capturePayload(
  body: Uint8Array | string | undefined,
  options: { cap?: number; keep?: boolean; secrets?: readonly string[] } = {},
): Pick<LogEntryInput, 'payload' | 'payloadEncoding' | 'payloadBytes' | 'payloadTruncated'> {
  if (body === undefined) return {};
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const cap = options.cap ?? DEFAULT_PAYLOAD_CAP;
  if (options.keep === false || cap <= 0) return { payloadBytes: bytes.length };
  const truncated = bytes.length > cap;
  const head = truncated ? bytes.subarray(0, cap) : bytes;
  const text = decodeUtf8(head, truncated);
  const out: ReturnType<typeof capturePayload> = text === undefined ? { payload: head.toString('base64'), payloadEncoding: 'base64' } : { payload: blankSecrets(text, options.secrets) };
  if (truncated) {
    out.payloadTruncated = true;
    out.payloadBytes = bytes.length;
  }
  return out;
}

/** Strict UTF-8 decoding; a cut body may end inside a character, which is dropped. Undefined when not UTF-8. */
function decodeUtf8(bytes: Buffer, mayEndMidCharacter: boolean): string | undefined {
  let end = bytes.length;
  if (mayEndMidCharacter) {
    // Step back over an incomplete trailing sequence (at most 3 continuation bytes and its lead byte).
    let i = end - 1;
    let continuation = 0;
    while (i >= 0 && continuation < 3 && ((bytes[i] as number) & 0xc0) === 0x80) {
      i--;
      continuation++;
    }
    if (i >= 0) {
      const lead = bytes[i] as number;
      const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
      if (need > continuation) end = i;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch {
    return undefined;
  }
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** What an adapter knows once it has answered a request. */
export interface ReceiptInput {
  node: string;
  requestId: string;
  time?: Date | string | number;
  vendor?: string;
  /** The status we answered. */
  status: number;
  /** The result code: a refusal's code, `duplicate`, or undefined for a plain acceptance. */
  code?: string;
  /** The refusal's message (or the ignored/duplicate note). */
  message?: string;
  type?: string;
  /** Set when the type was not chosen and the request started nothing. */
  ignored?: boolean;
  headers?: Record<string, string | string[] | undefined>;
  body?: Uint8Array | string;
  /** Keep the body in the log. @defaultValue true */
  keepPayload?: boolean;
  payloadCap?: number;
  /** The configured secrets, blanked out wherever they appear. */
  secrets?: readonly string[];
}

/** The outcome of an answer: refused for 4xx/5xx, duplicate / ignored / accepted for 2xx. */
export function receiptOutcome(input: Pick<ReceiptInput, 'status' | 'code' | 'ignored'>): LogOutcome {
  if (input.status >= 300) return 'refused';
  if (input.code === 'duplicate') return 'duplicate';
  if (input.ignored || input.code === 'ignored') return 'ignored';
  return 'accepted';
}

/** A log entry for one received request: what we answered, why, and (optionally) the body. */
export function receiptEntry(input: ReceiptInput): LogEntryInput {
  const entry: LogEntryInput = {
    time: isoTime(input.time),
    node: input.node,
    direction: 'received',
    outcome: receiptOutcome(input),
    requestId: input.requestId,
    status: input.status,
  };
  if (input.vendor) entry.vendor = input.vendor;
  if (typeof input.type === 'string' && input.type) entry.type = cut(input.type, MAX_TYPE);
  if (input.code) entry.code = input.code;
  if (input.message) entry.reason = cut(blankSecrets(input.message, input.secrets), MAX_REASON);
  if (input.headers) entry.headers = redactHeaders(input.headers);
  Object.assign(entry, capturePayload(input.body, { keep: input.keepPayload ?? true, ...(input.payloadCap !== undefined ? { cap: input.payloadCap } : {}), ...(input.secrets ? { secrets: input.secrets } : {}) }));
  return entry;
}

/** What an adapter knows about a delivery, at its first retry or at its end. */
export interface DeliveryLogInput {
  node: string;
  deliveryId: string;
  time?: Date | string | number;
  /** The result (at the end), or the progress so far (`retrying`). */
  result: Pick<DeliveryResult, 'attempts' | 'url' | 'vendor'> & Partial<Pick<DeliveryResult, 'outcome' | 'error' | 'statusCode'>>;
  /** Overrides the outcome: `retrying` at the first planned retry, `dropped` for a removed node's pending one. */
  outcome?: LogOutcome;
  /** Overrides the code (e.g. `outbox_full` for a message refused before any attempt). */
  code?: string;
  type?: string;
  body?: Uint8Array | string;
  keepPayload?: boolean;
  payloadCap?: number;
  secrets?: readonly string[];
}

/** A log entry for a delivery: its last attempt's request id and response code, the attempts so far. */
export function deliveryEntry(input: DeliveryLogInput): LogEntryInput {
  const { result } = input;
  const last = result.attempts[result.attempts.length - 1];
  const outcome: LogOutcome = input.outcome ?? (result.outcome === 'aborted' || result.outcome === undefined ? 'failed' : result.outcome);
  const entry: LogEntryInput = {
    time: isoTime(input.time),
    node: input.node,
    direction: 'sent',
    outcome,
    requestId: last?.requestId ?? input.deliveryId,
    deliveryId: input.deliveryId,
    attempts: result.attempts.length,
    url: redactLoggedUrl(result.url),
    vendor: result.vendor,
  };
  const status = result.statusCode ?? last?.statusCode;
  if (status !== undefined) entry.status = status;
  if (input.code) entry.code = input.code;
  else if (outcome === 'endpoint_failed') entry.code = 'endpoint_failed';
  else if (outcome !== 'delivered' && last) {
    const httpFailure = last.statusCode !== undefined && (last.errorClass === 'http' || last.errorClass === undefined);
    entry.code = httpFailure ? `http_${last.statusCode}` : (last.errorClass ?? outcome);
  }
  const reason = result.error ?? (outcome === 'retrying' && last ? `${last.error ?? 'failed'}; retry in ${Math.round((last.nextRetryInMs ?? 0) / 1000)} s` : undefined);
  if (reason) entry.reason = cut(blankSecrets(reason, input.secrets), MAX_REASON);
  if (typeof input.type === 'string' && input.type) entry.type = cut(input.type, MAX_TYPE);
  Object.assign(entry, capturePayload(input.body, { keep: input.keepPayload ?? true, ...(input.payloadCap !== undefined ? { cap: input.payloadCap } : {}), ...(input.secrets ? { secrets: input.secrets } : {}) }));
  return entry;
}

function isoTime(time: Date | string | number | undefined): string {
  if (time === undefined) return new Date().toISOString();
  if (typeof time === 'string') return time;
  return new Date(time).toISOString();
}

/**
 * `deliver()`: sends one signed webhook with a retry policy and records every attempt.
 * The engine is pure: it signs, plans, classifies and logs; sending and waiting are passed in
 * (`transport`, `sleep`), so n8n can pass its `httpRequest` and `sleep`, and the CLI and Node-RED the
 * core's Node transport and real timers. Pure module (n8n may load it).
 */
import { randomUUID } from 'node:crypto';
import { isSafeHeaderValue, isValidHeaderName } from '../headers';
import { fillPlaceholders, type PlaceholderValues } from '../placeholders';
import { isSerializedByUs, serializeBody, signText } from '../sign';
import type { RetryPolicy, SignOptions, VendorId, VendorProfile } from '../types';
import { normalizeSecrets } from '../secrets';
import { newMessageId } from './message-id';
import { getVendor, vendorIds } from '../vendors/index';
import { redactUrl, redactUrlsIn } from './redact';
import { DeliveryError, isDeliveryError, transportCodeOf } from './errors';
import { ACTIVE_ENDPOINT, nextEndpointState, type EndpointState, type EndpointStateStore } from './endpoint-health';
import { judgeAttempt, retryDelay, retryPolicies, type AttemptErrorClass, type AttemptOutcome, type AttemptVerdict } from './retry-plan';

/** One HTTP request as the engine hands it to the transport. */
export interface OutboundRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What the transport got back. `body` may be cut short: only its first bytes are logged. */
export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type Transport = (request: OutboundRequest) => Promise<TransportResponse>;
/** Waits `ms`; resolves early (or rejects) when `signal` aborts, leaving no timer behind. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Maps the error codes of Node, undici and axios (and n8n's SSRF errors) onto attempt error classes. */
export function classifyTransportError(error: unknown): AttemptErrorClass {
  const ours = transportCodeOf(error);
  if (ours) return ours;
  const e = error as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined;
  const code = String(e?.code ?? e?.cause?.code ?? '');
  const name = String(e?.name ?? '');
  // n8n's own egress guard (N8N_SSRF_PROTECTION_ENABLED): SsrfBlockedIpError, SsrfBlockedHostnameError.
  if (/^SsrfBlocked/.test(name) || /^SsrfBlocked/.test(String(e?.cause?.name ?? ''))) return 'blocked';
  if (e?.name === 'AbortError' || code === 'ABORT_ERR' || code === 'ERR_CANCELED') return 'aborted';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'ESOCKETTIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return 'timeout';
  }
  return 'network';
}

/** Everything about where and how to deliver; checked once by {@link prepareDelivery}. */
export interface DeliveryConfig {
  /** Target URL; may hold `:iccid:`, `:imsi:`, `:ip:` (values are percent-encoded). */
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  /** The vendor whose scheme signs the request. @defaultValue 'generic-hmac' */
  vendor?: VendorId;
  /** The signing secret; several for Standard Webhooks send one signature per secret. None: sent unsigned. */
  secrets?: string | readonly string[];
  /** Scheme settings (generic HMAC header, algorithm, ...). */
  schemeOptions?: SignOptions;
  /** Extra headers; values may hold placeholders. They may not override content-type, host, content-length or the signature headers. */
  headers?: Record<string, string>;
  /** A preset id (`inhand`, `edgesense`, `1nce`, `scalefusion`, `standard-webhooks`, `default`, `none`) or a policy. @defaultValue the vendor's */
  retryPolicy?: string | RetryPolicy;
  /** Per-attempt timeout. @defaultValue 15 000 ms */
  timeoutMs?: number;
  /** Header carrying a fresh UUID on every attempt. @defaultValue 'X-Request-ID' */
  requestIdHeader?: string;
  /** Longest wait a Retry-After may ask for. @defaultValue 1 hour */
  maxRetryAfterMs?: number;
  /** Key of this endpoint in the health store. @defaultValue the URL template */
  endpointKey?: string;
  /** Mark the endpoint failed after this many failed deliveries in a row. @defaultValue the retry policy's (1NCE, EdgeSense: 1; others: never) */
  failEndpointAfter?: number;
}

/** A config that passed {@link prepareDelivery}. */
export interface PreparedDelivery extends Required<Pick<DeliveryConfig, 'url' | 'method' | 'vendor' | 'timeoutMs' | 'requestIdHeader' | 'endpointKey'>> {
  secrets: string[];
  schemeOptions: SignOptions;
  headers: Record<string, string>;
  retryPolicy: RetryPolicy;
  maxRetryAfterMs: number;
  failEndpointAfter?: number;
}

const PROTECTED_HEADERS = ['content-type', 'host', 'content-length', 'transfer-encoding'];

/**
 * Checks a delivery configuration and fills in defaults.
 * @throws {@link DeliveryError} naming what to fix: `invalid_url` (bad URL), `invalid_header` (a header
 *   template that would override content-type, host, content-length or a signature header, CR/LF in a
 *   header), `config` (unknown vendor or preset, method, timeout, scheme settings).
 */
export function prepareDelivery(config: DeliveryConfig): PreparedDelivery {
  const vendor = config.vendor ?? 'generic-hmac';
  const profile = getVendor(vendor);
  if (!profile) throw new DeliveryError('config', `Unknown vendor "${vendor}"; use one of: ${vendorIds.join(', ')}.`);
  const sample = fillPlaceholders(String(config.url ?? ''), { iccid: '1', imsi: '1', ip: '1' }, { target: 'url' });
  let parsed: URL;
  try {
    parsed = new URL(sample);
  } catch {
    throw new DeliveryError('invalid_url', `"${redactUrl(String(config.url ?? ''))}" is not a valid URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new DeliveryError('invalid_url', `Only http and https URLs can receive webhooks; got ${parsed.protocol}`);
  const method = config.method ?? 'POST';
  if (!['POST', 'PUT', 'PATCH'].includes(method)) throw new DeliveryError('config', `Method ${method} cannot carry a webhook body; use POST, PUT or PATCH.`);

  const schemeOptions = config.schemeOptions ?? {};
  let signatureHeaders: string[];
  try {
    signatureHeaders = profile.scheme.signatureHeaders(schemeOptions);
  } catch (error) {
    throw isDeliveryError(error) ? error : new DeliveryError('config', (error as Error).message);
  }
  const requestIdHeader = config.requestIdHeader ?? 'X-Request-ID';
  const forbidden = new Set([...PROTECTED_HEADERS, ...signatureHeaders, requestIdHeader.toLowerCase()]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (!isValidHeaderName(name)) throw new DeliveryError('invalid_header', `"${name}" is not a valid header name.`);
    if (forbidden.has(name.toLowerCase())) {
      throw new DeliveryError('invalid_header', `The header "${name}" is set by the ${profile.label} scheme or by HTTP itself and cannot be overridden.`);
    }
    if (typeof value !== 'string' || !isSafeHeaderValue(value)) throw new DeliveryError('invalid_header', `The value of header "${name}" may not contain CR, LF or NUL.`);
    headers[name] = value;
  }
  if (!isValidHeaderName(requestIdHeader)) throw new DeliveryError('invalid_header', `"${requestIdHeader}" is not a valid header name.`);

  const policy = typeof config.retryPolicy === 'object' && config.retryPolicy !== null ? config.retryPolicy : retryPolicies[config.retryPolicy ?? profile.retryPolicy.id];
  if (!policy) throw new DeliveryError('config', `Unknown retry policy "${String(config.retryPolicy)}"; use one of: ${Object.keys(retryPolicies).join(', ')}.`);
  const timeoutMs = config.timeoutMs ?? 15_000;
  if (!(timeoutMs > 0 && timeoutMs <= 600_000)) throw new DeliveryError('config', 'The timeout must be between 1 ms and 10 minutes.');

  const failEndpointAfter = config.failEndpointAfter ?? policy.failEndpointAfter;
  if (failEndpointAfter !== undefined && !(Number.isInteger(failEndpointAfter) && failEndpointAfter >= 1)) {
    throw new DeliveryError('config', 'failEndpointAfter must be a whole number of deliveries, 1 or more.');
  }
  const secrets = normalizeSecrets(config.secrets);
  return {
    url: String(config.url),
    method,
    vendor,
    secrets,
    schemeOptions,
    headers,
    retryPolicy: policy,
    timeoutMs,
    requestIdHeader,
    maxRetryAfterMs: config.maxRetryAfterMs ?? 3_600_000,
    // Redacted: the key may be shown or stored (n8n static data, a file) and userinfo is a secret.
    endpointKey: config.endpointKey ?? redactUrl(String(config.url)),
    ...(failEndpointAfter !== undefined ? { failEndpointAfter } : {}),
  };
}

/** One attempt, as logged. */
export interface DeliveryAttempt {
  attempt: number;
  requestId: string;
  startedAt: string;
  durationMs: number;
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  error?: string;
  /** The first bytes of the response body (up to 1 KiB), as text. */
  responseSnippet?: string;
  verdict: AttemptVerdict;
  /** When the verdict is `retry`: the wait before the next attempt. */
  nextRetryInMs?: number;
}

/** How a delivery ended. */
export type DeliveryOutcome = 'delivered' | 'failed' | 'gone' | 'aborted' | 'endpoint_failed';

/** The result: delivered or not, and the whole log. Nothing is lost silently. */
export interface DeliveryResult {
  delivered: boolean;
  outcome: DeliveryOutcome;
  /** The URL as sent, placeholders filled, userinfo shown as `***` (see {@link redactUrl}). */
  url: string;
  vendor: VendorId;
  attempts: DeliveryAttempt[];
  /** The last HTTP status received, if any. */
  statusCode?: number;
  /** Why it failed, in one sentence. */
  error?: string;
  endpoint: EndpointState;
}

/** What the engine needs from the outside world. */
export interface DeliveryIO {
  transport: Transport;
  sleep: Sleep;
  now?: () => number;
  random?: () => number;
  uuid?: () => string;
  endpointStore?: EndpointStateStore;
  /**
   * Called after every attempt, as it happens (for progress output and node status), with what a store
   * needs to resume the delivery after a restart.
   */
  onAttempt?: (attempt: DeliveryAttempt, progress: DeliveryProgress) => void;
}

/** Where a delivery stands: enough to resume it (see {@link DeliveryInput.resume}). */
export interface DeliveryProgress {
  attempts: DeliveryAttempt[];
  /** When the next attempt is due (ms since the epoch); undefined when the delivery has ended. */
  nextAttemptAt?: number;
  /** The message id kept across retries (Standard Webhooks). */
  messageId?: string;
}

/** Input of {@link deliver}: a config (or a prepared one), the body, placeholder values and a signal. */
export interface DeliveryInput {
  config: DeliveryConfig | PreparedDelivery;
  /** An object is serialized as the vendor does; a string or Buffer is sent as it is. */
  body: unknown;
  placeholders?: PlaceholderValues;
  signal?: AbortSignal;
  /** Send even though the endpoint is marked failed (a manual retry). */
  ignoreEndpointFailure?: boolean;
  /** Continue a delivery interrupted by a restart: its attempts so far, and when the next one is due. */
  resume?: DeliveryProgress;
}

const SNIPPET_BYTES = 1024;

function isPrepared(config: DeliveryConfig | PreparedDelivery): config is PreparedDelivery {
  return Array.isArray((config as PreparedDelivery).secrets) && typeof (config as PreparedDelivery).retryPolicy === 'object';
}

/**
 * Delivers one webhook: signs it (afresh on every attempt, so timestamps are current), fills
 * placeholders, sends, and retries as the policy says. Honours Retry-After within bounds; 410 stops for
 * good and marks the endpoint failed. Aborting the signal ends waits and requests at once.
 *
 * @throws {@link DeliveryError} for a configuration that cannot work (before any attempt).
 */
export async function deliver(input: DeliveryInput, io: DeliveryIO): Promise<DeliveryResult> {
  const config = isPrepared(input.config) ? input.config : prepareDelivery(input.config);
  const now = io.now ?? Date.now;
  const random = io.random ?? Math.random;
  const uuid = io.uuid ?? randomUUID;
  const policy = config.retryPolicy;
  const target = targetOf(config, input.placeholders ?? {});
  const url = target.url;
  const extraHeaders = target.extraHeaders;
  const attempts: DeliveryAttempt[] = input.resume?.attempts !== undefined ? [...input.resume.attempts] : [];
  const store = io.endpointStore;
  const previous = store ? await store.get(config.endpointKey) : undefined;

  if (previous?.status === 'failed' && !input.ignoreEndpointFailure) {
    return resultOf(config, target, attempts, 'endpoint_failed', `The endpoint is marked failed since ${previous.failedAt ?? 'earlier'} (${previous.reason ?? 'repeated failures'}); restart it to send again.`, previous);
  }
  // A scheme that keeps one message id across retries (Standard Webhooks) lets receivers de-duplicate.
  const schemeOptions: SignOptions = { ...config.schemeOptions };
  if (input.resume?.messageId !== undefined) schemeOptions.messageId = input.resume.messageId;
  const profile = target.profile;
  const text = serializeBody(profile, input.body); // once per delivery; only signatures change per attempt
  const body: SerializedBody = { text, bytes: undefined, isVendorForm: isSerializedByUs(input.body) };
  if (profile.scheme.keepsMessageIdAcrossRetries && schemeOptions.messageId === undefined) schemeOptions.messageId = newMessageId(uuid);

  const resumeWait = input.resume?.nextAttemptAt !== undefined ? input.resume.nextAttemptAt - now() : 0;
  if (resumeWait > 0) await io.sleep(resumeWait, input.signal);

  const signal = input.signal;
  for (let attemptIndex = attempts.length; ; attemptIndex++) {
    if (signal?.aborted) return resultOf(config, target, attempts, 'aborted', 'The delivery was cancelled.', previous ?? ACTIVE_ENDPOINT);
    const requestId = uuid();
    schemeOptions.now = now(); // the delivery's own copy: signed afresh at every attempt
    const signed = signFor(config, profile, body, schemeOptions);
    // The scheme's headers object is new on every call: the request id goes into it, after any extra headers.
    const headers: Record<string, string> = extraHeaders === undefined ? signed.headers : { ...extraHeaders, ...signed.headers };
    headers[config.requestIdHeader] = requestId;
    const started = now();
    const attempt: DeliveryAttempt = { attempt: attemptIndex + 1, requestId, startedAt: new Date(started).toISOString(), durationMs: 0, verdict: 'fail' };
    const outcome: AttemptOutcome = {};
    try {
      const request: OutboundRequest = { url, method: config.method, headers, body: signed.body, timeoutMs: config.timeoutMs };
      if (signal) request.signal = signal;
      const response = await io.transport(request);
      const statusCode = response.statusCode;
      outcome.statusCode = statusCode;
      attempt.statusCode = statusCode;
      const retryAfter = response.headers['retry-after'];
      if (retryAfter !== undefined) outcome.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
      if (response.body.length > 0) attempt.responseSnippet = response.body.subarray(0, SNIPPET_BYTES).toString('utf8');
      if (statusCode < 200 || statusCode >= 300) {
        outcome.errorClass = statusCode >= 300 && statusCode < 400 ? 'redirect' : 'http';
        attempt.errorClass = outcome.errorClass;
        attempt.error = outcome.errorClass === 'redirect' ? `Redirect ${statusCode} not followed` : `HTTP ${statusCode}`;
      }
    } catch (error) {
      outcome.errorClass = signal?.aborted ? 'aborted' : classifyTransportError(error);
      attempt.errorClass = outcome.errorClass;
      // Error texts may quote the URL (axios, fetch): userinfo is redacted wherever it appears.
      attempt.error = redactUrlsIn(error instanceof Error ? error.message : String(error));
    }
    attempt.durationMs = Math.max(0, now() - started);
    const retriesLeft = policy.retryDelaysMs.length - attemptIndex;
    attempt.verdict = judgeAttempt(outcome, policy, retriesLeft);
    if (attempt.verdict === 'retry') attempt.nextRetryInMs = retryDelay(policy, attemptIndex, outcome, random, now(), { maxRetryAfterMs: config.maxRetryAfterMs });
    attempts.push(attempt);
    if (io.onAttempt) {
      const progress: DeliveryProgress = { attempts };
      if (attempt.nextRetryInMs !== undefined) progress.nextAttemptAt = now() + attempt.nextRetryInMs;
      if (schemeOptions.messageId !== undefined) progress.messageId = schemeOptions.messageId;
      io.onAttempt(attempt, progress);
    }

    let outcomeNow: DeliveryOutcome;
    let error: string | undefined;
    if (attempt.verdict === 'retry') {
      try {
        await io.sleep(attempt.nextRetryInMs as number, signal);
      } catch {
        // A sleep that rejects on abort: handled by the check below.
      }
      if (signal?.aborted) return resultOf(config, target, attempts, 'aborted', 'The delivery was cancelled while waiting to retry.', previous ?? ACTIVE_ENDPOINT);
      continue;
    } else if (attempt.verdict === 'delivered') {
      outcomeNow = 'delivered';
    } else if (outcome.errorClass === 'aborted') {
      return resultOf(config, target, attempts, 'aborted', 'The delivery was cancelled.', previous ?? ACTIVE_ENDPOINT);
    } else {
      outcomeNow = attempt.verdict === 'gone' ? 'gone' : 'failed';
      error = describeFailure(attempt, attempts.length);
    }
    // The result, once the endpoint's state is stored; without a store, no promise of its own.
    const endpoint = nextEndpointState(previous, outcomeNow === 'delivered', config.failEndpointAfter, new Date(now()).toISOString(), error ?? '', outcomeNow === 'gone');
    if (store) await store.set(config.endpointKey, endpoint);
    return resultOf(config, target, attempts, outcomeNow, error, endpoint);
  }
}

/** Where one delivery goes: the URL filled and redacted, the extra headers filled, the vendor's profile. */
interface Target {
  url: string;
  shownUrl: string;
  extraHeaders: Record<string, string> | undefined;
  profile: VendorProfile;
}

/**
 * A prepared config's target when neither its URL nor its headers hold a placeholder: the same for every
 * delivery, so filled and redacted once. Checked against the config on use (a caller may change it).
 */
interface StaticTarget extends Target {
  template: string;
  headerTemplates: Record<string, string>;
  vendor: VendorId;
}

const staticTargets = new WeakMap<PreparedDelivery, StaticTarget>();
const PLACEHOLDER = /:(?:iccid|imsi|ip):/;

function targetOf(config: PreparedDelivery, placeholders: PlaceholderValues): Target {
  const cached = staticTargets.get(config);
  if (cached !== undefined && cached.template === config.url && cached.headerTemplates === config.headers && cached.vendor === config.vendor) return cached;
  const url = fillPlaceholders(config.url, placeholders, { target: 'url' });
  const extraHeaderNames = Object.keys(config.headers);
  let extraHeaders: Record<string, string> | undefined;
  let isStatic = !PLACEHOLDER.test(config.url);
  if (extraHeaderNames.length > 0) {
    extraHeaders = {};
    for (const name of extraHeaderNames) {
      const template = config.headers[name] as string;
      if (PLACEHOLDER.test(template)) isStatic = false;
      extraHeaders[name] = fillPlaceholders(template, placeholders, { target: 'header' });
    }
  }
  const target: Target = { url, shownUrl: redactUrl(url), extraHeaders, profile: getVendor(config.vendor) as VendorProfile };
  if (!isStatic) return target;
  // Frozen: a delivery spreads them into its own headers object and never writes to them.
  if (extraHeaders !== undefined) Object.freeze(extraHeaders);
  const entry: StaticTarget = { ...target, template: config.url, headerTemplates: config.headers, vendor: config.vendor };
  staticTargets.set(config, entry);
  return entry;
}

function resultOf(config: PreparedDelivery, target: Target, attempts: DeliveryAttempt[], outcome: DeliveryOutcome, error: string | undefined, endpoint: EndpointState): DeliveryResult {
  const last = attempts[attempts.length - 1];
  const r: DeliveryResult = { delivered: outcome === 'delivered', outcome, url: target.shownUrl, vendor: config.vendor, attempts, endpoint };
  if (last?.statusCode !== undefined) r.statusCode = last.statusCode;
  if (error !== undefined) r.error = redactUrlsIn(error);
  return r;
}

function describeFailure(attempt: DeliveryAttempt, count: number): string {
  const after = count === 1 ? 'after 1 attempt' : `after ${count} attempts`;
  switch (attempt.errorClass) {
    case 'http':
      return attempt.statusCode === 410 ? 'The receiver answered 410 Gone: the endpoint is marked failed and will not be retried.' : `The receiver answered HTTP ${attempt.statusCode} ${after}.`;
    case 'redirect':
      return `The receiver answered a redirect (${attempt.statusCode}) ${after}; redirects are never followed — use the final URL.`;
    case 'dns':
      return `The receiver's host name did not resolve ${after}: ${attempt.error}`;
    case 'refused':
      return `The receiver refused the connection ${after}: ${attempt.error}`;
    case 'timeout':
      return `The receiver did not answer in time ${after}.`;
    case 'blocked':
      return `${attempt.error}`;
    default:
      return `The request failed ${after}: ${attempt.error}`;
  }
}

/**
 * Signs the serialized body; a scheme with a signature list header (Standard Webhooks) carries one
 * signature per secret there, all over the first one's timestamp.
 */
function signFor(config: PreparedDelivery, profile: VendorProfile, body: SerializedBody, options: SignOptions): { body: Buffer; headers: Record<string, string> } {
  const secrets = config.secrets;
  const first = secrets[0];
  if (first === undefined) return { body: bytesOf(body, body.text), headers: { 'Content-Type': 'application/json' } };
  const listHeader = profile.scheme.signatureListHeader;
  if (listHeader === undefined || secrets.length === 1) {
    const signed = signOnce(profile, body, first, options);
    return { body: bytesOf(body, signed.text), headers: signed.headers };
  }
  const once: SignOptions = { ...options, timestamp: options.timestamp ?? Math.floor((options.now ?? Date.now()) / 1000) };
  const signed = signText(profile, body.text, body.isVendorForm, first, once);
  const extra = secrets.slice(1).map((secret) => signText(profile, body.text, body.isVendorForm, secret, once).headers[listHeader]);
  signed.headers[listHeader] = [signed.headers[listHeader], ...extra].join(' ');
  return signed;
}

/** What {@link signText} does, minus the bytes: those are the serialized body's when the scheme kept its text. */
function signOnce(profile: VendorProfile, body: SerializedBody, secret: string, options: SignOptions): { text: string; headers: Record<string, string> } {
  return profile.scheme.sign({ text: body.text, textIsVendorForm: body.isVendorForm, secret, options, nowMs: options.now ?? Date.now() });
}

/** The UTF-8 bytes of `text`: encoded once per delivery when it is the serialized body (every attempt sends the same). */
function bytesOf(body: SerializedBody, text: string): Buffer {
  if (text !== body.text) return Buffer.from(text, 'utf8');
  return (body.bytes ??= Buffer.from(text, 'utf8'));
}

interface SerializedBody {
  text: string;
  /** Encoded on first use. */
  bytes: Buffer | undefined;
  isVendorForm: boolean;
}

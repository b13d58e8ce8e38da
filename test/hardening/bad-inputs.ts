/**
 * The bad-input matrix of the hardening suite: ONE list of named requests that every receiving side must
 * refuse — the core's `verify` (test/core/bad-inputs.test.ts), a real Node-RED `devicehook in`
 * and a real n8n trigger (both in test/hardening/bad-inputs.test.ts) — plus the outbound
 * placeholder-injection cases, which only the core's delivery API can be asked about.
 *
 * Data and small builders only; no test framework in here, so any runner can import it.
 *
 * How a runner uses it:
 *   - configure one receiving endpoint per entry of {@link ENDPOINTS} (vendor + scheme settings) with the
 *     secret of a {@link SecretSet} (default {@link DEFAULT_SECRETS});
 *   - for each case: `const request = c.build(secrets)`, then `sendRaw(baseUrl + pathOf(c.endpoint), request)`
 *     (or {@link runCase}, which also sends the first copy of a replay case);
 *   - the answer's status must be one of `c.expect.statuses`, and the endpoint must produce no message
 *     (a replay case: exactly one, from its first copy). Cases with `layer: 'http'` are about what only an
 *     HTTP server sees (framing, limits, slowness); the core runner only checks that `verify` does not throw.
 *
 * Every case that needs a valid-looking request is signed correctly — with the core's `sign` for real
 * events, and over the exact bytes ({@link rawSigned}) for bodies `sign` cannot produce (invalid JSON or
 * UTF-8) — so it is the one bad part that gets it refused, not a missing signature.
 *
 * Cases an implementation does not hold yet are listed in {@link KNOWN_GAPS} with the finding; runners
 * call {@link knownGap} and assert the gap is still open (so a fix turns the test red until the entry goes).
 *
 * For an n8n runner: one trigger per endpoint — inhand-dm: InHand Device Manager trigger; edgesense:
 * EdgeSense trigger; 1nce: 1NCE trigger (auth header x-api-key); scalefusion: Scalefusion trigger;
 * standard-webhooks: Standard Webhooks trigger (it refuses replays by default, as the replay case wants);
 * generic-prefixed and generic-timestamped: HMAC Webhook trigger with the generic HMAC credential set as
 * in `scheme`. Slow-loris cases hold a connection for 30–90 s: send them alongside the others, to an
 * endpoint of their own if messages are counted per endpoint.
 */
import { createHmac, randomUUID } from 'node:crypto';
import net from 'node:net';
import { sign, standardWebhooksKey, vendors, type SchemeOptions, type VendorId } from '../../shared/src/index';

// ---------------------------------------------------------------------------------------------------
// Endpoints and secrets
// ---------------------------------------------------------------------------------------------------

export type EndpointId = 'inhand-dm' | 'edgesense' | '1nce' | 'scalefusion' | 'standard-webhooks' | 'generic-prefixed' | 'generic-timestamped';

/** One receiving endpoint to configure: which vendor, with which scheme settings. */
export interface Endpoint {
  id: EndpointId;
  vendor: VendorId;
  /** Scheme settings (generic HMAC's layout; 1NCE's header name is the default `x-api-key`). */
  scheme: SchemeOptions;
  /** A valid event body for this endpoint. */
  sample: Record<string, unknown>;
  description: string;
}

const firstSample = (vendor: VendorId): Record<string, unknown> => Object.values(vendors[vendor].samples)[0] as Record<string, unknown>;

export const ENDPOINTS: Readonly<Record<EndpointId, Endpoint>> = {
  'inhand-dm': { id: 'inhand-dm', vendor: 'inhand-dm', scheme: {}, sample: firstSample('inhand-dm'), description: 'InHand DM: X-Signature, base64 HMAC-SHA256 over Python json.dumps' },
  edgesense: { id: 'edgesense', vendor: 'edgesense', scheme: {}, sample: firstSample('edgesense'), description: 'EdgeSense: X-EdgeSense-Signature / body "signature", hex HMAC-SHA256' },
  '1nce': { id: '1nce', vendor: '1nce', scheme: {}, sample: firstSample('1nce'), description: '1NCE: static x-api-key header' },
  scalefusion: { id: 'scalefusion', vendor: 'scalefusion', scheme: {}, sample: firstSample('scalefusion'), description: 'Scalefusion: X-SF-Signature, hex HMAC-SHA256 of the raw body' },
  'standard-webhooks': {
    id: 'standard-webhooks',
    vendor: 'standard-webhooks',
    scheme: {},
    sample: firstSample('standard-webhooks'),
    description: 'Standard Webhooks: webhook-id / -timestamp / -signature (v1), whsec_ secret',
  },
  'generic-prefixed': {
    id: 'generic-prefixed',
    vendor: 'generic-hmac',
    scheme: { header: 'X-Hub-Signature-256', prefix: 'sha256=', algorithm: 'sha256', encoding: 'hex' },
    sample: firstSample('generic-hmac'),
    description: 'Generic HMAC, GitHub style: X-Hub-Signature-256: sha256=<hex>',
  },
  'generic-timestamped': {
    id: 'generic-timestamped',
    vendor: 'generic-hmac',
    scheme: { header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', signedContent: 'timestamp.body', timestampHeader: 'X-Timestamp' },
    sample: firstSample('generic-hmac'),
    description: 'Generic HMAC: X-Signature = base64 HMAC-SHA512 of "<X-Timestamp>.<body>"',
  },
};

export const ENDPOINT_IDS = Object.keys(ENDPOINTS) as EndpointId[];

/** The secret of each endpoint. */
export type SecretSet = Readonly<Record<EndpointId, string>>;

export const DEFAULT_SECRETS: SecretSet = {
  'inhand-dm': 'hardening-inhand-secret',
  edgesense: 'hardening-edgesense-secret',
  '1nce': 'hardening-1nce-api-key',
  scalefusion: 'hardening-scalefusion-secret',
  'standard-webhooks': `whsec_${Buffer.from('hardening-standard-webhooks-key!').toString('base64')}`,
  'generic-prefixed': 'hardening-generic-prefixed-secret',
  'generic-timestamped': 'hardening-generic-timestamped-secret',
};

/** A secret that is wrong for every endpoint (but well-formed: base64 for Standard Webhooks). */
export const WRONG_SECRET = (endpoint: EndpointId): string =>
  endpoint === 'standard-webhooks' ? `whsec_${Buffer.from('a-different-key-entirely-wrong!!').toString('base64')}` : 'not-the-secret';

// ---------------------------------------------------------------------------------------------------
// Requests and cases
// ---------------------------------------------------------------------------------------------------

export type HeaderList = Array<[name: string, value: string]>;

export interface SlowLoris {
  /** Bytes written per tick. */
  bytesPerTick: number;
  tickMs: number;
  /** The client gives up (closes) after this long without an answer. */
  totalMs: number;
  /** 'body': the head at once, then the body drips (default); 'all': the head drips too. */
  part?: 'body' | 'all';
}

/** Exactly what goes on the wire (sendRaw adds only Host and Content-Length, unless present or listed in `omit`). */
export interface RawRequest {
  method: string;
  /** In order; the same name may appear more than once. */
  headers: HeaderList;
  /** The payload. With `Transfer-Encoding: chunked` in `headers`, sendRaw chunk-encodes it. */
  body: Buffer;
  delivery?: 'normal' | { slowLoris: SlowLoris };
  /** Headers sendRaw must not add on its own. */
  omit?: Array<'host' | 'content-length'>;
}

export type CaseGroup =
  | 'json'
  | 'size'
  | 'encoding'
  | 'content-type'
  | 'headers'
  | 'signature-format'
  | 'secret'
  | 'timestamp'
  | 'replay'
  | 'http'
  | 'slow-loris';

export interface BadInputCase {
  id: string;
  title: string;
  group: CaseGroup;
  vendor: VendorId;
  endpoint: EndpointId;
  /**
   * 'verify': what is wrong reaches `verify` as given, so the core must refuse it too.
   * 'http': only an HTTP server sees it (framing, header limits, method, slowness); `verify` is given the
   * same headers and body only to check it does not throw.
   */
  layer: 'verify' | 'http';
  build(secrets?: SecretSet, nowMs?: number): RawRequest;
  /** Send the very same request twice: the first is valid (2xx, one message), the case is the second. */
  replay?: true;
  expect: {
    /** Acceptable answers (an HTTP server may refuse earlier than `verify`, e.g. 431 for a huge header). */
    statuses: number[];
    /** The core's failure code(s), checked where the core is asked directly. */
    codes?: string[];
  };
}

// ---------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------

const hmac = (algorithm: string, key: string | Buffer, ...parts: Array<string | Buffer>) => {
  const h = createHmac(algorithm, key);
  for (const part of parts) h.update(part);
  return h.digest();
};
const unixSeconds = (nowMs: number) => Math.floor(nowMs / 1000);
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

export interface RawSignOptions {
  /** Standard Webhooks / generic timestamped: the timestamp header's value. @defaultValue now */
  timestamp?: string;
  /** Standard Webhooks message id. @defaultValue a fresh one */
  messageId?: string;
  contentType?: string | null;
}

/**
 * The headers a careless but honest sender would send: the endpoint's signature computed over exactly
 * these bytes (every verifier accepts a signature over the raw bytes). Works for bytes `sign` cannot take
 * (invalid JSON, invalid UTF-8).
 */
export function rawSigned(endpoint: EndpointId, body: Buffer, secret: string, nowMs = Date.now(), options: RawSignOptions = {}): HeaderList {
  const headers: HeaderList = options.contentType === null ? [] : [['Content-Type', options.contentType ?? 'application/json']];
  const timestamp = options.timestamp ?? String(unixSeconds(nowMs));
  switch (endpoint) {
    case 'inhand-dm':
      headers.push(['X-Signature', hmac('sha256', secret, body).toString('base64')]);
      break;
    case 'edgesense':
      headers.push(['X-EdgeSense-Signature', hmac('sha256', secret, body).toString('hex')]);
      break;
    case 'scalefusion':
      headers.push(['X-SF-Signature', hmac('sha256', secret, body).toString('hex')]);
      break;
    case '1nce':
      headers.push(['x-api-key', secret]);
      break;
    case 'standard-webhooks': {
      const id = options.messageId ?? `msg_${randomUUID().replace(/-/g, '')}`;
      const mac = hmac('sha256', standardWebhooksKey(secret), `${id}.${timestamp}.`, body).toString('base64');
      headers.push(['webhook-id', id], ['webhook-timestamp', timestamp], ['webhook-signature', `v1,${mac}`]);
      break;
    }
    case 'generic-prefixed':
      headers.push(['X-Hub-Signature-256', `sha256=${hmac('sha256', secret, body).toString('hex')}`]);
      break;
    case 'generic-timestamped':
      headers.push(['X-Timestamp', timestamp], ['X-Signature', hmac('sha512', secret, `${timestamp}.`, body).toString('base64')]);
      break;
  }
  return headers;
}

/** A valid event of the endpoint, signed with the core's `sign` (the vendor's own serialization). */
export function signedEvent(
  endpoint: EndpointId,
  secrets: SecretSet,
  nowMs = Date.now(),
  body: unknown = ENDPOINTS[endpoint].sample,
  options: { secret?: string; timestamp?: number; messageId?: string } = {},
): { body: Buffer; headers: HeaderList } {
  const e = ENDPOINTS[endpoint];
  const signed = sign({
    vendor: e.vendor,
    body,
    secret: options.secret ?? secrets[endpoint],
    options: { ...e.scheme, now: nowMs, ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}), ...(options.messageId ? { messageId: options.messageId } : {}) },
  });
  return { body: signed.body, headers: Object.entries(signed.headers) };
}

/** A request of `bytes`, signed over exactly those bytes. */
const rawCase = (endpoint: EndpointId, bytes: Buffer | string, options: RawSignOptions = {}) =>
  (secrets: SecretSet = DEFAULT_SECRETS, nowMs = Date.now()): RawRequest => {
    const body = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
    return { method: 'POST', headers: rawSigned(endpoint, body, secrets[endpoint], nowMs, options), body };
  };

/** A valid signed event, then `change` applied to its header list (and body). */
const changedEvent = (endpoint: EndpointId, change: (request: RawRequest, secrets: SecretSet, nowMs: number) => RawRequest | void) =>
  (secrets: SecretSet = DEFAULT_SECRETS, nowMs = Date.now()): RawRequest => {
    const { body, headers } = signedEvent(endpoint, secrets, nowMs);
    const request: RawRequest = { method: 'POST', headers, body };
    return change(request, secrets, nowMs) ?? request;
  };

const isNamed = (name: string) => ([n]: [string, string]) => n.toLowerCase() === name.toLowerCase();
const valueOf = (headers: HeaderList, name: string): string => headers.find(isNamed(name))?.[1] ?? '';
const withHeader = (headers: HeaderList, name: string, value: string): HeaderList => headers.map(([n, v]) => [n, n.toLowerCase() === name.toLowerCase() ? value : v]);
const without = (headers: HeaderList, name: string): HeaderList => headers.filter((h) => !isNamed(name)(h));

/** The endpoint's body as its vendor serializes it, with `extra` appended as raw JSON text before the closing brace. */
function bodyWith(endpoint: EndpointId, extra: string): string {
  const text = JSON.stringify(ENDPOINTS[endpoint].sample);
  return `${text.slice(0, -1)},${extra}}`;
}

const MiB = 1024 * 1024;
const DEPTH = 10_000;
const deepArrays = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const deepObjects = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const swapCase = (text: string) => text.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
const macOf = (request: RawRequest, name: string, encoding: 'hex' | 'base64'): Buffer => Buffer.from(valueOf(request.headers, name).replace(/^[a-z0-9]+=/, ''), encoding);

/** A Standard Webhooks request signed with the given timestamp header value (any text). */
const swWithTimestamp = (timestamp: (nowMs: number) => string) =>
  (secrets: SecretSet = DEFAULT_SECRETS, nowMs = Date.now()): RawRequest => {
    const body = Buffer.from(JSON.stringify(ENDPOINTS['standard-webhooks'].sample));
    return { method: 'POST', headers: rawSigned('standard-webhooks', body, secrets['standard-webhooks'], nowMs, { timestamp: timestamp(nowMs) }), body };
  };
const genericWithTimestamp = (timestamp: (nowMs: number) => string) =>
  (secrets: SecretSet = DEFAULT_SECRETS, nowMs = Date.now()): RawRequest => {
    const body = Buffer.from(JSON.stringify(ENDPOINTS['generic-timestamped'].sample));
    return { method: 'POST', headers: rawSigned('generic-timestamped', body, secrets['generic-timestamped'], nowMs, { timestamp: timestamp(nowMs) }), body };
  };

const vendorOf = (endpoint: EndpointId) => ENDPOINTS[endpoint].vendor;
type CaseInput = Omit<BadInputCase, 'vendor' | 'layer'> & { layer?: BadInputCase['layer'] };
const c = (input: CaseInput): BadInputCase => ({ layer: 'verify', ...input, vendor: vendorOf(input.endpoint) });

// ---------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  // --- malformed, truncated, empty and non-object JSON (signed correctly over the bad bytes)
  c({ id: 'json-truncated', group: 'json', endpoint: 'scalefusion', title: 'JSON cut in half', build: rawCase('scalefusion', JSON.stringify(ENDPOINTS.scalefusion.sample).slice(0, 60)), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-truncated-python-form', group: 'json', endpoint: 'inhand-dm', title: 'InHand body (Python json.dumps form) cut short', build: rawCase('inhand-dm', `{"alertType": "offline", "deviceName": "ER805-`), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-trailing-garbage', group: 'json', endpoint: 'edgesense', title: 'a JSON object followed by garbage', build: rawCase('edgesense', `${JSON.stringify(ENDPOINTS.edgesense.sample)}xyz`), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-single-quotes', group: 'json', endpoint: 'generic-prefixed', title: "Python repr instead of JSON ({'type': 'a'})", build: rawCase('generic-prefixed', "{'type': 'device.alert'}"), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-trailing-comma', group: 'json', endpoint: 'standard-webhooks', title: 'a trailing comma', build: rawCase('standard-webhooks', '{"type": "invoice.paid",}'), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-nan', group: 'json', endpoint: 'inhand-dm', title: 'NaN (Python accepts it, JSON does not)', build: rawCase('inhand-dm', '{"alertType": "offline", "value": NaN}'), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'body-empty', group: 'json', endpoint: 'scalefusion', title: 'an empty body, signed', build: rawCase('scalefusion', ''), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'body-empty-unsigned', group: 'json', endpoint: '1nce', title: 'an empty body without the API key', build: () => ({ method: 'POST', headers: [JSON_TYPE], body: Buffer.alloc(0) }), expect: { statuses: [401], codes: ['signature_missing'] } }),
  c({ id: 'body-whitespace', group: 'json', endpoint: 'generic-timestamped', title: 'a body of whitespace only', build: rawCase('generic-timestamped', ' \r\n\t '), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'json-array', group: 'json', endpoint: 'generic-prefixed', title: 'a JSON array of events', build: rawCase('generic-prefixed', `[${JSON.stringify(ENDPOINTS['generic-prefixed'].sample)}]`), expect: { statuses: [422], codes: ['not_an_object'] } }),
  c({ id: 'json-string', group: 'json', endpoint: 'scalefusion', title: 'a JSON string', build: rawCase('scalefusion', '"device.locked"'), expect: { statuses: [422], codes: ['not_an_object'] } }),
  c({ id: 'json-number', group: 'json', endpoint: 'edgesense', title: 'a JSON number', build: rawCase('edgesense', '42'), expect: { statuses: [422], codes: ['not_an_object'] } }),
  c({ id: 'json-null', group: 'json', endpoint: 'standard-webhooks', title: 'JSON null', build: rawCase('standard-webhooks', 'null'), expect: { statuses: [422], codes: ['not_an_object'] } }),
  c({ id: 'json-boolean', group: 'json', endpoint: '1nce', title: 'JSON true, with a valid API key', build: rawCase('1nce', 'true'), expect: { statuses: [422], codes: ['not_an_object'] } }),
  c({ id: 'json-no-type', group: 'json', endpoint: 'scalefusion', title: 'an object without the event type', build: rawCase('scalefusion', '{"data": {"devices": []}}'), expect: { statuses: [422], codes: ['type_missing'] } }),
  c({ id: 'json-type-not-string', group: 'json', endpoint: 'inhand-dm', title: 'the event type as a number', build: rawCase('inhand-dm', '{"alertType": 42}'), expect: { statuses: [422], codes: ['type_missing', 'schema_invalid'] } }),
  c({ id: 'nesting-10000-arrays', group: 'json', endpoint: 'scalefusion', title: 'a valid event with a field nested 10 000 arrays deep', build: rawCase('scalefusion', bodyWith('scalefusion', `"x":${deepArrays}`)), expect: { statuses: [400], codes: ['too_deeply_nested'] } }),
  c({ id: 'nesting-10000-objects', group: 'json', endpoint: 'generic-prefixed', title: 'a valid event with a field nested 10 000 objects deep', build: rawCase('generic-prefixed', bodyWith('generic-prefixed', `"x":${deepObjects}`)), expect: { statuses: [400], codes: ['too_deeply_nested'] } }),
  c({ id: 'nesting-100000-arrays', group: 'json', endpoint: 'scalefusion', title: 'a valid event with a field nested 100 000 arrays deep (200 KB, under the size cap)', build: rawCase('scalefusion', bodyWith('scalefusion', `"x":${'['.repeat(100_000)}${']'.repeat(100_000)}`)), expect: { statuses: [400], codes: ['too_deeply_nested'] } }),
  c({ id: 'nesting-10000-python-form', group: 'json', endpoint: 'inhand-dm', title: 'an InHand alert with a field nested 10 000 arrays deep', build: rawCase('inhand-dm', `{"alertType": "offline", "x": ${deepArrays}}`), expect: { statuses: [400], codes: ['too_deeply_nested'] } }),
  c({ id: 'nesting-10000-unclosed', group: 'json', endpoint: 'standard-webhooks', title: '10 000 opening brackets, never closed', build: rawCase('standard-webhooks', '['.repeat(DEPTH)), expect: { statuses: [400], codes: ['too_deeply_nested'] } }),

  // --- size
  c({ id: 'body-10mb', group: 'size', endpoint: 'scalefusion', title: 'a 10 MiB body with its Content-Length', build: rawCase('scalefusion', Buffer.alloc(10 * MiB, 0x20)), expect: { statuses: [413], codes: ['body_too_large'] } }),
  c({
    id: 'body-10mb-chunked',
    group: 'size',
    endpoint: 'generic-prefixed',
    title: 'a 10 MiB body, chunked (no Content-Length)',
    build: (secrets = DEFAULT_SECRETS, nowMs = Date.now()) => {
      const body = Buffer.from(bodyWith('generic-prefixed', `"pad":"${'x'.repeat(10 * MiB)}"`));
      return { method: 'POST', headers: [...rawSigned('generic-prefixed', body, secrets['generic-prefixed'], nowMs), ['Transfer-Encoding', 'chunked']], body };
    },
    expect: { statuses: [413], codes: ['body_too_large'] },
  }),
  c({ id: 'body-limit-plus-one', group: 'size', endpoint: 'edgesense', title: 'a body one byte over the 1 MiB limit', build: rawCase('edgesense', bodyWith('edgesense', `"pad":"${'x'.repeat(MiB - JSON.stringify(ENDPOINTS.edgesense.sample).length - 8)}"`)), expect: { statuses: [413], codes: ['body_too_large'] } }),

  // --- encodings
  c({ id: 'utf8-invalid-in-string', group: 'encoding', endpoint: 'scalefusion', title: 'invalid UTF-8 (FF FE) inside a string value', build: rawCase('scalefusion', Buffer.concat([Buffer.from(bodyWith('scalefusion', '"note":"').slice(0, -1)), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])), expect: { statuses: [400], codes: ['invalid_encoding'] } }),
  c({ id: 'utf8-overlong', group: 'encoding', endpoint: 'inhand-dm', title: 'an overlong UTF-8 sequence (C0 AF, a disguised "/") in a string', build: rawCase('inhand-dm', Buffer.concat([Buffer.from('{"alertType": "offline", "content": "..'), Buffer.from([0xc0, 0xaf]), Buffer.from('etc"}')])), expect: { statuses: [400], codes: ['invalid_encoding'] } }),
  c({ id: 'utf8-surrogate', group: 'encoding', endpoint: 'edgesense', title: 'a UTF-8-encoded lone surrogate (ED A0 80) in a string', build: rawCase('edgesense', Buffer.concat([Buffer.from('{"event":"device.data","deviceId":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), expect: { statuses: [400], codes: ['invalid_encoding'] } }),
  c({ id: 'utf8-invalid-structure', group: 'encoding', endpoint: 'generic-timestamped', title: 'a stray FF byte after the JSON', build: rawCase('generic-timestamped', Buffer.concat([Buffer.from(JSON.stringify(ENDPOINTS['generic-timestamped'].sample)), Buffer.from([0xff])])), expect: { statuses: [400], codes: ['invalid_encoding'] } }),
  c({ id: 'utf8-bom', group: 'encoding', endpoint: 'standard-webhooks', title: 'a UTF-8 byte-order mark before the JSON', build: rawCase('standard-webhooks', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(ENDPOINTS['standard-webhooks'].sample))])), expect: { statuses: [400], codes: ['invalid_json'] } }),
  c({ id: 'utf16-body', group: 'encoding', endpoint: 'scalefusion', title: 'the JSON in UTF-16LE', build: rawCase('scalefusion', Buffer.from(JSON.stringify(ENDPOINTS.scalefusion.sample), 'utf16le')), expect: { statuses: [400], codes: ['invalid_json'] } }),

  // --- content types (the body is a valid, correctly signed event unless said otherwise)
  c({ id: 'ctype-text-plain', group: 'content-type', endpoint: 'scalefusion', title: 'a valid signed event sent as text/plain', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'content-type', 'text/plain'))), expect: { statuses: [415] } }),
  c({ id: 'ctype-form-urlencoded', group: 'content-type', endpoint: 'inhand-dm', title: 'a valid signed event sent as application/x-www-form-urlencoded', build: changedEvent('inhand-dm', (r) => void (r.headers = withHeader(r.headers, 'content-type', 'application/x-www-form-urlencoded'))), expect: { statuses: [415] } }),
  c({ id: 'ctype-form-body', group: 'content-type', endpoint: '1nce', title: 'a form-encoded body (type=TELEMETRY_DATA&…) with the API key', build: rawCase('1nce', 'type=TELEMETRY_DATA&device%5Biccid%5D=8988', { contentType: 'application/x-www-form-urlencoded' }), expect: { statuses: [400, 415] } }),
  c({
    id: 'ctype-multipart',
    group: 'content-type',
    endpoint: 'generic-prefixed',
    title: 'a multipart/form-data body carrying the event as a part',
    build: rawCase('generic-prefixed', `--b0undary\r\nContent-Disposition: form-data; name="event"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(ENDPOINTS['generic-prefixed'].sample)}\r\n--b0undary--\r\n`, { contentType: 'multipart/form-data; boundary=b0undary' }),
    expect: { statuses: [400, 415] },
  }),
  c({ id: 'ctype-xml', group: 'content-type', endpoint: 'edgesense', title: 'an XML body as application/xml', build: rawCase('edgesense', '<?xml version="1.0"?><event type="device.data"/>', { contentType: 'application/xml' }), expect: { statuses: [400, 415] } }),

  // --- duplicate, oversized and missing headers
  c({ id: 'signature-duplicate', group: 'headers', endpoint: 'scalefusion', title: 'X-SF-Signature sent twice, both correct', build: changedEvent('scalefusion', (r) => void r.headers.push(['X-SF-Signature', valueOf(r.headers, 'x-sf-signature')])), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'api-key-duplicate', group: 'headers', endpoint: '1nce', title: 'x-api-key sent twice (the right key, then another)', build: changedEvent('1nce', (r) => void r.headers.push(['x-api-key', 'another-key'])), expect: { statuses: [401], codes: ['signature_malformed', 'signature_mismatch'] } }),
  c({ id: 'timestamp-duplicate', group: 'headers', endpoint: 'standard-webhooks', title: 'webhook-timestamp sent twice', build: changedEvent('standard-webhooks', (r) => void r.headers.push(['webhook-timestamp', valueOf(r.headers, 'webhook-timestamp')])), expect: { statuses: [400], codes: ['timestamp_invalid'] } }),
  c({ id: 'signature-oversized', group: 'headers', endpoint: 'inhand-dm', title: 'a 20 KiB X-Signature header', build: changedEvent('inhand-dm', (r) => void (r.headers = withHeader(r.headers, 'x-signature', 'A'.repeat(20 * 1024)))), expect: { statuses: [401, 431], codes: ['signature_malformed'] } }),
  c({
    id: 'headers-oversized',
    group: 'headers',
    endpoint: 'edgesense',
    title: '300 padding headers (30 KiB of headers) and no signature',
    build: () => ({ method: 'POST', headers: [JSON_TYPE, ...Array.from({ length: 300 }, (_, i): [string, string] => [`X-Pad-${i}`, 'p'.repeat(100)])], body: Buffer.from(JSON.stringify(ENDPOINTS.edgesense.sample)) }),
    expect: { statuses: [401, 431], codes: ['signature_missing'] },
  }),
  c({ id: 'signature-missing', group: 'headers', endpoint: 'inhand-dm', title: 'a valid InHand alert without X-Signature', build: changedEvent('inhand-dm', (r) => void (r.headers = without(r.headers, 'x-signature'))), expect: { statuses: [401], codes: ['signature_missing'] } }),
  c({ id: 'signature-missing-body-and-header', group: 'headers', endpoint: 'edgesense', title: 'an EdgeSense event with neither header nor body signature', build: () => ({ method: 'POST', headers: [JSON_TYPE], body: Buffer.from(JSON.stringify(ENDPOINTS.edgesense.sample)) }), expect: { statuses: [401], codes: ['signature_missing'] } }),
  c({ id: 'api-key-missing', group: 'headers', endpoint: '1nce', title: 'a valid 1NCE event without x-api-key', build: changedEvent('1nce', (r) => void (r.headers = without(r.headers, 'x-api-key'))), expect: { statuses: [401], codes: ['signature_missing'] } }),
  c({ id: 'webhook-id-missing', group: 'headers', endpoint: 'standard-webhooks', title: 'Standard Webhooks without webhook-id', build: changedEvent('standard-webhooks', (r) => void (r.headers = without(r.headers, 'webhook-id'))), expect: { statuses: [401], codes: ['message_id_missing'] } }),
  c({ id: 'webhook-timestamp-missing', group: 'headers', endpoint: 'standard-webhooks', title: 'Standard Webhooks without webhook-timestamp', build: changedEvent('standard-webhooks', (r) => void (r.headers = without(r.headers, 'webhook-timestamp'))), expect: { statuses: [401], codes: ['timestamp_missing'] } }),
  c({ id: 'timestamp-missing-generic', group: 'headers', endpoint: 'generic-timestamped', title: 'generic timestamp.body without X-Timestamp', build: changedEvent('generic-timestamped', (r) => void (r.headers = without(r.headers, 'x-timestamp'))), expect: { statuses: [401], codes: ['timestamp_missing'] } }),
  c({ id: 'header-bare-cr', group: 'headers', endpoint: 'scalefusion', title: 'a bare CR inside the signature header value', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'x-sf-signature', `${valueOf(r.headers, 'x-sf-signature').slice(0, 32)}\r${valueOf(r.headers, 'x-sf-signature').slice(32)}`))), expect: { statuses: [400, 401], codes: ['signature_malformed'] } }),

  // --- signatures in the wrong encoding, case or prefix
  c({ id: 'signature-base64-for-hex', group: 'signature-format', endpoint: 'scalefusion', title: 'the right MAC, in base64 where hex is expected', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'x-sf-signature', macOf(r, 'x-sf-signature', 'hex').toString('base64')))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-hex-for-base64', group: 'signature-format', endpoint: 'inhand-dm', title: 'the right MAC, in hex where base64 is expected', build: changedEvent('inhand-dm', (r) => void (r.headers = withHeader(r.headers, 'x-signature', macOf(r, 'x-signature', 'base64').toString('hex')))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-base64url', group: 'signature-format', endpoint: 'inhand-dm', title: 'the right MAC in base64url, unpadded', build: changedEvent('inhand-dm', (r) => void (r.headers = withHeader(r.headers, 'x-signature', macOf(r, 'x-signature', 'base64').toString('base64url')))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-base64-case-swapped', group: 'signature-format', endpoint: 'inhand-dm', title: 'the right base64 MAC with its letter case swapped', build: changedEvent('inhand-dm', (r) => void (r.headers = withHeader(r.headers, 'x-signature', swapCase(valueOf(r.headers, 'x-signature'))))), expect: { statuses: [401], codes: ['signature_mismatch', 'signature_malformed'] } }),
  c({ id: 'signature-prefix-missing', group: 'signature-format', endpoint: 'generic-prefixed', title: 'the right hex MAC without its "sha256=" prefix', build: changedEvent('generic-prefixed', (r) => void (r.headers = withHeader(r.headers, 'x-hub-signature-256', valueOf(r.headers, 'x-hub-signature-256').slice('sha256='.length)))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-prefix-wrong', group: 'signature-format', endpoint: 'generic-prefixed', title: 'the right MAC under a "sha1=" prefix', build: changedEvent('generic-prefixed', (r) => void (r.headers = withHeader(r.headers, 'x-hub-signature-256', valueOf(r.headers, 'x-hub-signature-256').replace('sha256=', 'sha1=')))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-prefix-unexpected', group: 'signature-format', endpoint: 'scalefusion', title: 'the right MAC with a "sha256=" prefix Scalefusion does not send', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'x-sf-signature', `sha256=${valueOf(r.headers, 'x-sf-signature')}`))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-version-case', group: 'signature-format', endpoint: 'standard-webhooks', title: 'Standard Webhooks "V1," instead of "v1,"', build: changedEvent('standard-webhooks', (r) => void (r.headers = withHeader(r.headers, 'webhook-signature', valueOf(r.headers, 'webhook-signature').replace('v1,', 'V1,')))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-version-missing', group: 'signature-format', endpoint: 'standard-webhooks', title: 'Standard Webhooks signature without "v1,"', build: changedEvent('standard-webhooks', (r) => void (r.headers = withHeader(r.headers, 'webhook-signature', valueOf(r.headers, 'webhook-signature').slice(3)))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-truncated', group: 'signature-format', endpoint: 'scalefusion', title: 'the right hex MAC missing its last character', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'x-sf-signature', valueOf(r.headers, 'x-sf-signature').slice(0, -1)))), expect: { statuses: [401], codes: ['signature_malformed'] } }),
  c({ id: 'signature-empty', group: 'signature-format', endpoint: 'scalefusion', title: 'an empty X-SF-Signature', build: changedEvent('scalefusion', (r) => void (r.headers = withHeader(r.headers, 'x-sf-signature', ''))), expect: { statuses: [401], codes: ['signature_malformed'] } }),

  // --- a wrong secret (well-formed signatures made with another key)
  ...ENDPOINT_IDS.map((endpoint) =>
    c({
      id: `secret-wrong-${endpoint}`,
      group: 'secret',
      endpoint,
      title: `a valid ${ENDPOINTS[endpoint].vendor} event signed with the wrong secret`,
      build: (secrets = DEFAULT_SECRETS, nowMs = Date.now()) => {
        const { body, headers } = signedEvent(endpoint, secrets, nowMs, ENDPOINTS[endpoint].sample, { secret: WRONG_SECRET(endpoint) });
        return { method: 'POST', headers, body };
      },
      expect: { statuses: [401], codes: ['signature_mismatch'] },
    }),
  ),

  // --- stale, future and non-numeric timestamps
  c({ id: 'timestamp-stale', group: 'timestamp', endpoint: 'standard-webhooks', title: 'webhook-timestamp 10 minutes old', build: swWithTimestamp((now) => String(unixSeconds(now) - 600)), expect: { statuses: [401], codes: ['timestamp_out_of_window'] } }),
  c({ id: 'timestamp-future', group: 'timestamp', endpoint: 'standard-webhooks', title: 'webhook-timestamp 10 minutes ahead', build: swWithTimestamp((now) => String(unixSeconds(now) + 600)), expect: { statuses: [401], codes: ['timestamp_out_of_window'] } }),
  c({ id: 'timestamp-milliseconds', group: 'timestamp', endpoint: 'standard-webhooks', title: 'webhook-timestamp in milliseconds', build: swWithTimestamp((now) => String(now)), expect: { statuses: [401], codes: ['timestamp_out_of_window'] } }),
  c({ id: 'timestamp-non-numeric', group: 'timestamp', endpoint: 'standard-webhooks', title: 'webhook-timestamp "yesterday"', build: swWithTimestamp(() => 'yesterday'), expect: { statuses: [400], codes: ['timestamp_invalid'] } }),
  c({ id: 'timestamp-fraction', group: 'timestamp', endpoint: 'standard-webhooks', title: 'webhook-timestamp with a fraction (1700000000.5)', build: swWithTimestamp((now) => `${unixSeconds(now)}.5`), expect: { statuses: [400], codes: ['timestamp_invalid'] } }),
  c({ id: 'timestamp-stale-generic', group: 'timestamp', endpoint: 'generic-timestamped', title: 'X-Timestamp an hour old', build: genericWithTimestamp((now) => String(unixSeconds(now) - 3600)), expect: { statuses: [401], codes: ['timestamp_out_of_window'] } }),
  c({ id: 'timestamp-future-generic', group: 'timestamp', endpoint: 'generic-timestamped', title: 'X-Timestamp a day ahead', build: genericWithTimestamp((now) => String(unixSeconds(now) + 86_400)), expect: { statuses: [401], codes: ['timestamp_out_of_window'] } }),
  c({ id: 'timestamp-negative-generic', group: 'timestamp', endpoint: 'generic-timestamped', title: 'X-Timestamp "-1"', build: genericWithTimestamp(() => '-1'), expect: { statuses: [400], codes: ['timestamp_invalid'] } }),
  c({ id: 'timestamp-huge-generic', group: 'timestamp', endpoint: 'generic-timestamped', title: 'X-Timestamp of 20 nines', build: genericWithTimestamp(() => '9'.repeat(20)), expect: { statuses: [400], codes: ['timestamp_invalid'] } }),

  // --- a replayed Standard Webhooks message
  c({
    id: 'replay-standard-webhooks',
    group: 'replay',
    endpoint: 'standard-webhooks',
    title: 'a valid Standard Webhooks message sent a second time (same webhook-id, within the window): answered 200 duplicate, nothing started',
    replay: true,
    build: (secrets = DEFAULT_SECRETS, nowMs = Date.now()) => {
      const { body, headers } = signedEvent('standard-webhooks', secrets, nowMs);
      return { method: 'POST', headers, body };
    },
    expect: { statuses: [200], codes: ['duplicate'] },
  }),

  // --- what only an HTTP server sees
  c({ id: 'content-length-duplicate', group: 'http', layer: 'http', endpoint: 'scalefusion', title: 'two different Content-Length headers', build: changedEvent('scalefusion', (r) => void r.headers.push(['Content-Length', String(r.body.length)], ['Content-Length', String(r.body.length + 1)])), expect: { statuses: [400] } }),
  c({ id: 'content-length-and-chunked', group: 'http', layer: 'http', endpoint: 'generic-prefixed', title: 'Content-Length and Transfer-Encoding: chunked together (smuggling shape)', build: changedEvent('generic-prefixed', (r) => void r.headers.push(['Content-Length', '5'], ['Transfer-Encoding', 'chunked'])), expect: { statuses: [400] } }),
  c({ id: 'host-missing', group: 'http', layer: 'http', endpoint: 'scalefusion', title: 'an HTTP/1.1 request without Host', build: changedEvent('scalefusion', (r) => void (r.omit = ['host'])), expect: { statuses: [400] } }),
  c({ id: 'method-get', group: 'http', layer: 'http', endpoint: 'scalefusion', title: 'GET instead of POST, with a signed body', build: changedEvent('scalefusion', (r) => void (r.method = 'GET')), expect: { statuses: [404, 405] } }),

  // --- slow-loris uploads
  c({
    id: 'slow-loris-body',
    group: 'slow-loris',
    layer: 'http',
    endpoint: 'scalefusion',
    title: 'a valid signed event whose body drips in at 1 byte a second',
    build: changedEvent('scalefusion', (r) => void (r.delivery = { slowLoris: { bytesPerTick: 1, tickMs: 1000, totalMs: 75_000, part: 'body' } })),
    expect: { statuses: [408] },
  }),
  c({
    id: 'slow-loris-headers',
    group: 'slow-loris',
    layer: 'http',
    endpoint: 'inhand-dm',
    title: 'a valid signed alert whose headers drip in at 2 bytes a second',
    build: changedEvent('inhand-dm', (r) => void (r.delivery = { slowLoris: { bytesPerTick: 2, tickMs: 1000, totalMs: 150_000, part: 'all' } })),
    expect: { statuses: [408] },
  }),
];

/**
 * Where an implementation is known NOT to hold a case yet (found by this suite; see the report). Runners
 * assert that the gap is still there — so fixing it turns the test red until the entry is removed — and
 * record the case as not held. Set DEVICEHOOK_STRICT_HARDENING=1 to treat them as plain failures.
 */
export const KNOWN_GAPS: Readonly<Record<string, { runtimes: ReadonlyArray<'core' | 'node-red' | 'n8n'>; finding: string }>> = {
  // Empty: the suite's findings (no nesting limit, invalid UTF-8 accepted, Content-Type ignored, control
  // characters from device data in headers, no replay check in Node-RED) are fixed. A new finding goes here
  // with the runtimes it affects, until fixed.
};

export function knownGap(caseId: string, runtime: 'core' | 'node-red' | 'n8n'): string | undefined {
  if (process.env.DEVICEHOOK_STRICT_HARDENING === '1') return undefined;
  const gap = KNOWN_GAPS[caseId];
  return gap && gap.runtimes.includes(runtime) ? gap.finding : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Outbound: placeholder injection
// ---------------------------------------------------------------------------------------------------

/**
 * A device value (ICCID, IMSI, IP: attacker-influenced, they come from the event) put into a URL or
 * header template of `deliver()`. `url` and `headers` are templates; `{origin}` (http://host:port) and
 * `{host}` (host:port) are replaced by the runner's receiver.
 */
export interface PlaceholderCase {
  id: string;
  title: string;
  url: string;
  headers?: Record<string, string>;
  values: { iccid?: string; imsi?: string; ip?: string };
  expect:
    | { kind: 'delivered'; pathname: string; search?: string; headers?: Record<string, string> }
    /** prepareDelivery refuses the configuration before anything is sent. */
    | { kind: 'refused'; message: RegExp };
}

export const PLACEHOLDER_CASES: readonly PlaceholderCase[] = [
  { id: 'placeholder-crlf-header', title: 'CR LF + a header line in a value bound for a header', url: '{origin}/d', headers: { 'X-Device-IP': ':ip:' }, values: { ip: '10.0.0.1\r\nX-Injected: 1' }, expect: { kind: 'delivered', pathname: '/d', headers: { 'x-device-ip': '10.0.0.1X-Injected: 1' } } },
  { id: 'placeholder-lf-header', title: 'a bare LF + Set-Cookie in a header value', url: '{origin}/d', headers: { 'X-Imsi': 'imsi=:imsi:' }, values: { imsi: '9014\nSet-Cookie: a=b' }, expect: { kind: 'delivered', pathname: '/d', headers: { 'x-imsi': 'imsi=9014Set-Cookie: a=b' } } },
  { id: 'placeholder-nul-header', title: 'a NUL byte in a header value', url: '{origin}/d', headers: { 'X-Iccid': ':iccid:' }, values: { iccid: '8988\u0000evil' }, expect: { kind: 'delivered', pathname: '/d', headers: { 'x-iccid': '8988evil' } } },
  { id: 'placeholder-control-char-header', title: 'other control characters (U+0001, U+007F) in a header value', url: '{origin}/d', headers: { 'X-Imsi': ':imsi:' }, values: { imsi: '9014\u0001\u007f05' }, expect: { kind: 'delivered', pathname: '/d', headers: { 'x-imsi': '901405' } } },
  { id: 'placeholder-non-latin1-header', title: 'a character beyond Latin-1 (€) in a header value', url: '{origin}/d', headers: { 'X-Ip': ':ip:' }, values: { ip: '10.0.0.1\u20ac' }, expect: { kind: 'delivered', pathname: '/d' } },
  { id: 'placeholder-crlf-template', title: 'CR LF written in the header template itself', url: '{origin}/d', headers: { 'X-Note': 'a\r\nX-Injected: 1' }, values: {}, expect: { kind: 'refused', message: /CR, LF/ } },
  { id: 'placeholder-crlf-url', title: 'CR LF + a Host line in a value bound for the URL', url: '{origin}/d/:iccid:', values: { iccid: 'x\r\nHost: evil.example' }, expect: { kind: 'delivered', pathname: '/d/x%0D%0AHost%3A%20evil.example' } },
  { id: 'placeholder-dot-dot-slash', title: '"../../admin" in a path segment', url: '{origin}/devices/:iccid:/alert', values: { iccid: '../../admin' }, expect: { kind: 'delivered', pathname: '/devices/..%2F..%2Fadmin/alert' } },
  { id: 'placeholder-dot-dot', title: 'a value of exactly ".."', url: '{origin}/devices/:iccid:/alert', values: { iccid: '..' }, expect: { kind: 'delivered', pathname: '/devices/none/alert' } },
  { id: 'placeholder-backslash', title: '"..\\..\\admin" (WHATWG reads \\ as / in http URLs)', url: '{origin}/devices/:iccid:', values: { iccid: '..\\..\\admin' }, expect: { kind: 'delivered', pathname: '/devices/..%5C..%5Cadmin' } },
  { id: 'placeholder-at-host', title: '"@evil.example" to turn the host into userinfo', url: '{origin}/:ip:', values: { ip: '@evil.example/x' }, expect: { kind: 'delivered', pathname: '/%40evil.example%2Fx' } },
  { id: 'placeholder-at-host-userinfo', title: '"x@evil.example:80" in a template\'s userinfo (http://:iccid:@host/)', url: 'http://:iccid:@{host}/d', values: { iccid: 'x@evil.example:80' }, expect: { kind: 'delivered', pathname: '/d' } },
  { id: 'placeholder-hash', title: '"#" to cut the rest of the URL off as a fragment', url: '{origin}/d/:iccid:?imsi=:imsi:', values: { iccid: 'a#frag', imsi: '1' }, expect: { kind: 'delivered', pathname: '/d/a%23frag', search: '?imsi=1' } },
  { id: 'placeholder-query', title: '"&admin=1" and "?" to add query parameters', url: '{origin}/d?ip=:ip:', values: { ip: '1.2.3.4&admin=1?x=y' }, expect: { kind: 'delivered', pathname: '/d', search: '?ip=1.2.3.4%26admin%3D1%3Fx%3Dy' } },
  { id: 'placeholder-percent-encoded-dots', title: '"%2e%2e%2f" already percent-encoded', url: '{origin}/d/:iccid:', values: { iccid: '%2e%2e%2fadmin' }, expect: { kind: 'delivered', pathname: '/d/%252e%252e%252fadmin' } },
  { id: 'placeholder-lone-surrogate', title: 'a lone UTF-16 surrogate (encodeURIComponent would throw)', url: '{origin}/d/:iccid:', values: { iccid: 'a\ud800b' }, expect: { kind: 'delivered', pathname: '/d/a%EF%BF%BDb' } },
];

// ---------------------------------------------------------------------------------------------------
// sendRaw: exactly these bytes over node:net
// ---------------------------------------------------------------------------------------------------

export interface RawResponse {
  /** Undefined when no answer came (connection closed or reset first, or the timeout). */
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The answer's JSON body, when it is JSON. */
  json?: unknown;
  /** ms from connect to the first response byte, and to the end. */
  firstByteMs?: number;
  totalMs: number;
  /** Bytes of the request actually written before the answer (or the end). */
  bytesSent: number;
  error?: string;
}

export interface SendOptions {
  /** Overall limit; default 30 s, or the slow-loris totalMs + 30 s. */
  timeoutMs?: number;
  secrets?: SecretSet;
  nowMs?: number;
  /**
   * Write as fast as possible, never pausing to listen for an early answer. A server that refuses an
   * upload early and closes at once may then be heard only as a reset (EPIPE / ECONNRESET).
   */
  eager?: boolean;
}

function encodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  const size = 64 * 1024;
  for (let at = 0; at < body.length; at += size) {
    const chunk = body.subarray(at, at + size);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** The request's bytes, split into head and body as they go on the wire. */
export function wireBytes(url: URL, request: RawRequest): { head: Buffer; body: Buffer } {
  const has = (name: string) => request.headers.some(isNamed(name));
  const omit = new Set(request.omit ?? []);
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`];
  if (!has('host') && !omit.has('host')) lines.push(`Host: ${url.host}`);
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  const chunked = request.headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  if (!has('content-length') && !chunked && !omit.has('content-length')) lines.push(`Content-Length: ${request.body.length}`);
  // No Connection: close: a keep-alive request, as vendors' HTTP clients send; the socket is closed once the answer is read.
  // latin1: header values go out byte for byte (a test may put any byte there).
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { head, body: chunked ? encodeChunked(request.body) : request.body };
}

interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Parses the first final (non-1xx) response in `data`; undefined while incomplete (complete at close when `ended`). */
function parseResponse(data: Buffer, ended: boolean): ParsedResponse | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isFinite(status)) return undefined;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) {
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    const rest = data.subarray(bodyStart);
    if (headers['transfer-encoding'] && /chunked/i.test(headers['transfer-encoding'])) {
      const parts: Buffer[] = [];
      let at = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        if (lineEnd < 0) return ended ? { status, headers, body: Buffer.concat(parts) } : undefined;
        const size = Number.parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        if (!Number.isFinite(size)) return { status, headers, body: Buffer.concat(parts) };
        if (size === 0) return { status, headers, body: Buffer.concat(parts) };
        if (rest.length < lineEnd + 2 + size + 2) return ended ? { status, headers, body: Buffer.concat([...parts, rest.subarray(lineEnd + 2)]) } : undefined;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length >= length) return { status, headers, body: rest.subarray(0, length) };
      return ended ? { status, headers, body: rest } : undefined;
    }
    return ended ? { status, headers, body: rest } : undefined;
  }
}

/**
 * Sends one request over a fresh TCP connection, byte for byte as built (duplicate headers, any bytes in
 * the body, chunked or slow delivery), and reads the first final answer. Writing stops as soon as an
 * answer has arrived (a server that refuses a 10 MiB upload early is not made to swallow it). Never throws.
 *
 * @param url the endpoint's full URL (base URL + path), e.g. http://127.0.0.1:1880/hardening/scalefusion
 * @param input a built request, or a case (built with `options.secrets`, default {@link DEFAULT_SECRETS})
 */
export function sendRaw(url: string, input: RawRequest | BadInputCase, options: SendOptions = {}): Promise<RawResponse> {
  const request = 'build' in input ? input.build(options.secrets ?? DEFAULT_SECRETS, options.nowMs ?? Date.now()) : input;
  const target = new URL(url);
  const { head, body } = wireBytes(target, request);
  const slow = typeof request.delivery === 'object' ? request.delivery.slowLoris : undefined;
  const timeoutMs = options.timeoutMs ?? (slow ? slow.totalMs + 30_000 : 30_000);

  return new Promise<RawResponse>((resolve) => {
    const started = performance.now();
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let firstByteMs: number | undefined;
    let bytesSent = 0;
    let done = false;
    let answered: ParsedResponse | undefined;
    let error: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const socket = net.connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 80) });
    socket.setNoDelay(true);

    const finish = (ended: boolean) => {
      if (done) return;
      const all = Buffer.concat(received);
      const parsed = answered ?? parseResponse(all, ended);
      if (!parsed && !ended) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      socket.destroy();
      const response: RawResponse = { headers: parsed?.headers ?? {}, body: parsed?.body ?? all, totalMs: performance.now() - started, bytesSent };
      if (parsed) response.status = parsed.status;
      if (firstByteMs !== undefined) response.firstByteMs = firstByteMs;
      if (!parsed) response.error = error ?? (all.length > 0 ? `unparsable answer: ${all.subarray(0, 80).toString('latin1')}` : 'connection closed without an answer');
      if (parsed && /json/i.test(parsed.headers['content-type'] ?? '')) {
        try {
          response.json = JSON.parse(parsed.body.toString('utf8'));
        } catch {
          // not JSON after all
        }
      }
      resolve(response);
    };

    socket.on('data', (chunk: Buffer) => {
      firstByteMs ??= performance.now() - started;
      received.push(chunk);
      receivedBytes += chunk.length;
      const parsed = parseResponse(Buffer.concat(received), false);
      if (parsed) {
        answered = parsed;
        finish(true);
      } else if (receivedBytes > 1024 * 1024) {
        finish(true);
      }
    });
    socket.on('error', (err) => {
      error = `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim();
      // An answer already read (e.g. 413 before a reset) still counts.
      finish(true);
    });
    socket.on('close', () => finish(true));
    timers.push(
      setTimeout(() => {
        error = `no answer within ${timeoutMs} ms`;
        finish(true);
      }, timeoutMs),
    );

    /** Resolves after `ms`, or as soon as an answer has arrived. */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        const check = setInterval(() => (answered || done) && (clearTimeout(timer), clearInterval(check), resolve()), 2);
        timers.push(timer);
        setTimeout(() => clearInterval(check), ms + 5);
      });
    /**
     * Writes `data` in slices, respecting back-pressure, until done or an answer arrived. Unless
     * `options.eager`, it behaves like a client that listens for an early answer (as curl does for large
     * uploads with Expect: 100-continue): it waits a moment after the head of a large body and between
     * 64 KiB slices of it, so a server that refuses the upload and closes the connection at once is heard,
     * rather than the reset that follows such a close (a write after it fails with EPIPE and the answer,
     * already received, is lost with the socket).
     */
    const writeAll = async (data: Buffer, slice = 64 * 1024) => {
      for (let at = 0; at < data.length && !done && !answered; at += slice) {
        const part = data.subarray(at, at + slice);
        bytesSent += part.length;
        if (!socket.write(part)) await new Promise<void>((r) => (socket.once('drain', r), socket.once('close', r)));
        if (!options.eager && data.length > MiB) await pause(2);
      }
    };
    const drip = async (data: Buffer, loris: SlowLoris) => {
      for (let at = 0; at < data.length && !done && !answered; at += loris.bytesPerTick) {
        bytesSent += Math.min(loris.bytesPerTick, data.length - at);
        socket.write(data.subarray(at, at + loris.bytesPerTick));
        await new Promise((r) => setTimeout(r, loris.tickMs));
      }
    };

    socket.on('connect', () => {
      void (async () => {
        try {
          if (slow) {
            timers.push(
              setTimeout(() => {
                error = `slow-loris client gave up after ${slow.totalMs} ms without an answer`;
                finish(true);
              }, slow.totalMs),
            );
            if (slow.part === 'all') await drip(Buffer.concat([head, body]), slow);
            else {
              await writeAll(head);
              await drip(body, slow);
            }
          } else {
            await writeAll(head);
            if (!options.eager && body.length > MiB) await pause(100);
            await writeAll(body);
          }
        } catch (err) {
          error = (err as Error).message;
        }
      })();
    });
  });
}

/** The path each runner's endpoint would naturally use; runners may choose their own. */
export const pathOf = (endpoint: EndpointId, prefix = '/hardening'): string => `${prefix}/${endpoint}`;

export interface CaseRun {
  /** The first copy of a replay case (expected 2xx). */
  prime?: RawResponse;
  response: RawResponse;
}

/** Builds and sends a case to `url`; a replay case is sent twice (the first answer in `prime`). */
export async function runCase(url: string, testCase: BadInputCase, options: SendOptions = {}): Promise<CaseRun> {
  const request = testCase.build(options.secrets ?? DEFAULT_SECRETS, options.nowMs ?? Date.now());
  if (!testCase.replay) return { response: await sendRaw(url, request, options) };
  const prime = await sendRaw(url, request, options);
  return { prime, response: await sendRaw(url, request, options) };
}

/** Header list → the shape `verify` takes from Node: lower-case names, duplicates kept apart. */
export function headerRecord(headers: HeaderList): Record<string, string[]> {
  const record: Record<string, string[]> = Object.create(null); // a header may be called "constructor" or "__proto__"
  for (const [name, value] of headers) (record[name.toLowerCase()] ??= []).push(value);
  return record;
}

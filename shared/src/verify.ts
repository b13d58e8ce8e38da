/**
 * `verify`: checks a received webhook the way its vendor signs it, parses it and normalizes it.
 * Pure module: no I/O, no timers; never throws on bad input.
 */
import { HeaderView, headerLookup, type HeaderInput, type HeaderLookup } from './headers';
import { duplicateKey } from './replay-store';
import { refuse, truncate } from './results';
import { secretsProblem, usableSecretsShared } from './secrets';
import type { Authentication, EventTypeInfo, SchemeOptions, SchemeVerifyInput, VendorProfile, VerifyFailure, VerifyOptions, VerifyResult } from './types';
import { getVendor, vendorIds } from './vendors/index';
import { surePassOf } from './vendors/profile-kit';

/**
 * Deeper than this, a body is refused — before any signature work, since it is checked on the raw bytes
 * right after the size cap. 128: the vendors' own payloads nest 3–5 levels, hand-built Standard Webhooks
 * and generic-HMAC payloads rarely pass 20, and every consumer downstream (Node-RED's message cloning and
 * debug sidebar, n8n's execution data, expression engines) walks the tree recursively, so a limit far
 * below Python's 1000 costs no real sender anything and keeps those walks shallow.
 */
export const MAX_NESTING = 128;

/** `application/json` or any `+json` type (parameters such as charset aside). */
function isJsonMediaType(value: string): boolean {
  if (value === 'application/json') return true;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * True when arrays/objects nest deeper than `limit` (brackets inside strings do not count). Reads the
 * UTF-8 bytes: every byte of a multi-byte character is >= 0x80, so the ASCII brackets, quotes and
 * backslashes are found without decoding. One pass, no allocation.
 */
function nestsDeeperThan(bytes: Uint8Array, limit: number): boolean {
  if (bytes.length <= limit) return false; // each level takes at least one byte
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * False when the body cannot nest deeper than `limit`: it holds at most `limit` opening brackets (counted
 * anywhere, strings included, so never too few). Buffer.indexOf skips between them natively, so the common
 * body with a few dozen brackets costs a few dozen calls instead of a JavaScript loop over every byte; a body
 * with more brackets than that is left to {@link nestsDeeperThan}. At most `2 × (limit + 1)` calls.
 */
function mayNestDeeperThan(bytes: Buffer, limit: number): boolean {
  if (bytes.length <= limit) return false;
  let count = 0;
  for (let at = bytes.indexOf(0x7b); at !== -1; at = bytes.indexOf(0x7b, at + 1)) if (++count > limit) return true;
  for (let at = bytes.indexOf(0x5b); at !== -1; at = bytes.indexOf(0x5b, at + 1)) if (++count > limit) return true;
  return false;
}

/** 1 MiB: far above any vendor's alert, far below what hurts a small machine. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Five minutes each way, as Standard Webhooks recommends. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Input of {@link verify}. */
export interface VerifyInput {
  /** A vendor id: `inhand-dm`, `incloud-manager`, `edgesense`, `1nce`, `scalefusion`, `standard-webhooks`, `generic-hmac`. */
  vendor: string;
  /** The exact bytes received. A string is taken as UTF-8. Never a re-serialized object. */
  rawBody: Buffer | Uint8Array | string;
  /** Request headers as Node gives them (any case, string or string[]), or a `Headers` instance. */
  headers: HeaderInput;
  /**
   * The secret, or several during a rotation (any may match). Empty, absent, or a `${NAME}` text whose
   * variable was never set: every request is refused with `not_configured` (503), unless
   * `options.allowUnauthenticated` is on (then nothing is checked; never for an unresolved `${NAME}`).
   */
  secrets?: string | readonly string[];
  options?: VerifyOptions;
}

/**
 * Verifies, parses and normalizes one webhook request.
 *
 * Checks, in order: the options, that a secret is set (fails closed), the body size and nesting depth
 * (before hashing or parsing), the signature or authentication header against each secret, timestamps where
 * the scheme has them, the JSON, the field that holds the event type, the payload schema, and — with
 * `options.replayStore` — that the message id is new (a repeat is `duplicate`, status 200: the sender
 * must stop retrying, but nothing should start).
 *
 * @returns `{ ok: true, event, authentication }`, or `{ ok: false, status, code, message }` where
 *   `status` is the HTTP status to answer and `message` tells the sender or the user what to fix.
 * @example
 * const result = verify({ vendor: 'scalefusion', rawBody: req.body, headers: req.headers, secrets: process.env.SF_SECRET });
 * if (!result.ok) return res.status(result.status).send(result.message);
 * console.log(result.event.type, result.event.device.name);
 */
export function verify(input: VerifyInput): VerifyResult {
  try {
    return verifyUnsafe(input);
  } catch (error) {
    // Every expected problem is answered above; this is the last guard of "never throws".
    return uncheckable(error);
  }
}

/**
 * The refusal for a request whose body could not be read at all (a host framework consumed the stream,
 * as n8n does with multipart bodies, or the client went away): 415 when its Content-Type is not JSON,
 * since no vendor sends anything else, otherwise 400. For adapters, so that such a request is answered
 * like any other refusal instead of becoming a server error.
 */
export function refuseUnreadableBody(headers: HeaderInput, vendorLabel?: string): VerifyFailure {
  const mediaType = headerLookup(headers).get('content-type');
  if (mediaType !== undefined && !isJsonMediaType(mediaType)) {
    // Worded as verify() words it for a body it could read, so every host answers the same request alike.
    const who = vendorLabel === undefined ? 'webhooks are sent as' : `${vendorLabel} sends`;
    return refuse('unsupported_media_type', `Content-Type ${truncate(mediaType, 80)} is not JSON; ${who} application/json.`);
  }
  return refuse('invalid_input', 'The request body could not be read.');
}

/** What {@link verifySignature} establishes: who sent the bytes, before anything is parsed. */
export interface SignatureCheck {
  ok: true;
  authentication: Authentication;
  /** The scheme's message id (Standard Webhooks `webhook-id`), for replay checks. */
  messageId?: string;
}

/**
 * Only the authenticity half of {@link verify}: the size cap, the signature (or authentication header)
 * against each secret, and timestamps where the scheme has them — no JSON parsing, type or schema
 * check. For callers that parse the body themselves; `verify` runs exactly this first.
 * Never throws.
 */
export function verifySignature(input: VerifyInput): SignatureCheck | VerifyFailure {
  try {
    const checked = checkSignature(input);
    if ('ok' in checked) return checked;
    const check: SignatureCheck = { ok: true, authentication: checked.authentication };
    if (checked.messageId !== undefined) check.messageId = checked.messageId;
    return check;
  } catch (error) {
    return uncheckable(error);
  }
}

/** Options when none are given: shared, never written to. */
const NO_OPTIONS: VerifyOptions = Object.freeze({});
const NO_SCHEME_OPTIONS: SchemeOptions = Object.freeze({});

/**
 * What a scheme reads (a {@link SchemeVerifyInput}): one object per request, its text decoded on first
 * read and kept. A class, so that no getter or closure is made per request.
 */
class SchemeInput implements SchemeVerifyInput {
  private decoded: string | undefined = undefined;

  constructor(
    readonly rawBody: Buffer,
    readonly headers: HeaderLookup,
    readonly secrets: string[],
    readonly options: SchemeOptions,
    readonly toleranceSeconds: number,
    readonly nowMs: number,
  ) {}

  get text(): string {
    let decoded = this.decoded;
    if (decoded === undefined) decoded = this.decoded = this.rawBody.toString('utf8');
    return decoded;
  }
}

/** A request whose signature was checked (or needed none), with what verify needs to go on. */
interface CheckedRequest {
  profile: VendorProfile;
  authentication: Authentication;
  messageId: string | undefined;
  request: SchemeInput;
}

/** Checks everything up to and including the signature; a {@link VerifyFailure} (ok: false) when refused. */
function checkSignature(input: VerifyInput): CheckedRequest | VerifyFailure {
  if (input === null || typeof input !== 'object') return refuse('invalid_input', 'verify() takes an object: { vendor, rawBody, headers, secrets }.');
  const profile = getVendor(String(input.vendor));
  if (!profile) {
    return refuse('invalid_input', `Unknown vendor "${truncate(String(input.vendor), 40)}"; use one of: ${vendorIds.join(', ')}.`);
  }
  let options = input.options;
  if (options === undefined || options === null) options = NO_OPTIONS; // as `?? {}` did
  else {
    const invalid = invalidOptions(options);
    if (invalid) return invalid;
  }
  const found = usableSecretsShared(input.secrets);
  if (found.secrets.length === 0) {
    const unconfigured = secretsProblem(found, profile.label, options.allowUnauthenticated === true);
    if (unconfigured) return unconfigured;
  }
  const rawBody = toBuffer(input.rawBody);
  if (rawBody === undefined) {
    return refuse(
      'invalid_input',
      'rawBody must be the request bytes (Buffer or string). Got a parsed object: verify the raw body, not req.body after a JSON parser.',
    );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (rawBody.length > maxBytes) {
    // The same words whether the size is known or not: a host that stops reading at the limit (Node-RED's
    // raw capture, a chunked body) cannot know it, and every host answers alike.
    return refuse('body_too_large', `The body is over the ${maxBytes}-byte limit.`);
  }
  // Before any signature work: a scheme that re-serializes the body walks its nesting.
  if (mayNestDeeperThan(rawBody, MAX_NESTING) && nestsDeeperThan(rawBody, MAX_NESTING)) {
    return refuse('too_deeply_nested', `The body nests arrays or objects more than ${MAX_NESTING} levels deep.`);
  }

  const secrets = found.secrets as string[];
  const schemeOptions = options.scheme ?? NO_SCHEME_OPTIONS;
  const request = new SchemeInput(
    rawBody,
    new HeaderView(input.headers),
    secrets,
    schemeOptions,
    options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    options.now ?? Date.now(),
  );

  let authentication: Authentication = 'no_secret';
  let messageId: string | undefined;
  if (secrets.length > 0) {
    const checked = profile.scheme.verify(request);
    if (checked.ok) {
      authentication = 'verified';
      messageId = checked.messageId;
    } else if ('unsigned' in checked) {
      if (!options.allowUnsigned) {
        const where = profile.scheme.signatureHeaders(schemeOptions).join(', ');
        return refuse('signature_missing', `The request carries no signature (${where}) but a secret is set. Unsigned requests are refused unless allowed.`);
      }
      authentication = 'unsigned_allowed';
    } else {
      return checked;
    }
  }
  return { profile, authentication, messageId, request };
}

function verifyUnsafe(input: VerifyInput): VerifyResult {
  const checked = checkSignature(input);
  if ('ok' in checked) return checked;
  const { profile, authentication, messageId, request } = checked;
  const headers = request.headers;
  const nowMs = request.nowMs;
  const text = request.text;
  const options = input.options ?? NO_OPTIONS;
  const schemeOptions = request.options;

  const mediaType = headers.get('content-type');
  if (mediaType !== undefined && !isJsonMediaType(mediaType)) {
    return refuse('unsupported_media_type', `Content-Type ${truncate(mediaType, 80)} is not JSON; ${profile.label} sends application/json.`);
  }
  // Decoding replaced invalid UTF-8 with U+FFFD; only then is the slower exact check needed.
  if (text.includes('\ufffd') && !Buffer.from(text, 'utf8').equals(request.rawBody)) {
    return refuse('invalid_encoding', 'The body is not valid UTF-8.');
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = text.length === 0 ? 'the body is empty' : (error as Error).message;
    return refuse('invalid_json', `The body is not valid JSON: ${detail}.`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return refuse('not_an_object', `The body must be a JSON object; got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}.`);
  }
  const raw = body as Record<string, unknown>;

  const type = profile.typeOf(raw, headers, schemeOptions);
  if (type === undefined || type === '') {
    const where = schemeOptions.typeHeader ? `header ${schemeOptions.typeHeader}` : `field "${schemeOptions.typeField ?? profile.typeField}"`;
    return refuse('type_missing', `The body has no event type: ${profile.label} puts it in the ${where}, as a string.`);
  }

  const schema = options.strictSchema ? profile.schema.strict : profile.schema.lenient;
  // The hand-written test answers for the accepted body; zod decides (and words) everything else.
  const surePass = surePassOf(schema);
  if (surePass === undefined || !surePass(raw)) {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return schemaFailure(profile.label, parsed.error.issues);
  }

  const fields = profile.normalize(raw, headers);
  let typeLabel = type;
  const eventTypes = profile.eventTypes;
  for (let e = 0; e < eventTypes.length; e++) {
    const entry = eventTypes[e] as EventTypeInfo;
    if (entry.value === type) {
      typeLabel = entry.label;
      break;
    }
  }
  const event = { vendor: profile.id, type, typeLabel, ...fields, raw };

  if (options.replayStore) {
    const id = messageId ?? event.id;
    if (id === undefined) return refuse('message_id_missing', 'Duplicate detection is on, but the request carries no message id.');
    const horizonSeconds = options.duplicateHorizonSeconds ?? profile.duplicates.horizonSeconds;
    if (options.replayStore.checkAndRemember(duplicateKey(profile.id, id), nowMs + horizonSeconds * 1000)) return duplicateOf(id);
  }
  return { ok: true, event, authentication };
}

/** The answer to a message id received before: 200, so the sender stops retrying; nothing is started. */
export function duplicateOf(id: string): VerifyFailure {
  return refuse('duplicate', `Message ${truncate(id, 80)} was already received; this copy is not processed again.`);
}

/** Names of the options that must be positive, finite numbers when given. */
const POSITIVE_OPTIONS = ['maxBytes', 'toleranceSeconds', 'now', 'duplicateHorizonSeconds'] as const;

/**
 * The refusal (`invalid_input`) for options that would silently turn a check off — a tolerance, clock,
 * size or horizon that is not a positive finite number (e.g. `Number(process.env.X)` of an unset
 * variable is NaN) — or undefined when the options are fine.
 */
export function invalidOptions(options: unknown): VerifyFailure | undefined {
  if (options === null || typeof options !== 'object') return refuse('invalid_input', 'options must be an object.');
  const record = options as Record<string, unknown>;
  for (const name of POSITIVE_OPTIONS) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      return refuse('invalid_input', `options.${name} must be a positive number; got ${truncate(typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value), 40)}.`);
    }
  }
  const store = record['replayStore'];
  if (store !== undefined && (store === null || typeof (store as { checkAndRemember?: unknown }).checkAndRemember !== 'function')) {
    return refuse('invalid_input', 'options.replayStore must have a checkAndRemember(key, expiresAtMs) method.');
  }
  return undefined;
}

/** The last guard of "never throws": any unexpected error becomes a 400 that says what happened. */
function uncheckable(error: unknown): VerifyFailure {
  return refuse('invalid_input', `The request could not be checked: ${error instanceof Error ? error.message : String(error)}`);
}

function toBuffer(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return undefined;
}

interface SchemaIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
  keys?: string[];
}

function schemaFailure(label: string, issues: readonly SchemaIssue[]): VerifyFailure {
  const described = issues.slice(0, 3).map((issue) => {
    const field = issue.path.map(String).join('.') || '(body)';
    if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${[...issue.path.map(String), k].join('.')}"`).join(', ')}`;
    return `field "${field}": ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return refuse('schema_invalid', `The body does not match the ${label} payload: ${described.join('; ')}${more}.`);
}

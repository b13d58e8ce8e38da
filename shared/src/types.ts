/**
 * The shapes shared by every module: the normalized event, verification results, signature schemes,
 * retry policies and vendor profiles. Types only.
 */
import type { ZodType } from 'zod';
import type { HeaderLookup } from './headers';

/** Identifiers of the built-in vendor profiles. */
export type VendorId =
  | 'inhand-dm'
  | 'incloud-manager'
  | 'edgesense'
  | '1nce'
  | 'scalefusion'
  | 'standard-webhooks'
  | 'generic-hmac';

/** The device an event is about; a field is absent when the vendor does not send it. */
export interface EventDevice {
  id?: string;
  name?: string;
  serialNumber?: string;
  iccid?: string;
  imsi?: string;
  ip?: string;
}

/** One shape for every vendor's event. Fields are absent where the vendor has none. */
export interface NormalizedEvent {
  vendor: VendorId;
  /** The vendor's event or alert type, e.g. `offline`, `TELEMETRY_DATA`, `device.enrolled`. */
  type: string;
  /** A human label from the vendor's catalogue; the type itself when the type is not catalogued. */
  typeLabel: string;
  /** The vendor's id for this event or message. */
  id?: string;
  /** When it happened, as an ISO 8601 string where the vendor's value could be read as a time. */
  occurredAt?: string;
  device: EventDevice;
  /** A human-readable text the vendor sends with the event. */
  message?: string;
  /** The parsed body, untouched. */
  raw: Record<string, unknown>;
}

/** One entry of a vendor's event-type catalogue, ready for a dropdown. */
export interface EventTypeInfo {
  value: string;
  label: string;
  description: string;
}

/** Machine-readable reasons `verify` gives for refusing a request. */
export type VerifyFailureCode =
  | 'invalid_input'
  | 'body_too_large'
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_mismatch'
  | 'timestamp_missing'
  | 'timestamp_invalid'
  | 'timestamp_out_of_window'
  | 'message_id_missing'
  | 'duplicate'
  | 'not_configured'
  | 'request_timeout'
  | 'source_not_allowed'
  | 'unsupported_media_type'
  | 'invalid_encoding'
  | 'too_deeply_nested'
  | 'invalid_json'
  | 'not_an_object'
  | 'type_missing'
  | 'schema_invalid'
  | 'processing_failed'
  | 'processing_timeout';

/**
 * A request that was not accepted: the HTTP status to answer, a stable code, and a message that says what
 * to fix. `duplicate` is the one code answered 200 (the sender must stop retrying) that still starts nothing.
 */
export interface VerifyFailure {
  ok: false;
  status: number;
  code: VerifyFailureCode;
  message: string;
  /** For `signature_mismatch`: what most likely went wrong. */
  hint?: 'body_reserialized' | 'secret_or_body';
}

/**
 * How the request's authenticity was established: `verified` (a secret matched), `unsigned_allowed`
 * (no signature, and `allowUnsigned` is on), `no_secret` (no secret is set and `allowUnauthenticated` is on).
 */
export type Authentication = 'verified' | 'unsigned_allowed' | 'no_secret';

/** An accepted request. */
export interface VerifySuccess {
  ok: true;
  event: NormalizedEvent;
  authentication: Authentication;
}

export type VerifyResult = VerifySuccess | VerifyFailure;

/** Remembers message ids to refuse replays. Synchronous so n8n static data or a Map can back it. */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAtMs` and returns false, or returns true when `key` was already
   * recorded and has not expired.
   */
  checkAndRemember(key: string, expiresAtMs: number): boolean;
}

/** Options of `verify`. */
export interface VerifyOptions {
  /**
   * Accept requests when no usable secret is set, without checking anything. Off by default: with no
   * secret every request is refused with `not_configured` (503).
   */
  allowUnauthenticated?: boolean;
  /** Accept a request without a signature even though a secret is set. Off by default. */
  allowUnsigned?: boolean;
  /** Largest body accepted, checked before hashing or parsing; a positive whole number. @defaultValue 1 MiB */
  maxBytes?: number;
  /** Timestamp window each way, in seconds, for schemes that carry a timestamp; positive. @defaultValue 300 */
  toleranceSeconds?: number;
  /**
   * Answers a message id seen before (Standard Webhooks `webhook-id`, else the event id) as `duplicate`
   * (200, nothing started), remembering ids for `duplicateHorizonSeconds`.
   */
  replayStore?: ReplayStore;
  /** How long ids are remembered, in seconds; positive. @defaultValue the vendor's `duplicates.horizonSeconds` */
  duplicateHorizonSeconds?: number;
  /** Also refuse unknown fields (vendors add fields, so this is off by default). */
  strictSchema?: boolean;
  /** The clock, in ms since the epoch (positive); for tests and old captures. */
  now?: number;
  /** Scheme settings (generic HMAC, 1NCE header name, ...). */
  scheme?: SchemeOptions;
}

/** Settings of a configurable scheme. Each scheme reads the keys it knows. */
export interface SchemeOptions {
  /** Generic HMAC: digest algorithm. @defaultValue 'sha256' */
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  /** Generic HMAC: how the MAC is written. @defaultValue 'hex' */
  encoding?: 'hex' | 'base64';
  /** Generic HMAC: the signature header. 1NCE: the static authentication header. */
  header?: string;
  /** Generic HMAC: text before the signature, e.g. `sha256=`. */
  prefix?: string;
  /** Generic HMAC: what is signed. @defaultValue 'body' */
  signedContent?: 'body' | 'timestamp.body';
  /** Generic HMAC: the header carrying the Unix timestamp (seconds) when `signedContent` is `timestamp.body`. */
  timestampHeader?: string;
  /** Generic HMAC: where the event type is read, as a dotted path in the body. @defaultValue 'type' */
  typeField?: string;
  /** Generic HMAC: or read the event type from this header (GitHub's `X-GitHub-Event`, say). */
  typeHeader?: string;
}

/** Input of a scheme's verification. */
export interface SchemeVerifyInput {
  rawBody: Buffer;
  /** The body decoded as UTF-8 (decoded on first read, once). */
  readonly text: string;
  headers: HeaderLookup;
  secrets: string[];
  options: SchemeOptions;
  toleranceSeconds: number;
  nowMs: number;
}

/** What a scheme found. `messageId` feeds the replay check. */
export type SchemeVerifyResult =
  | { ok: true; messageId?: string }
  | { ok: false; unsigned: true }
  | VerifyFailure;

/** Input of a scheme's signing. */
export interface SchemeSignInput {
  /** The body text to send. */
  text: string;
  /** True when `text` was serialized the vendor's way by us, so a scheme need not re-serialize it. */
  textIsVendorForm?: boolean;
  secret: string;
  options: SchemeOptions & SignOptions;
  nowMs: number;
}

/** Options of `sign`. */
export interface SignOptions extends SchemeOptions {
  /** Standard Webhooks: the message id. @defaultValue a random UUID-based id */
  messageId?: string;
  /** Unix time in seconds for schemes with a timestamp. @defaultValue now */
  timestamp?: number;
  /** The clock, in ms since the epoch; for tests. */
  now?: number;
}

/** The settings (keys of {@link SchemeOptions}) a scheme reads; editors and credentials offer only these. */
export type SchemeSetting = keyof SchemeOptions;

/**
 * A vendor's signature scheme: how a request is signed and checked, and what it can do beyond that.
 * Every scheme-dependent decision of sending and receiving reads a capability here, never a vendor name.
 */
export interface SignatureScheme {
  /** A short description, e.g. "HMAC-SHA256, base64, header X-Signature, over Python json.dumps of the body". */
  readonly description: string;
  /** Lower-case names of the headers this scheme sets; delivery refuses templates that override them. */
  signatureHeaders(options: SchemeOptions): string[];
  /**
   * The scheme carries a message id that receivers de-duplicate on (Standard Webhooks' `webhook-id`):
   * delivery mints one per delivery and keeps it across retries and restarts; a caller may set it.
   */
  readonly keepsMessageIdAcrossRetries: boolean;
  /**
   * The scheme asks receivers to refuse repeated message ids (Standard Webhooks does): the default of a
   * profile's `duplicates.onByDefault`, which `host/receiver.ts` `createReceiver` applies.
   */
  readonly needsReplayProtection: boolean;
  /**
   * The header that may carry one signature per secret, space-separated, all over the same timestamp
   * (Standard Webhooks' `webhook-signature`); undefined when a request is signed with one secret only.
   */
  readonly signatureListHeader?: string;
  /** The scheme settings this scheme reads (generic HMAC: its layout; 1NCE: the header name); empty when fixed. */
  readonly settings: readonly SchemeSetting[];
  /** What a setting is when not given (or empty): the scheme applies these itself, editors show them. */
  readonly defaults?: Readonly<SchemeOptions>;
  verify(input: SchemeVerifyInput): SchemeVerifyResult;
  /** Returns the bytes to send (the scheme may add to the body, as EdgeSense does) and the headers. */
  sign(input: SchemeSignInput): { text: string; headers: Record<string, string> };
}

/** When and how often a failed delivery is tried again. Plain data. */
export interface RetryPolicy {
  id: string;
  label: string;
  /** Where the numbers come from, and what is assumed. */
  description: string;
  /** Delay before each retry, in ms; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** Each delay varies by up to this fraction either way. */
  jitterRatio: number;
  /** Retry after a timeout or a connection reset. */
  retryOnNetworkError: boolean;
  /** Retry when the receiver cannot be reached at all (DNS failure, connection refused). */
  retryOnUnreachable: boolean;
  /** HTTP statuses that are retried. */
  retryStatuses: readonly number[];
  /** After this many failed deliveries in a row the vendor marks the endpoint failed (undefined: never). */
  failEndpointAfter?: number;
  /** True where the vendor documents the policy, false where we assumed it. */
  documented: boolean;
}

/**
 * How a vendor's repeated deliveries are recognised. Plain data.
 */
export interface DuplicatePolicy {
  /**
   * How long a received id is remembered, in seconds: at least the vendor's whole retry schedule (jitter
   * included), so a retry of a delivery whose answer got lost is still recognised.
   */
  horizonSeconds: number;
  /**
   * Answer repeated ids as duplicates unless turned off: the scheme's `needsReplayProtection` (each vendor
   * file sets it from there). Read by `host/receiver.ts` `createReceiver`.
   */
  onByDefault: boolean;
}

/**
 * How long the vendor waits for an answer before it counts the delivery as failed (and retries). Plain
 * data, read by `host/processing.ts` for the "answer when the flow has finished" mode, whose timeout
 * must end before the vendor gives up.
 */
export interface AnswerDeadline {
  /** The vendor's wait, in milliseconds. */
  ms: number;
  /** True when the vendor's page states it; false when it is our assumption (docs/vendors.md). */
  documented: boolean;
}

/** Everything known about one vendor, as data plus the few functions it needs. */
export interface VendorProfile {
  id: VendorId;
  label: string;
  /** Other names users search for. */
  aliases: readonly string[];
  description: string;
  scheme: SignatureScheme;
  /** Where in the body the event type lives (dotted path), for display and routing. */
  typeField: string;
  eventTypes: readonly EventTypeInfo[];
  /** Payload schema; unknown fields pass unless `strict`. */
  schema: { lenient: ZodType; strict: ZodType };
  /** The lenient schema as JSON Schema (draft 2020-12). */
  jsonSchema: Record<string, unknown>;
  /** A realistic body for every catalogued event type. */
  samples: Readonly<Record<string, Record<string, unknown>>>;
  retryPolicy: RetryPolicy;
  /** Answering repeats of a message id as duplicates: how long ids are kept, and whether the scheme requires it. */
  duplicates: DuplicatePolicy;
  /** How long the vendor waits for an answer (documented or assumed). */
  answerDeadline: AnswerDeadline;
  /** How this vendor serializes the bodies it sends: Python's json.dumps style or compact. */
  bodyStyle: 'python' | 'compact';
  /**
   * The addresses the vendor documents its webhooks come from (IPv4/IPv6 addresses or CIDR ranges), for
   * a receiver's allow-list (`ReceiverConfig.vendorSources`). Absent: the vendor publishes none.
   */
  sourceAddresses?: readonly string[];
  /** Reads the event type from a parsed body (and headers, for schemes that carry it there). */
  typeOf(body: Record<string, unknown>, headers: HeaderLookup, options: SchemeOptions): string | undefined;
  /** Maps a parsed body onto the common event fields. */
  normalize(body: Record<string, unknown>, headers: HeaderLookup): Omit<NormalizedEvent, 'vendor' | 'type' | 'typeLabel' | 'raw'>;
}

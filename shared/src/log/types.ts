/**
 * The receipt and delivery log: what happened to each request a node received and each webhook it sent.
 * One design for both runtimes — these types, pure helpers to build, count, filter and redact entries
 * (this folder, n8n may load it), and an embedded default store for Node (`@devicehook/core/node`,
 * `openLogStore`). Pure module.
 */

/** Received: a request reached a receiving node. Sent: a delivery by a sending node. */
export type LogDirection = 'received' | 'sent';

/**
 * What came of it.
 * Received: `accepted` (200, started the flow), `ignored` (200, a type not chosen), `duplicate` (200, an id
 * already received, started nothing), `refused` (4xx/5xx with a code and reason).
 * Sent: `delivered`, `failed` (retries used up or a final refusal), `gone` (410: the endpoint is marked
 * failed), `endpoint_failed` (not sent: the endpoint is disabled), `retrying` (the first attempt failed and a
 * retry is planned; the same delivery logs its end later), `dropped` (pending when the node was removed).
 */
export type LogOutcome =
  | 'accepted'
  | 'ignored'
  | 'duplicate'
  | 'refused'
  | 'delivered'
  | 'failed'
  | 'gone'
  | 'endpoint_failed'
  | 'retrying'
  | 'dropped';

export const RECEIVED_OUTCOMES: readonly LogOutcome[] = ['accepted', 'ignored', 'duplicate', 'refused'];
export const SENT_OUTCOMES: readonly LogOutcome[] = ['delivered', 'failed', 'gone', 'endpoint_failed', 'retrying', 'dropped'];

/** An entry as the caller gives it to a store (the store adds `id`). Secrets never go in here. */
export interface LogEntryInput {
  /** ISO 8601 time of the outcome. */
  time: string;
  /** The node (Node-RED node id, n8n node name) the entry belongs to. */
  node: string;
  direction: LogDirection;
  outcome: LogOutcome;
  /** A UUID minted per invocation (received: per request; sent: the attempt's X-Request-ID). */
  requestId: string;
  /** The delivery this entry belongs to (sent): the same on its `retrying` and final entries. */
  deliveryId?: string;
  /** The event type, when the body said it. */
  type?: string;
  vendor?: string;
  /** Received: the HTTP status we answered. Sent: the receiver's last response code. */
  status?: number;
  /** Sent: attempts so far. */
  attempts?: number;
  /** The result code (`signature_mismatch`, `body_too_large`, `not_configured`, ...) or a transport error class. */
  code?: string;
  /** Why, in one sentence (a refusal's message, a delivery's error). */
  reason?: string;
  /** Sent: the URL as sent, credentials redacted. */
  url?: string;
  /** Header names of the request; values only for a few harmless headers (see `redactHeaders`). */
  headers?: Record<string, string>;
  /** The body as text (UTF-8, or base64 when it was not UTF-8), cut at the store's cap. */
  payload?: string;
  payloadEncoding?: 'utf8' | 'base64';
  /** The body's full size in bytes, when the payload was cut or left out. */
  payloadBytes?: number;
  payloadTruncated?: boolean;
}

/** An entry as stored: with its id, which names the entry within its node's log. */
export interface LogEntry extends LogEntryInput {
  id: string;
}

/** Counts per node, Scalefusion's Total / Success / Failed for both directions. */
export interface LogSummary {
  received: number;
  accepted: number;
  ignored: number;
  duplicate: number;
  refused: number;
  /** Deliveries that ended (delivered + failed + gone + endpoint_failed + dropped). */
  sent: number;
  delivered: number;
  /** Deliveries that ended without success (failed + gone + endpoint_failed + dropped). */
  failed: number;
  /** Deliveries that started retrying and have not ended yet. */
  retrying: number;
  /** Refusals and failures by code, e.g. { signature_mismatch: 3, http_500: 1 }. */
  byCode: Record<string, number>;
  /** Entries by HTTP status (answered or received). */
  byStatus: Record<string, number>;
  /** Entries by event type (at most {@link MAX_DISTINCT} types; the rest count under `(other)`). */
  byType: Record<string, number>;
  /** Time of the first and last entry counted. */
  firstTime?: string;
  lastTime?: string;
  /** Entries the store could not write (a disk that stalled past its queue bound). */
  lost: number;
  /** The newest refusal or failed delivery, so its reason shows without a query. */
  lastProblem?: Pick<LogEntry, 'id' | 'time' | 'outcome' | 'status' | 'code' | 'reason' | 'type' | 'requestId'>;
}

/** What a query may ask for; every field optional, all given ones must match. */
export interface LogFilter {
  /** ISO time or ms since the epoch; inclusive. */
  from?: number;
  to?: number;
  direction?: LogDirection;
  outcome?: LogOutcome;
  /** An HTTP status ("401"), a class ("4xx"), or a result code ("signature_mismatch"). */
  code?: string;
  requestId?: string;
  type?: string;
  /** Entries older than this entry id (paging, newest first). */
  before?: string;
  /** At most this many entries (1–1000). @defaultValue 100 */
  limit?: number;
}

/** A log for one node: append, count, query. The embedded store keeps it in files; others may differ. */
export interface LogStore {
  append(entry: LogEntryInput): LogEntry;
  summary(): LogSummary;
  query(filter?: LogFilter): Promise<{ entries: LogEntry[]; more: boolean }>;
  get(id: string): Promise<LogEntry | undefined>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Distinct keys kept per count map before the rest is lumped together. */
export const MAX_DISTINCT = 64;

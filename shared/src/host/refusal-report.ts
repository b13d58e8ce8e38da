/**
 * What a host hands on about a refused request, for a flow to act on (Node-RED's optional "refused" output;
 * usable by any host): one report per refused request, decided here so every host sends the same thing.
 *
 *   payload: { code, status, message, vendor?, requestId? }   the code, its status and the message the sender got
 *   headers: the request's headers without the ones that carry a secret (the receiver's safeHeaders: scheme
 *            authentication headers, authorization, proxy-authorization, cookie) and without framing headers
 *            (content-length, host, …: a report sent on by an HTTP node must not carry a stale length)
 *
 * Never the body: a refused body is untrusted (wrong secret, forged, or over the size limit and never read
 * whole); the log keeps a capped copy for whoever needs it. Configured secrets are blanked wherever they
 * appear in the message or a header value. Accepted, ignored and duplicate requests are not refusals: no report.
 * Pure module.
 */
import { blankSecrets } from '../log/entry';
import type { Decision } from './answer';

/** What a refused request's report says (`msg.payload` of Node-RED's "refused" output). */
export interface RefusalPayload {
  /** The result code, e.g. `signature_mismatch`, `not_configured`, `body_too_large`. */
  code: string;
  /** The HTTP status the sender was answered with. */
  status: number;
  /** The message the sender got (configured secrets blanked). */
  message: string;
  /** The vendor the receiver is configured for. */
  vendor?: string;
  /** The request id of the refusal in the host's receipt log, to find it there. */
  requestId?: string;
}

export interface RefusalReport {
  payload: RefusalPayload;
  headers: Record<string, string | string[]>;
}

export interface RefusalReportInput {
  /** Strips the headers that carry a secret: the receiver's own (`Receiver.safeHeaders`), which knows its scheme's headers. */
  safeHeaders(headers: unknown): Record<string, string | string[]>;
  /** The request's headers as received. */
  headers?: unknown;
  vendor?: string;
  requestId?: string;
  /** The configured secrets, blanked wherever they appear. */
  secrets?: readonly string[];
}

/** Headers about this request's framing, not its content (left out, as Node-RED's `devicehook in` leaves them out of msg.headers). */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'expect', 'upgrade', 'te', 'trailer']);
/** At most this many characters of one header value, and of the message. */
const MAX_VALUE = 1024;

function cut(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/** The report for a refused request; undefined for any other decision (accepted, ignored, duplicate). */
export function refusalReport(decision: Decision, input: RefusalReportInput): RefusalReport | undefined {
  if (decision.kind !== 'refused') return undefined;
  const secrets = input.secrets?.filter((s) => typeof s === 'string');
  const clean = (text: string) => cut(blankSecrets(text, secrets));
  const headers: Record<string, string | string[]> = {};
  let safe: Record<string, string | string[]> = {};
  try {
    safe = input.safeHeaders(input.headers ?? {});
  } catch {
    // A broken headers object hands on nothing.
  }
  for (const [name, value] of Object.entries(safe)) {
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    headers[name] = Array.isArray(value) ? value.map(clean) : clean(value);
  }
  const payload: RefusalPayload = { code: decision.code, status: decision.status, message: clean(decision.message) };
  if (input.vendor) payload.vendor = input.vendor;
  if (input.requestId) payload.requestId = input.requestId;
  return { payload, headers };
}

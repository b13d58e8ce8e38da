/**
 * Retry decisions as pure functions of a policy and an outcome: what a vendor's sender would do next.
 * Pure module (n8n may load it).
 */
import type { RetryPolicy } from '../types';
import { vendors } from '../vendors/index';
import { NO_RETRIES, TIME } from './retry-policies';

/** Why an attempt did not deliver, when no HTTP status came back (or one that is not a success). */
export type AttemptErrorClass =
  | 'http' // a non-2xx status
  | 'redirect' // a 3xx: never followed, a failure
  | 'timeout'
  | 'network' // reset, hang-up, TLS error after connecting
  | 'dns' // the name did not resolve: "cannot be reached"
  | 'refused' // connection refused: "cannot be reached"
  | 'blocked' // refused by the SSRF guard
  | 'aborted';

/** What one attempt came to, as the engine sees it. */
export interface AttemptOutcome {
  statusCode?: number;
  errorClass?: AttemptErrorClass;
  /** The Retry-After header of the response, if any. */
  retryAfter?: string;
}

/** The decision after an attempt. */
export type AttemptVerdict = 'delivered' | 'retry' | 'fail' | 'gone';

/**
 * Decides what follows an attempt: delivered, retry, fail, or gone (410: the endpoint is gone for good,
 * unless the policy lists 410 among the statuses it retries, as the vendors that retry every non-2xx do).
 */
export function judgeAttempt(outcome: AttemptOutcome, policy: RetryPolicy, retriesLeft: number): AttemptVerdict {
  const status = outcome.statusCode;
  if (status !== undefined && status >= 200 && status < 300) return 'delivered';
  const listed = status !== undefined && policy.retryStatuses.includes(status);
  if (status === 410 && !listed) return 'gone';
  if (retriesLeft <= 0) return 'fail';
  switch (outcome.errorClass) {
    case 'dns':
    case 'refused':
      return policy.retryOnUnreachable ? 'retry' : 'fail';
    case 'timeout':
    case 'network':
      return policy.retryOnNetworkError ? 'retry' : 'fail';
    case 'blocked':
    case 'aborted':
      return 'fail';
    default:
      // 'http' and 'redirect' (never followed): retried only when the policy lists the status.
      return listed ? 'retry' : 'fail';
  }
}

/** Bounds on honouring a receiver's Retry-After. */
export interface RetryAfterBounds {
  /** Never wait longer than this for a Retry-After, whatever the schedule. @defaultValue 1 hour */
  maxRetryAfterMs?: number;
}

/**
 * The wait before retry number `retryIndex` (0-based): the policy's delay with its jitter, stretched to a
 * receiver's Retry-After — never shorter than planned, never more than twice the plan (or the cap,
 * whichever is larger), as Svix does.
 */
export function retryDelay(
  policy: RetryPolicy,
  retryIndex: number,
  outcome: AttemptOutcome,
  random: () => number,
  nowMs: number,
  bounds: RetryAfterBounds = {},
): number {
  const planned = policy.retryDelaysMs[Math.min(retryIndex, policy.retryDelaysMs.length - 1)] ?? 0;
  const jittered = Math.max(0, Math.round(planned * (1 + (random() * 2 - 1) * policy.jitterRatio)));
  const asked = parseRetryAfter(outcome.retryAfter, nowMs);
  if (asked === undefined) return jittered;
  const ceiling = Math.max(2 * jittered, Math.min(asked, bounds.maxRetryAfterMs ?? TIME.HOUR));
  return Math.min(Math.max(asked, jittered), ceiling);
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The presets by id: each vendor's documented (or assumed) policy, the default, and none. */
export const retryPolicies: Readonly<Record<string, RetryPolicy>> = Object.fromEntries(
  [...Object.values(vendors).map((v) => v.retryPolicy), NO_RETRIES].map((p) => [p.id, p]),
);

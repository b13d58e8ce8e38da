/**
 * Retry decisions as pure functions of a policy and an outcome: what a vendor's sender would do next.
 * Pure module (n8n may load it).
 */
import type { RetryPolicy } from '../types';
import { vendors } from '../vendors/index';
import { exponentialDelays, retryPolicy, TIME, TRANSIENT_STATUSES } from '../vendors/profile-kit';

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

/** Decides what follows an attempt: delivered, retry, fail, or gone (410: the endpoint is gone for good). */
export function judgeAttempt(outcome: AttemptOutcome, policy: RetryPolicy, retriesLeft: number): AttemptVerdict {
  const status = outcome.statusCode;
  if (status !== undefined && status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
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
    case 'redirect':
      return 'fail';
    default:
      return status !== undefined && policy.retryStatuses.includes(status) ? 'retry' : 'fail';
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

/** No retries: one attempt. */
export const NO_RETRIES: RetryPolicy = retryPolicy({
  id: 'none',
  label: 'No retries',
  description: 'One attempt only.',
  retryDelaysMs: [],
  jitterRatio: 0,
  retryOnNetworkError: false,
  retryOnUnreachable: false,
  documented: false,
});

/** The presets by id: each vendor's documented (or assumed) policy, the default, and none. */
export const retryPolicies: Readonly<Record<string, RetryPolicy>> = Object.fromEntries(
  [...Object.values(vendors).map((v) => v.retryPolicy), NO_RETRIES].map((p) => [p.id, p]),
);

/** Settings of a custom policy. */
export interface CustomRetryPolicyInput {
  /** How many retries after the first attempt. */
  retries: number;
  /** Explicit delays (ms), or exponential from `initialDelayMs` by `factor` up to `maxDelayMs`. */
  delaysMs?: number[];
  initialDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  jitterRatio?: number;
  retryStatuses?: number[];
  retryOnNetworkError?: boolean;
  retryOnUnreachable?: boolean;
  failEndpointAfter?: number;
}

/** Builds and checks a custom retry policy. @throws RangeError on settings that cannot work. */
export function customRetryPolicy(input: CustomRetryPolicyInput): RetryPolicy {
  const retries = input.retries;
  if (!Number.isInteger(retries) || retries < 0 || retries > 50) throw new RangeError('retries must be a whole number from 0 to 50.');
  const delays = input.delaysMs
    ? Array.from({ length: retries }, (_, i) => input.delaysMs![Math.min(i, input.delaysMs!.length - 1)] ?? 0)
    : exponentialDelays(retries, input.initialDelayMs ?? 10 * TIME.SECOND, input.factor ?? 2, input.maxDelayMs ?? 10 * TIME.HOUR);
  if (delays.some((d) => !Number.isFinite(d) || d < 0)) throw new RangeError('Retry delays must be non-negative numbers of milliseconds.');
  const jitterRatio = input.jitterRatio ?? 0;
  if (!(jitterRatio >= 0 && jitterRatio <= 1)) throw new RangeError('jitterRatio must be between 0 and 1.');
  const statuses = input.retryStatuses ?? TRANSIENT_STATUSES;
  if (statuses.some((s) => !Number.isInteger(s) || s < 100 || s > 599)) throw new RangeError('retryStatuses must be HTTP status codes.');
  return retryPolicy({
    id: 'custom',
    label: `Custom (${retries} retries)`,
    description: 'User-defined.',
    retryDelaysMs: delays,
    jitterRatio,
    retryStatuses: statuses.filter((s) => s !== 410),
    retryOnNetworkError: input.retryOnNetworkError ?? true,
    retryOnUnreachable: input.retryOnUnreachable ?? true,
    ...(input.failEndpointAfter !== undefined ? { failEndpointAfter: input.failEndpointAfter } : {}),
    documented: false,
  });
}

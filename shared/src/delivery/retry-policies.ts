/**
 * Retry policies as data, and the building blocks vendor profiles declare theirs with: time units, the
 * transient statuses, exponential delays, the common defaults, no retries and a checked custom policy.
 * The registry of presets by id (which needs the vendor profiles) is in `retry-plan.ts`. Pure module.
 */
import type { RetryPolicy } from '../types';
import { DeliveryError } from './errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const TIME = { SECOND, MINUTE, HOUR } as const;

/** 429 and every 5xx: the statuses a receiver uses to say "later". */
export const TRANSIENT_STATUSES: readonly number[] = [408, 425, 429, 500, 502, 503, 504, ...range(505, 599)];

/**
 * Every answer that is not a 2xx — 3xx (never followed), 4xx including 410, and 5xx — for the vendors whose
 * pages say they retry whenever the endpoint "fails to respond with HTTP 2xx" (EdgeSense) or count every
 * "unsuccessful message attempt" (1NCE). A policy listing 410 retries it instead of stopping as "gone".
 */
export const NON_2XX_STATUSES: readonly number[] = [...range(300, 399), ...range(400, 599)];

function range(from: number, to: number): number[] {
  const values: number[] = [];
  for (let n = from; n <= to; n++) values.push(n);
  return values;
}

/** Delays that double (or grow by `factor`) from `initialMs`, capped at `maxMs`. */
export function exponentialDelays(count: number, initialMs: number, factor = 2, maxMs = Infinity): number[] {
  return Array.from({ length: count }, (_, n) => Math.min(maxMs, initialMs * factor ** n));
}

/** Defines a retry policy with the common defaults spelt out. */
export function retryPolicy(policy: Omit<RetryPolicy, 'retryStatuses'> & Partial<Pick<RetryPolicy, 'retryStatuses'>>): RetryPolicy {
  return { retryStatuses: TRANSIENT_STATUSES, ...policy };
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

/** Builds and checks a custom retry policy. @throws {@link DeliveryError} `config` on settings that cannot work. */
export function customRetryPolicy(input: CustomRetryPolicyInput): RetryPolicy {
  const retries = input.retries;
  if (!Number.isInteger(retries) || retries < 0 || retries > 50) throw new DeliveryError('config', 'retries must be a whole number from 0 to 50.');
  const delays = input.delaysMs
    ? Array.from({ length: retries }, (_, i) => input.delaysMs![Math.min(i, input.delaysMs!.length - 1)] ?? 0)
    : exponentialDelays(retries, input.initialDelayMs ?? 10 * TIME.SECOND, input.factor ?? 2, input.maxDelayMs ?? 10 * TIME.HOUR);
  if (delays.some((d) => !Number.isFinite(d) || d < 0)) throw new DeliveryError('config', 'Retry delays must be non-negative numbers of milliseconds.');
  const jitterRatio = input.jitterRatio ?? 0;
  if (!(jitterRatio >= 0 && jitterRatio <= 1)) throw new DeliveryError('config', 'jitterRatio must be between 0 and 1.');
  const statuses = input.retryStatuses ?? TRANSIENT_STATUSES;
  if (statuses.some((s) => !Number.isInteger(s) || s < 100 || s > 599)) throw new DeliveryError('config', 'retryStatuses must be HTTP status codes.');
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

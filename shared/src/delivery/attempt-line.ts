/**
 * The one-line account of a delivery attempt, written the same way wherever attempts are shown: the n8n
 * Signed Webhook's error description, the `devicehook send` progress. Pure module.
 */
import type { DeliveryAttempt } from './deliver';

/** Most characters of the receiver's answer shown in the line (the attempt keeps up to 1 KiB). */
const SNIPPET_CHARS = 200;

/**
 * One attempt in one line: when, how long, its request id (the `X-Request-Id` the receiver saw), what came
 * back, and what followed.
 *
 * @example
 * describeAttempt(attempt)
 * // 'Attempt 1 at 2026-12-03T15:00:00.000Z (12 ms, request-id 7f…): HTTP 500, retried after 10 s — response: boom'
 */
export function describeAttempt(attempt: DeliveryAttempt): string {
  const what = attempt.statusCode !== undefined ? `HTTP ${attempt.statusCode}` : `${attempt.errorClass ?? 'error'}: ${attempt.error ?? 'no answer'}`;
  const next =
    attempt.verdict === 'retry'
      ? `retried after ${duration(attempt.nextRetryInMs ?? 0)}`
      : attempt.verdict === 'gone'
        ? 'gone, not retried'
        : attempt.verdict === 'delivered'
          ? 'delivered'
          : 'gave up';
  const snippet = attempt.responseSnippet ? ` — response: ${attempt.responseSnippet.slice(0, SNIPPET_CHARS).replace(/\s+/g, ' ')}` : '';
  return `Attempt ${attempt.attempt} at ${attempt.startedAt} (${attempt.durationMs} ms, request-id ${attempt.requestId}): ${what}, ${next}${snippet}`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

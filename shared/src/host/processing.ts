/**
 * Answer modes: when a host answers an accepted request, and with what. Decided here once for every host
 * (Node-RED `devicehook in` + `devicehook response`, the n8n triggers' response modes). Pure module: the
 * host runs the timer and calls {@link processingAnswer} with what happened.
 *
 *   `at_once` (default) — the accepted answer (200 `{received:true, type}`) is written before the flow runs,
 *                         as always; what the flow does later changes nothing.
 *   `after_flow`        — the answer waits for the flow:
 *       finished  → 200 `{received:true, type}` (the usual accepted answer)
 *       failed    → `failureStatus` (500 by default) `{code:"processing_failed", message}`: the sender retries
 *       timed out → after `timeoutMs` (below the vendor's own wait, its profile's `answerDeadline`):
 *                   503 `{code:"processing_timeout", message}` (the sender retries), or, with
 *                   `timeoutStatus` 200, `{received:true, type, message}` (it does not).
 * Refusals, ignored types and duplicates are answered at once in every mode (they start no flow).
 */
import { refuse } from '../results';
import type { VendorProfile, VerifyFailure } from '../types';
import type { HostAnswer } from './answer';

export type AnswerMode = 'at_once' | 'after_flow';

/** What became of the flow an accepted request started. */
export type ProcessingOutcome = 'finished' | 'failed' | 'timed_out';

/** The answer-mode settings as a user gives them (editor fields: text or numbers). */
export interface AnswerModeInput {
  mode?: unknown;
  /** The status for a failed flow: 400–599. @defaultValue 500 */
  failureStatus?: unknown;
  /** How long to wait for the flow, in milliseconds; empty: the vendor's default ({@link defaultProcessingTimeoutMs}). */
  timeoutMs?: unknown;
  /** The status when the wait ends: 503 (the sender retries) or 200 (it does not). @defaultValue 503 */
  timeoutStatus?: unknown;
}

/** The settings, checked. */
export interface AnswerModeSettings {
  mode: AnswerMode;
  failureStatus: number;
  timeoutMs: number;
  timeoutStatus: 200 | 503;
}

export const DEFAULT_FAILURE_STATUS = 500;
export const DEFAULT_TIMEOUT_STATUS = 503;
/** How much earlier than the vendor's wait the timeout ends, so the answer is on the wire before it gives up. */
export const DEADLINE_MARGIN_MS = 500;
/** The wait when no vendor profile is known. */
const FALLBACK_DEADLINE_MS = 5_000;

/** The default timeout for a vendor: its answer deadline less a margin (EdgeSense: 3 s → 2.5 s). */
export function defaultProcessingTimeoutMs(profile: Pick<VendorProfile, 'answerDeadline'> | undefined): number {
  const deadline = profile?.answerDeadline.ms ?? FALLBACK_DEADLINE_MS;
  return Math.max(deadline - DEADLINE_MARGIN_MS, Math.ceil(deadline / 2));
}

const blank = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A whole number from a number or its text; NaN otherwise. */
function wholeNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number.NaN;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return Number.NaN;
}

/**
 * Checks the settings: unknown mode, a failure status outside 400–599, a timeout that is not a positive
 * whole number of milliseconds, or a timeout status other than 200/503 → `invalid_input` naming the field.
 * A timeout at or above the vendor's own wait is allowed (the user may know better) but reported in `warning`.
 */
export function answerModeSettings(
  input: AnswerModeInput | undefined,
  profile: Pick<VendorProfile, 'answerDeadline' | 'label'> | undefined,
): { ok: true; settings: AnswerModeSettings; warning?: string } | VerifyFailure {
  const mode = blank(input?.mode) ? 'at_once' : input?.mode;
  if (mode !== 'at_once' && mode !== 'after_flow') return refuse('invalid_input', `options.answer must be "at_once" or "after_flow"; got ${JSON.stringify(mode)}.`);
  const failureStatus = blank(input?.failureStatus) ? DEFAULT_FAILURE_STATUS : wholeNumber(input?.failureStatus);
  if (!(failureStatus >= 400 && failureStatus <= 599)) {
    return refuse('invalid_input', `options.failureStatus must be a status from 400 to 599 (so the sender sees a failure); got ${JSON.stringify(input?.failureStatus)}.`);
  }
  const timeoutMs = blank(input?.timeoutMs) ? defaultProcessingTimeoutMs(profile) : wholeNumber(input?.timeoutMs);
  if (!(timeoutMs > 0 && Number.isSafeInteger(timeoutMs))) {
    return refuse('invalid_input', `options.timeoutMs must be a positive whole number of milliseconds; got ${JSON.stringify(input?.timeoutMs)}.`);
  }
  const timeoutStatus = blank(input?.timeoutStatus) ? DEFAULT_TIMEOUT_STATUS : wholeNumber(input?.timeoutStatus);
  if (timeoutStatus !== 200 && timeoutStatus !== 503) {
    return refuse('invalid_input', `options.timeoutStatus must be 200 or 503; got ${JSON.stringify(input?.timeoutStatus)}.`);
  }
  const settings: AnswerModeSettings = { mode, failureStatus, timeoutMs, timeoutStatus };
  const deadline = profile?.answerDeadline;
  if (mode === 'after_flow' && deadline && timeoutMs >= deadline.ms) {
    const source = deadline.documented ? 'documents' : 'is assumed to have';
    return {
      ok: true,
      settings,
      warning: `The answer timeout (${timeoutMs} ms) is not below the ${deadline.ms} ms ${profile?.label ?? 'the vendor'} ${source}: the sender may give up and retry before it is answered.`,
    };
  }
  return { ok: true, settings };
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/**
 * The answer to an accepted request of `type` whose flow ended with `outcome`, in the one answer shape
 * (lead decision 3). In `at_once` mode this is the accepted answer whatever the outcome (it was written
 * before the flow ran).
 */
export function processingAnswer(type: string, outcome: ProcessingOutcome, settings: Partial<AnswerModeSettings> = {}): HostAnswer {
  const answer = (status: number, body: Record<string, unknown>): HostAnswer => ({ status, body, headers: { ...JSON_HEADERS } });
  if (settings.mode !== 'after_flow' || outcome === 'finished') return answer(200, { received: true, type });
  if (outcome === 'failed') {
    const status = settings.failureStatus ?? DEFAULT_FAILURE_STATUS;
    return answer(status, { code: 'processing_failed', message: `The flow that handles ${type} failed; answered ${status} so the sender delivers it again.` });
  }
  const waited = settings.timeoutMs !== undefined ? `${settings.timeoutMs} ms` : 'the answer timeout';
  if (settings.timeoutStatus === 200) {
    return answer(200, { received: true, type, message: `Received; the flow had not finished after ${waited} and goes on (answered 200, the sender does not deliver it again).` });
  }
  return answer(DEFAULT_TIMEOUT_STATUS, {
    code: 'processing_timeout',
    message: `The flow that handles ${type} had not finished after ${waited}; answered 503 so the sender delivers it again.`,
  });
}

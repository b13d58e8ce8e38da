/**
 * Builders for refusals, so every module words the same failure the same way. Pure module.
 */
import type { VerifyFailure, VerifyFailureCode } from './types';

const STATUS: Record<VerifyFailureCode, number> = {
  invalid_input: 400,
  body_too_large: 413,
  signature_missing: 401,
  signature_malformed: 401,
  signature_mismatch: 401,
  timestamp_missing: 401,
  timestamp_invalid: 400,
  timestamp_out_of_window: 401,
  message_id_missing: 401,
  duplicate: 200,
  not_configured: 503,
  request_timeout: 408,
  source_not_allowed: 403,
  unsupported_media_type: 415,
  invalid_encoding: 400,
  too_deeply_nested: 400,
  invalid_json: 400,
  not_an_object: 422,
  type_missing: 422,
  schema_invalid: 422,
  // Answers after the flow ran ("when the flow has finished", host/processing.ts): the defaults, the user may choose others.
  processing_failed: 500,
  processing_timeout: 503,
};

/** The HTTP status that goes with a code. */
export function statusOf(code: VerifyFailureCode): number {
  return STATUS[code];
}

/** A refusal with the status that fits its code. */
export function refuse(code: VerifyFailureCode, message: string, hint?: VerifyFailure['hint']): VerifyFailure {
  const failure: VerifyFailure = { ok: false, status: STATUS[code], code, message };
  if (hint !== undefined) failure.hint = hint;
  return failure;
}

/** Checks a Unix-seconds timestamp header against a two-sided window. */
export function checkTimestamp(
  value: string | undefined,
  headerName: string,
  nowMs: number,
  toleranceSeconds: number,
): VerifyFailure | { ok: true; seconds: number } {
  if (value === undefined || value === '') {
    return refuse('timestamp_missing', `The ${headerName} header is missing; this scheme signs a timestamp.`);
  }
  if (!/^\d{1,15}$/.test(value)) {
    return refuse('timestamp_invalid', `The ${headerName} header must be a Unix time in whole seconds; got "${truncate(value, 40)}".`);
  }
  const seconds = Number(value);
  const skew = seconds - Math.floor(nowMs / 1000);
  if (Math.abs(skew) > toleranceSeconds) {
    const direction = skew > 0 ? 'in the future' : 'old';
    return refuse(
      'timestamp_out_of_window',
      `The ${headerName} timestamp is ${Math.abs(skew)} s ${direction}, outside the ±${toleranceSeconds} s window: ` +
        'a replayed request, or a clock that is off on the sender or here.',
    );
  }
  return { ok: true, seconds };
}

/** Cuts a value for quoting in a message. */
export function truncate(text: string, max: number): string {
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
